/**
 * A pause that waiters can sit out: `paused` while set; `onChange` hears of the next change either way. Unified
 * exec's yield times do not run while it is set (see `UnifiedExecSession.collect`).
 */
export class PauseGate {
  private isPaused = false;
  private waiters: Array<() => void> = [];

  get paused(): boolean {
    return this.isPaused;
  }

  set(paused: boolean): void {
    if (paused === this.isPaused) return;
    this.isPaused = paused;
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Stops waiting for a change (a waiter that gave up for another reason); `wake` is what `onChange` returned. */
  forget(wake: () => void): void {
    this.waiters = this.waiters.filter((w) => w !== wake);
  }

  /** Registers `wake` for the next change and returns it (for `forget`). */
  onChange(wake: () => void): () => void {
    this.waiters.push(wake);
    return wake;
  }
}

/** Thrown by `decrement` on a counter already at zero (0.166.0 answers it as an invalid request). */
export class ElicitationCountError extends Error {
  override readonly name = "ElicitationCountError";
}

/**
 * A thread's out-of-band elicitations (0.166's `thread/increment_elicitation` / `thread/decrement_elicitation`):
 * how many approvals or other questions a client's helper shows the user outside the app server's own requests.
 * While there is one, the conversation's timeouts are paused (`gate`): a command's yield time does not run out while
 * the user is being asked.
 */
export class OutOfBandElicitations {
  readonly gate = new PauseGate();
  private count = 0;

  get current(): number {
    return this.count;
  }

  /** One more; pauses on the first. Returns the count after it. */
  increment(): number {
    this.count++;
    this.gate.set(true);
    return this.count;
  }

  /** One fewer; resumes on the last. Returns the count after it; refuses to go below zero, as 0.166.0 does. */
  decrement(): number {
    if (this.count === 0) throw new ElicitationCountError("out-of-band elicitation count is already zero");
    this.count--;
    if (this.count === 0) this.gate.set(false);
    return this.count;
  }
}
