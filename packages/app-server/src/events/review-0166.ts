import { REVIEW_FALLBACK_MESSAGE, type ReviewOutput, renderReviewOutput } from "@codex-ts/core";
import type { ItemTimes, ThreadItem0166 } from "./items-0166.js";
import type { Notification0166 } from "./notifications-0166.js";

/**
 * A review the client asked for (`review/start`), as 0.166.0 shows it: the `enteredReviewMode` item comes first,
 * before the thread turns active and the turn starts, so the turn's start is held until the core enters review
 * mode (or says anything else: a review that fails before it starts still shows its turn).
 */
export class ReviewTurns {
  private next = false;
  private held: Notification0166[] | null = null;

  /** The next turn to start is a review. */
  expect(): void {
    this.next = true;
  }

  /** A turn starts with `start`: what to send now (nothing for a review, whose start waits for its item). */
  turnStarted(start: Notification0166[]): Notification0166[] {
    if (!this.next) return start;
    this.next = false;
    this.held = start;
    return [];
  }

  /** Whether a review's start is being held. */
  get holding(): boolean {
    return this.held !== null;
  }

  /** The held start, once. */
  release(): Notification0166[] {
    const held = this.held ?? [];
    this.held = null;
    return held;
  }
}

const NO_TIMES: ItemTimes = { startedAtMs: null, completedAtMs: null };

/**
 * The `enteredReviewMode` item: the review's label (its `user_facing_hint`; 0.166.0 shows "Review requested." for
 * a review recorded without one).
 */
export function enteredReviewItem(id: string, hint: string | null, times = NO_TIMES): ThreadItem0166 {
  return { type: "enteredReviewMode", id, review: hint ?? "Review requested.", ...times };
}

/** The `exitedReviewMode` item: the review rendered as text, or 0.166.0's fallback when it has no output. */
export function exitedReviewItem(id: string, output: ReviewOutput | null, times = NO_TIMES): ThreadItem0166 {
  return {
    type: "exitedReviewMode",
    id,
    review: output ? renderReviewOutput(output) : REVIEW_FALLBACK_MESSAGE,
    ...times,
  };
}
