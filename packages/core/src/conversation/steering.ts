import type { ResponseItemJson } from "../client/types.js";
import type { InputItem } from "./op.js";

/** What kind of task a submission runs: only a regular (user) turn accepts more input while it runs. */
export type TaskKind = "regular" | "compact" | "review";

/** Why input could not be added to the running turn (Codex's `SteerInputError`). */
export type SteerRefusal =
  | { kind: "no_active_turn" }
  | { kind: "expected_turn_mismatch"; expected: string; actual: string }
  | { kind: "empty_input" }
  | { kind: "not_steerable"; turnKind: Exclude<TaskKind, "regular"> };

export class SteerError extends Error {
  constructor(readonly refusal: SteerRefusal) {
    super(`cannot steer: ${refusal.kind}`);
  }
}

/** Input added to the running turn, waiting for the turn's next model request. */
export interface PendingInput {
  items: InputItem[];
  /** The id of the user-message item the input is announced as. */
  itemId: string;
}

/**
 * The running task's steering state, as Codex keeps it in its turn state: input queued by `steer` is taken by the
 * turn before its next model request; a model request streaming when input arrives is cut short (its partial output
 * dropped, as 0.166.0 drops it) so the model answers with the new input in view. Once the turn has decided to end
 * it takes no more input (`close`), so nothing queued is ever lost unannounced.
 */
export class Steering {
  private task: { id: string; kind: TaskKind; open: boolean } | null = null;
  private pending: PendingInput[] = [];
  /** History items for the turn's next request that announce nothing and cut no request short (`addRecord`). */
  private records: ResponseItemJson[] = [];
  private sample: AbortController | null = null;

  begin(id: string, kind: TaskKind): void {
    this.task = { id, kind, open: kind === "regular" };
    this.pending = [];
    this.records = [];
    this.sample = null;
  }

  /** The task ended (or was interrupted): queued input is dropped with it. */
  end(): void {
    this.task = null;
    this.pending = [];
    this.records = [];
    this.sample = null;
  }

  /** The running task, whatever its kind (interrupts act on any). */
  get running(): { id: string; kind: TaskKind } | null {
    return this.task ? { id: this.task.id, kind: this.task.kind } : null;
  }

  /** Queues input for the running turn and returns its id; throws `SteerError` when there is no turn to take it. */
  steer(items: InputItem[], itemId: string, expectedTurnId?: string): string {
    const task = this.task;
    if (!task || (task.kind === "regular" && !task.open)) throw new SteerError({ kind: "no_active_turn" });
    if (expectedTurnId !== undefined && expectedTurnId !== task.id)
      throw new SteerError({ kind: "expected_turn_mismatch", expected: expectedTurnId, actual: task.id });
    if (task.kind !== "regular") throw new SteerError({ kind: "not_steerable", turnKind: task.kind });
    if (items.length === 0) throw new SteerError({ kind: "empty_input" });
    this.pending.push({ items, itemId });
    this.sample?.abort();
    return task.id;
  }

  hasPending(): boolean {
    return this.pending.length > 0 || this.records.length > 0;
  }

  /**
   * Queues a history item for the running turn's next model request (a user shell command's outcome, as 0.166.0
   * queues it): the request streaming now is not cut short, but the turn makes one more. False when no open turn
   * takes it (the caller records it itself).
   */
  addRecord(item: ResponseItemJson): boolean {
    if (this.task?.kind !== "regular" || !this.task.open) return false;
    this.records.push(item);
    return true;
  }

  /** The queued history items, oldest first, removed from the queue. */
  takeRecords(): ResponseItemJson[] {
    return this.records.splice(0);
  }

  /** The queued input, oldest first, removed from the queue. */
  take(): PendingInput[] {
    return this.pending.splice(0);
  }

  /** The turn decided to end: later input is refused rather than queued for a request that will not come. */
  close(): void {
    if (this.task) this.task.open = false;
  }

  /** A model request starts streaming; new input aborts the returned controller. */
  beginSample(): AbortController {
    this.sample = new AbortController();
    return this.sample;
  }

  endSample(): void {
    this.sample = null;
  }
}
