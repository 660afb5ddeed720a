import { constants } from "node:os";
import type { SandboxPolicy } from "@codex-ts/config-loader";
import {
  clampTimeoutMs,
  type RunningCommand,
  runCommand,
  sandboxedArgv,
  spawnTerminal,
  type TerminalProcess,
  type TerminalSize,
} from "@codex-ts/core";

/** 0.166.0's exit code for a command its timeout ended. */
const TIMED_OUT_EXIT_CODE = 124;

export type OutputStream = "stdout" | "stderr";

/** What `command/exec` starts: argv, where, and how it talks to the client. */
export interface ExecSpec {
  command: readonly string[];
  cwd: string;
  env: Record<string, string>;
  /** null: unconfined. */
  sandbox: SandboxPolicy | null;
  timeoutMs: number;
  /** On a PTY (stdout and stderr are one stream, reported as stdout), of `size` when given. */
  tty: boolean;
  size: TerminalSize | null;
  /** Its stdin is a pipe the client writes to; otherwise it reads an empty input. */
  streamStdin: boolean;
  onOutput(stream: OutputStream, chunk: Buffer): void;
}

/** How a command ended: its exit code (0.166.0's for a timeout or a signal), or why it could not start. */
export type ExecEnd = { exitCode: number } | { spawnError: string };

/** A running `command/exec` process, whichever runner started it. */
export interface ExecProcess {
  readonly streamStdin: boolean;
  /** Writes to its stdin, resolving once the bytes are on their way; false when its stdin is closed. */
  write(bytes: Buffer): Promise<boolean>;
  closeStdin(): void;
  /** Throws (0.166.0's words) unless it runs on a PTY. */
  resize(size: TerminalSize): void;
  terminate(): void;
  /** Settles once it ended and all of its output was delivered. */
  readonly ended: Promise<ExecEnd>;
}

/** 0.166.0 reports a command a signal ended as 128 + the signal's number (137 for SIGKILL, 143 for SIGTERM). */
function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 9);
}

/**
 * Starts `spec` on the runners the model's commands use: pipes through core's `runCommand` (sandbox, process
 * group, bounded capture), a PTY through unified exec's terminals.
 */
export function startExecProcess(spec: ExecSpec): Promise<ExecProcess> {
  return spec.tty ? startOnTerminal(spec) : Promise.resolve(startOnPipes(spec));
}

function startOnPipes(spec: ExecSpec): ExecProcess {
  let running: RunningCommand | undefined;
  const ended = runCommand({
    command: spec.command,
    cwd: spec.cwd,
    env: spec.env,
    sandbox: spec.sandbox,
    timeoutMs: spec.timeoutMs,
    stdin: spec.streamStdin ? "pipe" : "ignore",
    onSpawn: (r) => {
      running = r;
    },
    onOutput: (stream, chunk) => spec.onOutput(stream, chunk),
    // The caller caps each stream itself (0.166.0's cap keeps the head); nothing is captured twice.
    outputBounds: { maxDeltas: Number.POSITIVE_INFINITY, maxTotalBytes: Number.POSITIVE_INFINITY },
    maxOutputBytes: 0,
  }).then((r): ExecEnd => {
    if (r.spawnError !== undefined) return { spawnError: r.spawnError };
    if (r.timedOut) return { exitCode: TIMED_OUT_EXIT_CODE };
    return { exitCode: r.signal ? signalExitCode(r.signal) : r.exitCode };
  });
  return {
    streamStdin: spec.streamStdin,
    write: (bytes) => running?.write(bytes) ?? Promise.resolve(false),
    closeStdin: () => running?.closeStdin(),
    resize: () => {
      throw new Error("process is not attached to a PTY");
    },
    terminate: () => running?.kill(),
    ended,
  };
}

async function startOnTerminal(spec: ExecSpec): Promise<ExecProcess> {
  // No new session under bubblewrap: it would cut the command off from its terminal (as unified exec runs them).
  const argv = sandboxedArgv(spec.command, spec.sandbox, spec.cwd, spec.env, { newSession: false });
  const proc: TerminalProcess = await spawnTerminal(argv, {
    cwd: spec.cwd,
    env: spec.env,
    ...(spec.size ? { size: spec.size } : {}),
  });
  let timedOut = false;
  let stdinOpen = true;
  // Clamped as runCommand clamps it: a timer holds at most 2^31-1 ms, and fires at once beyond.
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill();
  }, clampTimeoutMs(spec.timeoutMs));
  proc.onData((chunk) => spec.onOutput("stdout", chunk));
  const ended = new Promise<ExecEnd>((resolve) => {
    proc.onExit((code) => {
      clearTimeout(timer);
      resolve({ exitCode: timedOut ? TIMED_OUT_EXIT_CODE : code });
    });
  });
  return {
    streamStdin: true,
    write: async (bytes) => {
      if (!stdinOpen) return false;
      proc.write(bytes);
      return true;
    },
    closeStdin: () => {
      stdinOpen = false;
    },
    resize: (size) => proc.resize(size),
    terminate: () => proc.kill(),
    ended,
  };
}
