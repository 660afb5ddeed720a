import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import type { SandboxPolicy } from "@codex-ts/config-loader";
import { osErrorDebug, osErrorText } from "../rollout/os-error.js";
import { EXEC_OUTPUT_MAX_BYTES, HeadTailBuffer } from "./head-tail-buffer.js";

/** A command's timeout is at least this (0 means "at once", as in Codex, not "never"). */
export const EXEC_TIMEOUT_MIN_MS = 1;
/** …and at most this (24 h), well within what a timer holds (2^31-1 ms); a command never runs unbounded. */
export const EXEC_TIMEOUT_MAX_MS = 24 * 60 * 60 * 1000;
/** Output deltas streamed per command, each at most EXEC_OUTPUT_DELTA_MAX_BYTES (Codex's bounds)… */
export const EXEC_OUTPUT_MAX_DELTAS = 10_000;
export const EXEC_OUTPUT_DELTA_MAX_BYTES = 8192;
/**
 * …and at most this many bytes in all: Codex's two bounds allow 80 MiB, which becomes ~190 MiB of notifications
 * queued for the client (base64 in v1, text in v2), while what is kept of the output in the end is 1 MiB anyway.
 */
export const EXEC_OUTPUT_DELTA_MAX_TOTAL_BYTES = 8 * 1024 * 1024;
/**
 * Input a running command has not read yet that `RunningCommand.write` queues without waiting (a bounded queue, as
 * Codex's writer channel is): beyond it a write resolves only once its bytes are in the pipe.
 */
const STDIN_QUEUE_MAX_BYTES = 1024 * 1024;
/** How long the output pipes may stay open after the command exited (held by a process that left its group). */
const EXEC_OUTPUT_DRAIN_MS = 2000;

export interface RunCommandOptions {
  command: readonly string[];
  cwd: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** null runs unconfined (danger-full-access, or approved to run without the sandbox). */
  sandbox: SandboxPolicy | null;
  signal?: AbortSignal;
  onOutput?: (stream: "stdout" | "stderr", chunk: Buffer) => void;
  /** Bytes kept per stream (default EXEC_OUTPUT_MAX_BYTES); beyond it the middle of the output is dropped. */
  maxOutputBytes?: number;
  /**
   * Bounds of what `onOutput` gets (default EXEC_OUTPUT_MAX_DELTAS pieces, EXEC_OUTPUT_DELTA_MAX_TOTAL_BYTES bytes):
   * a caller that caps the output itself (0.166's `command/exec`) lifts them.
   */
  outputBounds?: { maxDeltas: number; maxTotalBytes: number };
  /** A pipe the caller writes through the `RunningCommand` (default: no input, as a model's commands get). */
  stdin?: "pipe" | "ignore";
  /** Called once the process is spawned, with the ways to talk to it while it runs. */
  onSpawn?: (running: RunningCommand) => void;
  /** Called once the process really started (Node's `spawn` event); never for one that could not start. */
  onStarted?: () => void;
}

/** A command `runCommand` started, while it runs. */
export interface RunningCommand {
  /**
   * Writes to its stdin (with `stdin: "pipe"`); resolves once the bytes are in the pipe (a command that does not
   * read holds the writer, as a full pipe does, rather than the server buffering without bound), false when its
   * input was closed before.
   */
  write(bytes: Buffer): Promise<boolean>;
  /** Closes its stdin (end of file for the command). */
  closeStdin(): void;
  /** SIGKILL to its whole process group; the run then resolves with the signal. */
  kill(): void;
}

export interface RunCommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  aggregatedOutput: string;
  durationMs: number;
  timedOut: boolean;
  /** Output was over the capture limit: the texts above keep its head and tail around a marker line. */
  truncated?: boolean;
  /** The signal that ended the command, if one did (its exit code is then 128 + 9 whatever the signal). */
  signal?: NodeJS.Signals;
  /** Bytes the command wrote to each stream, captured or not. */
  stdoutBytes?: number;
  stderrBytes?: number;
  /** The command failed in a way that looks like the sandbox stopped it (a write or network use was denied). */
  sandboxDenied: boolean;
  /** Set when the process could not be started at all, in Rust's io::Error wording (e.g. `No such file or directory (os error 2)`). */
  spawnError?: string;
  /** The same failure as Rust's Debug of the io::Error (`Os { code: 2, kind: NotFound, message: "…" }`). */
  spawnErrorDebug?: string;
  /** The output pipes were still open EXEC_OUTPUT_DRAIN_MS after the command exited (held by a process it left). */
  outputDrainTimedOut?: boolean;
}

export type SandboxSupport = "bubblewrap" | "seatbelt" | "none";

let cachedSupport: SandboxSupport | undefined;

/** Which sandbox this machine can use: bubblewrap on Linux (when it works here), sandbox-exec on macOS. */
export function sandboxSupport(): SandboxSupport {
  if (cachedSupport) return cachedSupport;
  if (process.platform === "darwin") {
    cachedSupport =
      spawnSync("/usr/bin/sandbox-exec", ["-n", "no-network", "true"]).status === 0 ? "seatbelt" : "none";
  } else if (process.platform === "linux") {
    // With the PID namespace the commands get: a machine that allows bubblewrap but not that has no sandbox.
    const probe = spawnSync(
      "bwrap",
      ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid", "true"],
      {
        timeout: 5000,
      },
    );
    cachedSupport = probe.status === 0 ? "bubblewrap" : "none";
  } else {
    cachedSupport = "none";
  }
  return cachedSupport;
}

export class SandboxUnavailableError extends Error {
  override readonly name = "SandboxUnavailableError";
}

/**
 * The directories a workspace-write sandbox lets commands write: `cwd`, the configured `writable_roots`, `/tmp`
 * and `$TMPDIR` (unless excluded) — those that exist.
 */
export function writableRoots(
  policy: Extract<SandboxPolicy, { mode: "workspace-write" }>,
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const roots = [cwd, ...policy.writable_roots];
  if (!policy.exclude_slash_tmp) roots.push("/tmp");
  const tmp = env.TMPDIR ?? tmpdir();
  if (!policy.exclude_tmpdir_env_var && tmp) roots.push(tmp);
  // A configured root that does not exist cannot be written anyway; bubblewrap would refuse to start over it.
  return [...new Set(roots)].filter((root) => existsSync(root));
}

/**
 * The argv that runs `command` under the sandbox policy; throws when the policy needs a sandbox we lack.
 * `newSession: false` keeps bubblewrap from starting a new session, for commands on a terminal of their own (unified
 * exec's PTYs): a new session would cut them off from it, so Ctrl-C and job control would not reach them.
 */
export function sandboxedArgv(
  command: readonly string[],
  policy: SandboxPolicy | null,
  cwd: string,
  env: NodeJS.ProcessEnv,
  opts: { newSession?: boolean } = {},
): string[] {
  if (policy === null || policy.mode === "danger-full-access") return [...command];
  const support = sandboxSupport();
  const network = policy.mode === "workspace-write" && policy.network_access;
  const roots = policy.mode === "workspace-write" ? writableRoots(policy, cwd, env) : [];
  if (support === "bubblewrap") {
    const args = [
      "bwrap",
      "--ro-bind",
      "/",
      "/",
      "--dev",
      "/dev",
      "--proc",
      "/proc",
      "--die-with-parent",
      // A PID namespace of its own, as 0.166.0's sandbox has (the command is pid 2): when the command exits, or
      // bwrap is killed, the kernel kills whatever it left behind, which a new session would otherwise carry out of
      // reach of its process group (a background job outliving the command, and the server).
      "--unshare-pid",
      ...(opts.newSession === false ? [] : ["--new-session"]),
    ];
    for (const root of roots) args.push("--bind", root, root);
    if (!network) args.push("--unshare-net");
    args.push("--chdir", cwd, "--", ...command);
    return args;
  }
  if (support === "seatbelt") {
    const writes = roots.map((r) => `(subpath ${JSON.stringify(r)})`).join(" ");
    const profile = [
      "(version 1)",
      "(deny default)",
      "(allow process-exec) (allow process-fork) (allow signal (target self)) (allow sysctl-read)",
      "(allow file-read*)",
      writes
        ? `(allow file-write* ${writes} (literal "/dev/null"))`
        : '(allow file-write* (literal "/dev/null"))',
      network ? "(allow network*)" : "",
    ].join("\n");
    return ["/usr/bin/sandbox-exec", "-p", profile, "--", ...command];
  }
  throw new SandboxUnavailableError(
    `sandbox mode ${policy.mode} needs a sandbox, and none works on this machine (install bubblewrap on Linux); refusing to run unconfined`,
  );
}

const DENIAL =
  /Read-only file system|Permission denied|Operation not permitted|Network is unreachable|Could not resolve host/i;

/** Process groups of the commands running now, killed if this process exits while they do. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/**
 * Kills every command still running (each with its process group). Servers call it at shutdown so no command
 * outlives them; it also runs by itself when this process exits.
 */
export function killRunningCommands(): void {
  for (const pid of liveGroups) killGroup(pid);
  liveGroups.clear();
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function trackGroup(pid: number): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", killRunningCommands);
  }
  liveGroups.add(pid);
}

/**
 * Runs a command in its own process group with an optional sandbox, streaming output; a timeout or an abort kills
 * the whole group. Never rejects for the command's own failures, nor for one that cannot start (a missing program,
 * an argument list over the kernel's limit): those come back as the exit code and `spawnError`. Each stream is
 * captured within EXEC_OUTPUT_MAX_BYTES (head and tail kept, `truncated` set); the timeout is clamped to
 * [EXEC_TIMEOUT_MIN_MS, EXEC_TIMEOUT_MAX_MS] (none given: the maximum). Throws only SandboxUnavailableError.
 */
export function runCommand(o: RunCommandOptions): Promise<RunCommandResult> {
  const env = o.env ?? process.env;
  const argv = sandboxedArgv(o.command, o.sandbox, o.cwd, env);
  const started = Date.now();
  const maxBytes = o.maxOutputBytes ?? EXEC_OUTPUT_MAX_BYTES;
  return new Promise((resolve) => {
    const stdout = new HeadTailBuffer(maxBytes);
    const stderr = new HeadTailBuffer(maxBytes);
    const aggregated = new HeadTailBuffer(maxBytes);
    let timedOut = false;
    let settled = false;
    let spawnError: string | undefined;
    let spawnErrorDebug: string | undefined;
    let endSignal: NodeJS.Signals | null = null;
    let deltas = 0;
    let streamed = 0;
    let drainTimedOut = false;
    const finish = (code: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(drainTimer);
      // A group with members left (jobs the command put in the background) stays tracked, to be killed at exit.
      if (child?.pid && !groupAlive(child.pid)) liveGroups.delete(child.pid);
      o.signal?.removeEventListener("abort", onAbort);
      const err = stderr.text();
      resolve({
        exitCode: code,
        stdout: stdout.text(),
        stderr: err,
        aggregatedOutput: aggregated.text(),
        durationMs: Date.now() - started,
        timedOut,
        truncated: aggregated.truncated,
        stdoutBytes: stdout.totalBytes,
        stderrBytes: stderr.totalBytes,
        ...(spawnError !== undefined ? { spawnError } : {}),
        ...(spawnErrorDebug !== undefined ? { spawnErrorDebug } : {}),
        ...(endSignal ? { signal: endSignal } : {}),
        ...(drainTimedOut ? { outputDrainTimedOut: true } : {}),
        sandboxDenied:
          o.sandbox !== null && o.sandbox.mode !== "danger-full-access" && code !== 0 && DENIAL.test(err),
      });
    };
    const failToStart = (err: unknown) => {
      spawnError = osErrorText(err);
      spawnErrorDebug = osErrorDebug(err);
      const text = Buffer.from(`${err instanceof Error ? err.message : String(err)}\n`);
      stderr.push(text);
      aggregated.push(text);
      finish(127);
    };
    let timer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let child: ChildProcess | undefined;
    const onAbort = () => {
      if (child?.pid) killGroup(child.pid);
    };
    try {
      // spawn throws synchronously for some failures (E2BIG for an argument list over the kernel's limit).
      child = spawn(argv[0]!, argv.slice(1), {
        cwd: o.cwd,
        env,
        detached: true,
        stdio: [o.stdin ?? "ignore", "pipe", "pipe"],
      });
    } catch (err) {
      failToStart(err);
      return;
    }
    const proc = child;
    if (proc.pid) trackGroup(proc.pid);
    // A command that stops reading its input must not crash the server with EPIPE.
    proc.stdin?.on("error", () => {});
    o.onSpawn?.({
      write: (bytes) => {
        const stdin = proc.stdin;
        if (!stdin?.writable) return Promise.resolve(false);
        const queued = stdin.writableLength;
        return new Promise((resolve) => {
          // The callback also runs when the write fails (the command exited: EPIPE), so no writer waits forever.
          stdin.write(bytes, () => resolve(true));
          if (queued < STDIN_QUEUE_MAX_BYTES) resolve(true);
        });
      },
      closeStdin: () => proc.stdin?.end(),
      kill: onAbort,
    });
    timer = setTimeout(() => {
      timedOut = true;
      onAbort();
    }, clampTimeoutMs(o.timeoutMs));
    o.signal?.addEventListener("abort", onAbort, { once: true });
    if (o.signal?.aborted) onAbort();
    const collect = (stream: "stdout" | "stderr", into: HeadTailBuffer) => (chunk: Buffer) => {
      into.push(chunk);
      aggregated.push(chunk);
      if (!o.onOutput) return;
      // Streamed in pieces within the delta bounds above; the rest is only captured.
      for (let at = 0; at < chunk.length; at += EXEC_OUTPUT_DELTA_MAX_BYTES) {
        const room = (o.outputBounds?.maxTotalBytes ?? EXEC_OUTPUT_DELTA_MAX_TOTAL_BYTES) - streamed;
        if (deltas >= (o.outputBounds?.maxDeltas ?? EXEC_OUTPUT_MAX_DELTAS) || room <= 0) break;
        const piece = chunk.subarray(at, at + Math.min(EXEC_OUTPUT_DELTA_MAX_BYTES, room));
        deltas++;
        streamed += piece.length;
        o.onOutput(stream, piece);
      }
    };
    proc.stdout?.on("data", collect("stdout", stdout));
    proc.stderr?.on("data", collect("stderr", stderr));
    proc.on("error", failToStart);
    if (o.onStarted) proc.once("spawn", o.onStarted);
    const exitCode = (code: number | null, signal: NodeJS.Signals | null) => {
      endSignal = signal;
      return timedOut ? 124 : (code ?? (signal ? 128 + 9 : 1));
    };
    proc.on("exit", (code, signal) => {
      // A process that left the group (setsid) may hold the pipes open forever: stop waiting for them after a grace.
      drainTimer = setTimeout(() => {
        drainTimedOut = true;
        proc.stdout?.destroy();
        proc.stderr?.destroy();
        finish(exitCode(code, signal));
      }, EXEC_OUTPUT_DRAIN_MS);
    });
    proc.on("close", (code, signal) => finish(exitCode(code, signal)));
  });
}

/** A timeout a timer can hold: [EXEC_TIMEOUT_MIN_MS, EXEC_TIMEOUT_MAX_MS]; none (or not a number) is the maximum. */
export function clampTimeoutMs(ms: number | undefined): number {
  if (ms === undefined || Number.isNaN(ms)) return EXEC_TIMEOUT_MAX_MS;
  return Math.min(EXEC_TIMEOUT_MAX_MS, Math.max(EXEC_TIMEOUT_MIN_MS, Math.floor(ms)));
}
