import { accessSync, constants as fsConstants, statSync } from "node:fs";
import { constants } from "node:os";
import path from "node:path";
import type { SandboxPolicy } from "@codex-ts/config-loader";
import {
  clampTimeoutMs,
  osErrorText,
  type RunningCommand,
  resolveProgram,
  runCommand,
  sandboxedArgv,
  spawnTerminal,
  type TerminalProcess,
  type TerminalSize,
} from "@codex-ts/core";

/** 0.166.0's timeout of a process whose request names none (its `DEFAULT_EXEC_COMMAND_TIMEOUT_MS`). */
export const DEFAULT_EXEC_TIMEOUT_MS = 10_000;

/** 0.166.0's exit code for a command its timeout ended. */
const TIMED_OUT_EXIT_CODE = 124;

/**
 * What 0.166.0's PTY writes when a client closes a terminal's input (portable-pty's master writer on drop): a newline
 * then the terminal's end-of-file character (VEOF, ^D by default), so that a program reading a line sees its input end.
 */
const PTY_CLOSE_INPUT = Buffer.from("\n\x04");

export type OutputStream = "stdout" | "stderr";

/** What `command/exec` and `process/spawn` start: argv, where, and how it talks to the client. */
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

/**
 * How a process ended: its exit code (0.166.0's for a timeout or a signal), and whether its output pipes were still
 * held open (by a process it left behind) when the server stopped waiting for them.
 */
export interface ExecEnd {
  exitCode: number;
  outputDrainTimedOut: boolean;
}

/** A process that could not be started; the message is Rust's io::Error text (`No such file or directory (os error 2)`). */
export class SpawnFailure extends Error {
  override readonly name = "SpawnFailure";
}

/** A running `command/exec` or `process/spawn` process, whichever runner started it. */
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

/** Rust refuses an environment holding a NUL byte before it starts anything, in these words. */
function checkEnv(env: Record<string, string>): void {
  for (const [key, value] of Object.entries(env)) {
    if (key.includes("\0") || value.includes("\0"))
      throw new SpawnFailure("data provided contains a nul byte");
  }
}

/**
 * Starts `spec` on the runners the model's commands use: pipes through core's `runCommand` (sandbox, process
 * group, bounded capture), a PTY through unified exec's terminals. Resolves once it runs; rejects with SpawnFailure
 * when it cannot start. Whatever it leaves running in its process group when it exits is killed then, as 0.166.0
 * kills it (a background job never outlives the command that started it).
 */
export async function startExecProcess(spec: ExecSpec): Promise<ExecProcess> {
  checkEnv(spec.env);
  if (spec.command[0] === "")
    throw new SpawnFailure(`missing program for ${spec.tty ? "PTY" : "pipe"} spawn`);
  const proc = spec.tty ? await startOnTerminal(spec) : await startOnPipes(spec);
  void proc.ended.then(() => proc.terminate());
  return proc;
}

function startOnPipes(spec: ExecSpec): Promise<ExecProcess> {
  let running: RunningCommand | undefined;
  return new Promise((resolve, reject) => {
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
      onStarted: () => resolve(proc),
      onOutput: (stream, chunk) => spec.onOutput(stream, chunk),
      // The caller caps each stream itself (0.166.0's cap keeps the head); nothing is captured twice.
      outputBounds: { maxDeltas: Number.POSITIVE_INFINITY, maxTotalBytes: Number.POSITIVE_INFINITY },
      maxOutputBytes: 0,
    }).then((r): ExecEnd => {
      // Settles the start first: a process that could not start has no `spawn` event.
      if (r.spawnError !== undefined) reject(new SpawnFailure(r.spawnError));
      const exitCode = r.timedOut ? TIMED_OUT_EXIT_CODE : r.signal ? signalExitCode(r.signal) : r.exitCode;
      return { exitCode, outputDrainTimedOut: r.outputDrainTimedOut === true };
    });
    const proc: ExecProcess = {
      streamStdin: spec.streamStdin,
      write: (bytes) => running?.write(bytes) ?? Promise.resolve(false),
      closeStdin: () => running?.closeStdin(),
      resize: () => {
        throw new Error("process is not attached to a PTY");
      },
      terminate: () => running?.kill(),
      ended,
    };
  });
}

/**
 * Why 0.166.0's PTY (portable-pty) would refuse to start `program`, or null: a bare name not found in PATH or a
 * relative path that is missing, a directory or not executable in its words; an absolute one as `exec` fails (an
 * io::Error: `No such file or directory (os error 2)`, `Permission denied (os error 13)`). Node's PTY would fork
 * first and report the failure as the output of a process that exited 1.
 */
function terminalSpawnFailure(program: string, cwd: string, env: Record<string, string>): string | null {
  if (path.isAbsolute(program)) {
    try {
      if (statSync(program).isDirectory()) return "Permission denied (os error 13)";
      accessSync(program, fsConstants.X_OK);
      return null;
    } catch (err) {
      return osErrorText(err);
    }
  }
  const found = resolveProgram(program, cwd, env);
  // 0.58.0's portable-pty added the errno to these; 0.166.0's does not.
  return "error" in found ? found.error.replace(/ \((?:ENOENT|EACCES): [^)]*\)$/, "") : null;
}

async function startOnTerminal(spec: ExecSpec): Promise<ExecProcess> {
  const failure = spec.sandbox ? null : terminalSpawnFailure(spec.command[0] as string, spec.cwd, spec.env);
  if (failure) throw new SpawnFailure(failure);
  // No new session under bubblewrap: it would cut the command off from its terminal (as unified exec runs them).
  const argv = sandboxedArgv(spec.command, spec.sandbox, spec.cwd, spec.env, { newSession: false });
  let proc: TerminalProcess;
  try {
    proc = await spawnTerminal(argv, {
      cwd: spec.cwd,
      env: spec.env,
      ...(spec.size ? { size: spec.size } : {}),
    });
  } catch (err) {
    throw new SpawnFailure(err instanceof Error ? err.message : String(err));
  }
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
      resolve({ exitCode: timedOut ? TIMED_OUT_EXIT_CODE : code, outputDrainTimedOut: false });
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
      if (!stdinOpen) return;
      stdinOpen = false;
      proc.write(PTY_CLOSE_INPUT);
    },
    resize: (size) => proc.resize(size),
    terminate: () => proc.kill(),
    ended,
  };
}
