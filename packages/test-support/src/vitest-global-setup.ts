import { existsSync, mkdtempSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * Vitest `globalSetup`: the test run gets a temp root of its own (`TMPDIR`, inherited by the workers and by every
 * server and command the tests start), and the root goes when the run ends, so a run leaves the OS temp dir as it
 * found it. What tests left in the root is listed on stderr first: a leak is reported, never kept.
 */
export default function setup(): () => void {
  const daemonDir = referenceDaemonDir();
  const daemonDirExisted = daemonDir === undefined || existsSync(daemonDir);
  const parent = os.tmpdir();
  const root = mkdtempSync(path.join(parent, "codex-ts-tests-"));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    const left = readdirSync(root);
    if (left.length > 0) {
      const pkg = path.basename(process.cwd());
      console.error(`test temp dir: ${pkg} left ${left.length} entries behind (removed): ${left.join(" ")}`);
    }
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    if (!daemonDirExisted && daemonDir !== undefined) removeIfEmpty(daemonDir);
  };
}

/**
 * Native codex 0.166.0 (the reference the comparison suites run) makes `/tmp/codex-daemon-<uid>` for its daemon
 * socket whatever `TMPDIR` says. When the run created it, it goes at the end; only while empty, so a real Codex
 * daemon's directory, or one in use, is never touched.
 */
function referenceDaemonDir(): string | undefined {
  const uid = process.getuid?.();
  return uid === undefined ? undefined : path.join("/tmp", `codex-daemon-${uid}`);
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty, already gone, or not ours to remove: leave it.
  }
}
