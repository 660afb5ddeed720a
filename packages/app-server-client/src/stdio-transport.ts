import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { ConnectionClosedError } from "./errors.js";
import { LineSplitter, type Transport, type TransportExit, type TransportSink } from "./transport.js";

/**
 * The one transport that needs Node: the app server as a child process, one JSON message per line on its stdin and
 * stdout. `node:child_process` is loaded when a server is spawned, so importing this package elsewhere is safe.
 */
export interface SpawnOptions {
  /** The executable, e.g. `codex` (found on PATH) or an absolute path. */
  command: string;
  /** Its arguments, e.g. `["app-server"]`. */
  args?: readonly string[] | undefined;
  /** The child's whole environment (as with Node's `spawn`); the parent's when absent. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  cwd?: string | undefined;
  /**
   * The server's stderr (its log): `capture` (default) keeps the last 64 KiB in `stderrTail` and hands every chunk
   * to `onStderr`; `inherit` passes it through to this process's stderr; `ignore` drops it.
   */
  stderr?: "capture" | "inherit" | "ignore" | undefined;
  onStderr?: ((text: string) => void) | undefined;
}

/** How much of the server's stderr `stderrTail` keeps. */
const STDERR_TAIL_CHARS = 64 * 1024;
/** After the grace period, how long SIGTERM gets before SIGKILL. */
const TERM_GRACE_MS = 2000;

export class StdioTransport implements Transport {
  readonly closed: Promise<TransportExit>;
  private stderrText = "";
  private exit: TransportExit | null = null;
  private sink: TransportSink | null = null;
  private readonly early: string[] = [];
  private readonly lines = new LineSplitter((line) => this.deliver(line));

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    options: SpawnOptions,
  ) {
    const decoder = new TextDecoder();
    child.stdout.on("data", (chunk: Uint8Array) => this.lines.push(decoder.decode(chunk, { stream: true })));
    child.stdout.on("end", () => {
      this.lines.push(decoder.decode());
      this.lines.end();
    });
    if (options.stderr === undefined || options.stderr === "capture") {
      const errDecoder = new TextDecoder();
      child.stderr.on("data", (chunk: Uint8Array) => {
        const text = errDecoder.decode(chunk, { stream: true });
        this.stderrText = (this.stderrText + text).slice(-STDERR_TAIL_CHARS);
        options.onStderr?.(text);
      });
    }
    // A server that exits while we write must not crash this process with EPIPE.
    child.stdin.on("error", () => {});
    this.closed = new Promise((resolve) =>
      child.once("close", (code: number | null, signal: string | null) => {
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
  }

  /** Starts `command` and resolves once it is running; rejects when it cannot be started (e.g. not found). */
  static async spawn(options: SpawnOptions): Promise<StdioTransport> {
    const { spawn } = await import("node:child_process");
    const stderr = options.stderr === "inherit" ? "inherit" : options.stderr === "ignore" ? "ignore" : "pipe";
    const child = spawn(options.command, [...(options.args ?? [])], {
      stdio: ["pipe", "pipe", stderr],
      ...(options.env ? { env: options.env } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
    }) as ChildProcessWithoutNullStreams;
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (err) => reject(new Error(`could not start ${options.command}: ${err.message}`)));
    });
    return new StdioTransport(child, options);
  }

  /** The server's process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The exit code and signal once the process has ended, else null. */
  get exited(): TransportExit | null {
    return this.exit;
  }

  /** The last 64 KiB the server wrote to stderr (with `stderr: "capture"`). */
  get stderrTail(): string {
    return this.stderrText;
  }

  /** Sends a signal to the server (default SIGTERM). False when it has already exited. */
  kill(signal = "SIGTERM"): boolean {
    if (this.exit || this.child.exitCode !== null || this.child.signalCode !== null) return false;
    return this.child.kill(signal as NodeJS.Signals);
  }

  start(sink: TransportSink): void {
    this.sink = sink;
    for (const line of this.early.splice(0)) sink.message(line);
  }

  send(message: string): Promise<void> {
    return this.writeRaw(`${message}\n`);
  }

  /**
   * Writes `text` to the server's stdin exactly as given, no newline added (a line written in pieces, bytes that
   * are not a message). Resolves once the pipe has taken it: a server that stops reading keeps it waiting.
   */
  writeRaw(text: string): Promise<void> {
    const stdin = this.child.stdin;
    if (this.exit || stdin.destroyed || stdin.writableEnded)
      return Promise.reject(new ConnectionClosedError());
    return new Promise((resolve, reject) => {
      stdin.write(text, (err) => (err ? reject(new ConnectionClosedError(err.message)) : resolve()));
    });
  }

  /**
   * Stops reading the server's stdout until `resumeReading()` (a consumer that has fallen behind): what the server
   * writes waits in the pipe, and a server that honours backpressure stops producing.
   */
  pauseReading(): void {
    this.child.stdout.pause();
  }

  resumeReading(): void {
    this.child.stdout.resume();
  }

  /** Closes stdin (the server's cue to finish and exit), waits `graceMs` (default 5 s), then SIGTERM, then SIGKILL. */
  async close(options: { graceMs?: number } = {}): Promise<TransportExit> {
    if (!this.child.stdin.writableEnded) this.child.stdin.end();
    if (await this.exitWithin(options.graceMs ?? 5000)) return this.closed;
    this.kill("SIGTERM");
    if (await this.exitWithin(TERM_GRACE_MS)) return this.closed;
    this.kill("SIGKILL");
    return this.closed;
  }

  private async exitWithin(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const done = await Promise.race([this.closed.then(() => true as const), timeout]);
    clearTimeout(timer);
    return done;
  }

  private deliver(line: string): void {
    if (this.sink) this.sink.message(line);
    else this.early.push(line);
  }
}
