import { randomUUID } from "node:crypto";
import type { EventMsg } from "@codex-ts/app-server-protocol";
import { REVIEW_FALLBACK_MESSAGE, renderReviewOutput } from "@codex-ts/core";
import type { ThreadItem0166 } from "./items-0166.js";
import type { Notification0166 } from "./notifications-0166.js";

type EventOf<T extends EventMsg["type"]> = Extract<EventMsg, { type: T }>;

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

/** The `enteredReviewMode` item: the review's label (its `user_facing_hint`). */
export function enteredReviewItem(msg: EventOf<"entered_review_mode">): ThreadItem0166 {
  return { type: "enteredReviewMode", id: randomUUID(), review: msg.user_facing_hint };
}

/** The `exitedReviewMode` item: the review rendered as text, or 0.166.0's fallback when it has no output. */
export function exitedReviewItem(msg: EventOf<"exited_review_mode">): ThreadItem0166 {
  const output = msg.review_output ?? null;
  return {
    type: "exitedReviewMode",
    id: randomUUID(),
    review: output ? renderReviewOutput(output) : REVIEW_FALLBACK_MESSAGE,
  };
}
