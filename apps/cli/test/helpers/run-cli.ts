import { type ChildProcess, spawn } from "node:child_process";
import { CLI_MAIN, tempDir } from "@codex-ts/test-support";

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin, which is then closed (closed empty when absent). */
  input?: string;
  /** A program other than our CLI (the reference codex). */
  bin?: string;
  /** Called once the child runs (to signal it mid-run). */
  started?: (child: ChildProcess) => void;
  timeoutMs?: number;
}

/**
 * Runs the built CLI (or `bin`) as a real child process, asynchronously: the mock servers live in the test's own
 * process and must keep answering while the child runs, which `spawnSync` would prevent.
 */
export async function runCli(args: string[], o: CliOptions = {}): Promise<CliRun> {
  const [cmd, argv] = o.bin ? [o.bin, args] : [process.execPath, [CLI_MAIN, ...args]];
  // The reference codex leaves scratch dirs in $TMPDIR: give it one of ours, removed after the test file.
  const scratch = o.bin ? { TMPDIR: await tempDir("codex-ref-scratch-") } : {};
  const child = spawn(cmd, argv, {
    cwd: o.cwd,
    env: { ...process.env, ...scratch, ...o.env },
    stdio: "pipe",
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  child.stdin.end(o.input ?? "");
  o.started?.(child);
  const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs ?? 60_000);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
