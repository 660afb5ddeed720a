import type { PauseGate } from "../conversation/out-of-band-elicitations.js";
import type { UnifiedExecEvent } from "./events.js";
import { OutputBuffer, type TakenOutput } from "./output-buffer.js";
import { spawnTerminal, type TerminalKind, type TerminalProcess } from "./terminal.js";

/** A 0.166 background terminal's command, where it runs, and who is told (with its events) when it ends. */
export interface BackgroundInfo {
  command: string;
  cwd: string;
  onEnd?: ((events: UnifiedExecEvent[]) => void) | undefined;
}

/**
 * One command on its own terminal: its output accumulates in a bounded buffer until a call collects it, and its
 * exit code is kept once it ends.
 */
export class UnifiedExecSession {
  readonly output = new OutputBuffer();
  readonly startedAt = performance.now();
  lastUsed = performance.now();
  /** How many calls are collecting its output now (an end seen by one of them is reported by that call). */
  polls = 0;
  /** Set once it is kept as a 0.166 background terminal: what the listing shows, and who hears of its end. */
  background: BackgroundInfo | null = null;
  private code: number | null = null;
  private readonly exitWaiters: Array<() => void> = [];

  private constructor(
    private readonly proc: TerminalProcess,
    /** The `exec_command` call that started it: later events about it carry this call id. */
    readonly callId: string,
  ) {
    proc.onData((chunk) => this.output.push(chunk));
    proc.onExit((code) => {
      this.output.finish();
      this.code = code;
      for (const w of this.exitWaiters.splice(0)) w();
      this.output.wake();
    });
  }

  static async start(
    argv: readonly string[],
    o: { cwd: string; env: Record<string, string>; callId: string; terminal?: TerminalKind },
  ): Promise<UnifiedExecSession> {
    const proc = await spawnTerminal(argv, {
      cwd: o.cwd,
      env: o.env,
      ...(o.terminal ? { kind: o.terminal } : {}),
    });
    return new UnifiedExecSession(proc, o.callId);
  }

  get pid(): number {
    return this.proc.pid;
  }

  get terminalKind(): TerminalKind {
    return this.proc.kind;
  }

  get exitCode(): number | null {
    return this.code;
  }

  get hasExited(): boolean {
    return this.code !== null;
  }

  write(chars: string): void {
    this.proc.write(chars);
  }

  kill(): void {
    this.proc.kill();
  }

  /** Resolves when the process has ended and all of its output is in the buffer. */
  waitForExit(): Promise<void> {
    if (this.code !== null) return Promise.resolve();
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  /**
   * Waits until `deadline` (a `performance.now()` time), the process's end or `signal`'s abort, whichever comes
   * first, then takes the output gathered since the last collection. 0.58.0 waits out the whole yield time even
   * after the process ended; returning at the end is what a caller wants and gives the same answer sooner. While
   * `pause` is set (a client asks the user something out of band) the time does not run and nothing is collected:
   * the deadline moves on by as long as the pause lasted, as 0.166.0's does.
   */
  async collect(deadline: number, signal?: AbortSignal, pause?: PauseGate): Promise<TakenOutput> {
    let until = deadline;
    while (!signal?.aborted) {
      if (pause?.paused) {
        // Paused, nothing is collected until it resumes, even an end (0.166.0 waits the pause out too).
        const pausedAt = performance.now();
        await this.waitFor(Number.POSITIVE_INFINITY, signal, pause, false);
        until += performance.now() - pausedAt;
        continue;
      }
      if (this.hasExited) break;
      const left = until - performance.now();
      if (left <= 0) break;
      await this.waitFor(left, signal, pause, true);
    }
    return this.output.take();
  }

  /**
   * Settles after `ms`, at `signal`'s abort, a change of `pause` or (with `onExit`) the process's end, whichever
   * comes first.
   */
  private waitFor(
    ms: number,
    signal: AbortSignal | undefined,
    pause: PauseGate | undefined,
    onExit: boolean,
  ): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      const onAbort = () => done();
      signal?.addEventListener("abort", onAbort, { once: true });
      if (onExit) this.exitWaiters.push(done);
      const onPause = pause?.onChange(done);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (onPause) pause?.forget(onPause);
        resolve();
      }
    });
  }
}
