import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { CLI, type Message } from "./client.js";
import { peakRssMiB } from "./proc-stats.js";

/**
 * A `codex app-server` driven at the byte level, for clients that misbehave on purpose: its stdout is not read until
 * `startReading()` (a client that never reads), its stdin is written with or without regard for backpressure, and
 * its peak RSS is sampled while it runs (VmHWM is gone once it exits).
 */
export class RawServer {
  readonly messages: Message[] = [];
  stderrTail = "";
  peakMiB = 0;
  readonly exited: Promise<number | null>;
  private partial = "";
  private reading = false;
  private onMessage: ((m: Message) => boolean | undefined) | undefined;
  private readonly sampler: NodeJS.Timeout;

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.pause();
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-64 * 1024);
    });
    this.sampler = setInterval(() => this.sample(), 100);
    this.exited = new Promise((resolve) =>
      child.once("exit", (code) => {
        clearInterval(this.sampler);
        resolve(code);
      }),
    );
  }

  static start(codexHome: string): RawServer {
    const child = spawn(process.execPath, [CLI, "app-server"], {
      env: { ...process.env, CODEX_HOME: codexHome, TERM: "xterm", TERM_PROGRAM: "" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    return new RawServer(child);
  }

  /** Records the peak RSS so far (call it before looking at `peakMiB`). */
  sample(): number {
    const peak = peakRssMiB(this.child.pid);
    if (peak !== null) this.peakMiB = Math.max(this.peakMiB, peak);
    return this.peakMiB;
  }

  /**
   * Writes `text`, waiting for the pipe to drain; resolves false when the server has not read it within `stallMs`
   * (it stopped reading its stdin).
   */
  write(text: string, stallMs = 60_000): Promise<boolean> {
    if (this.child.stdin.write(text)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.child.stdin.off("drain", onDrain);
        resolve(false);
      }, stallMs);
      const onDrain = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.child.stdin.once("drain", onDrain);
    });
  }

  /**
   * From now on every stdout line is parsed into `messages`; `onMessage` sees each one first and keeps it out of
   * `messages` by returning true. Calling it again resumes reading (after `child.stdout.pause()`), with the new
   * `onMessage` if one is given.
   */
  startReading(onMessage?: (m: Message) => boolean | undefined): void {
    if (onMessage) this.onMessage = onMessage;
    if (!this.reading) {
      this.reading = true;
      this.child.stdout.setEncoding("utf8");
      this.child.stdout.on("data", (chunk: string) => this.take(chunk));
    }
    this.child.stdout.resume();
  }

  private take(chunk: string): void {
    this.partial += chunk;
    let start = 0;
    let nl = this.partial.indexOf("\n");
    while (nl !== -1) {
      const m = JSON.parse(this.partial.slice(start, nl)) as Message;
      if (!this.onMessage?.(m)) this.messages.push(m);
      start = nl + 1;
      nl = this.partial.indexOf("\n", start);
    }
    this.partial = this.partial.slice(start);
  }

  /** Closes stdin and waits for the exit code (SIGKILL after `ms`). */
  async close(ms = 30_000): Promise<number | null> {
    this.sample();
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), ms);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}
