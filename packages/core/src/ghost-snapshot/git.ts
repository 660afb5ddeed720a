import { spawn } from "node:child_process";
import { osErrorText } from "../rollout/os-error.js";

/**
 * Runs git for ghost snapshots. Every run:
 * - disables fsmonitor and hooks (`-c core.fsmonitor=false -c core.hooksPath=/dev/null`) and automatic gc, so a
 *   snapshot never starts the user's daemons or scripts;
 * - sets `GIT_OPTIONAL_LOCKS=0`, so `git status` does not refresh (rewrite) the user's index;
 * - caps what it reads: stdout at `maxOutputBytes` (an error past that), stderr at 64 KiB;
 * - can be cancelled through `signal` (the process is killed).
 * Failures carry 0.58.0's texts (`git command `git add --all` failed with status exit status: 128: fatal: …`), which
 * reach the user inside `Snapshots disabled after ghost snapshot error: …`.
 */

const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024;
const MAX_STDERR = 64 * 1024;
const SAFETY = ["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "gc.auto=0"];

export type GitToolingErrorKind =
  | "git-command"
  | "output-utf8"
  | "output-too-large"
  | "not-a-git-repository"
  | "non-relative-path"
  | "path-escapes-repository"
  | "io";

/** 0.58.0's `GitToolingError`; `message` is its Display text. */
export class GitToolingError extends Error {
  override readonly name = "GitToolingError";
  constructor(
    readonly kind: GitToolingErrorKind,
    message: string,
    readonly exitCode: number | null = null,
  ) {
    super(message);
  }
}

export interface GitRunOptions {
  env?: Record<string, string>;
  /** Written to git's stdin (then closed). */
  input?: Buffer;
  maxOutputBytes?: number;
  signal?: AbortSignal;
}

/** Rust's `{:?}` of a path (a quoted string), as 0.58.0's error texts print paths. */
export function debugPath(p: string): string {
  return JSON.stringify(p);
}

/** Runs `git <args>` in `dir`; resolves with stdout, rejects with a `GitToolingError`. */
export function runGit(dir: string, args: readonly string[], o: GitRunOptions = {}): Promise<Buffer> {
  const command = `git ${args.join(" ")}`;
  const max = o.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // The snapshot chooses its own index; an inherited one would redirect it.
    if (v !== undefined && k !== "GIT_INDEX_FILE") env[k] = v;
  }
  Object.assign(env, { GIT_OPTIONAL_LOCKS: "0", GIT_TERMINAL_PROMPT: "0" }, o.env);
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) return reject(new GitToolingError("io", "cancelled"));
    const child = spawn("git", [...SAFETY, ...args], { cwd: dir, env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = "";
    let failure: GitToolingError | null = null;
    const onAbort = () => {
      failure ??= new GitToolingError("io", "cancelled");
      child.kill("SIGKILL");
    };
    o.signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout.on("data", (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > max) {
        failure ??= new GitToolingError(
          "output-too-large",
          `git command \`${command}\` produced more than ${max} bytes of output`,
        );
        child.kill("SIGKILL");
        return;
      }
      out.push(chunk);
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      if (err.length < MAX_STDERR) err += chunk.slice(0, MAX_STDERR - err.length);
    });
    child.stdin.on("error", () => {
      // git closed its input early; its exit status tells what happened
    });
    child.stdin.end(o.input ?? Buffer.alloc(0));
    child.on("error", (e) => {
      failure ??= new GitToolingError("io", osErrorText(e));
    });
    child.on("close", (code, signal) => {
      o.signal?.removeEventListener("abort", onAbort);
      if (failure) return reject(failure);
      if (code !== 0) {
        const status = signal ? `signal: ${signalNumber(signal)} (${signal})` : `exit status: ${code}`;
        return reject(
          new GitToolingError(
            "git-command",
            `git command \`${command}\` failed with status ${status}: ${err.trim()}`,
            code,
          ),
        );
      }
      resolve(Buffer.concat(out));
    });
  });
}

/** stdout as UTF-8, trimmed (0.58.0's `run_git_for_stdout`). */
export async function gitText(dir: string, args: readonly string[], o: GitRunOptions = {}): Promise<string> {
  return utf8(await runGit(dir, args, o), args).trim();
}

/** stdout as UTF-8, untouched (for NUL-separated output). */
export async function gitTextAll(
  dir: string,
  args: readonly string[],
  o: GitRunOptions = {},
): Promise<string> {
  return utf8(await runGit(dir, args, o), args);
}

function utf8(buf: Buffer, args: readonly string[]): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(buf);
  } catch {
    throw new GitToolingError(
      "output-utf8",
      `git command \`git ${args.join(" ")}\` produced non-UTF-8 output`,
    );
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = {
    SIGKILL: 9,
    SIGTERM: 15,
    SIGINT: 2,
    SIGSEGV: 11,
    SIGABRT: 6,
  };
  return numbers[signal] ?? 0;
}
