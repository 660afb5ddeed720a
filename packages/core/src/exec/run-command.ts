import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import type { SandboxPolicy } from "@codex-ts/config-loader";
import { osErrorDebug, osErrorText } from "../rollout/os-error.js";

export interface RunCommandOptions {
  command: readonly string[];
  cwd: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** null runs unconfined (danger-full-access, or approved to run without the sandbox). */
  sandbox: SandboxPolicy | null;
  signal?: AbortSignal;
  onOutput?: (stream: "stdout" | "stderr", chunk: Buffer) => void;
}

export interface RunCommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  aggregatedOutput: string;
  durationMs: number;
  timedOut: boolean;
  /** The command failed in a way that looks like the sandbox stopped it (a write or network use was denied). */
  sandboxDenied: boolean;
  /** Set when the process could not be started at all, in Rust's io::Error wording (e.g. `No such file or directory (os error 2)`). */
  spawnError?: string;
  /** The same failure as Rust's Debug of the io::Error (`Os { code: 2, kind: NotFound, message: "…" }`). */
  spawnErrorDebug?: string;
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
    const probe = spawnSync("bwrap", ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "true"], {
      timeout: 5000,
    });
    cachedSupport = probe.status === 0 ? "bubblewrap" : "none";
  } else {
    cachedSupport = "none";
  }
  return cachedSupport;
}

export class SandboxUnavailableError extends Error {
  override readonly name = "SandboxUnavailableError";
}

function writableRoots(
  policy: Extract<SandboxPolicy, { mode: "workspace-write" }>,
  cwd: string,
  env: NodeJS.ProcessEnv,
) {
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

/**
 * Runs a command in its own process group with an optional sandbox, streaming output; a timeout or an abort kills
 * the whole group. Never rejects for the command's own failures: they come back as the exit code.
 */
export function runCommand(o: RunCommandOptions): Promise<RunCommandResult> {
  const env = o.env ?? process.env;
  const argv = sandboxedArgv(o.command, o.sandbox, o.cwd, env);
  const started = Date.now();
  return new Promise((resolve) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const aggregated: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    let spawnError: string | undefined;
    let spawnErrorDebug: string | undefined;
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: o.cwd,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const onTimeout = () => {
      timedOut = true;
      killGroup();
    };
    const timer = o.timeoutMs ? setTimeout(onTimeout, o.timeoutMs) : undefined;
    const onAbort = () => killGroup();
    o.signal?.addEventListener("abort", onAbort, { once: true });
    const collect = (stream: "stdout" | "stderr", into: Buffer[]) => (chunk: Buffer) => {
      into.push(chunk);
      aggregated.push(chunk);
      o.onOutput?.(stream, chunk);
    };
    child.stdout.on("data", collect("stdout", stdout));
    child.stderr.on("data", collect("stderr", stderr));
    const finish = (code: number) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
      const err = Buffer.concat(stderr).toString("utf8");
      resolve({
        exitCode: code,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: err,
        aggregatedOutput: Buffer.concat(aggregated).toString("utf8"),
        durationMs: Date.now() - started,
        timedOut,
        ...(spawnError !== undefined ? { spawnError } : {}),
        ...(spawnErrorDebug !== undefined ? { spawnErrorDebug } : {}),
        sandboxDenied:
          o.sandbox !== null && o.sandbox.mode !== "danger-full-access" && code !== 0 && DENIAL.test(err),
      });
    };
    child.on("error", (err) => {
      spawnError = osErrorText(err);
      spawnErrorDebug = osErrorDebug(err);
      stderr.push(Buffer.from(`${err.message}\n`));
      finish(127);
    });
    child.on("close", (code, signal) => finish(timedOut ? 124 : (code ?? (signal ? 128 + 9 : 1))));
  });
}
