import { rmSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/**
 * The one place tests get temporary directories from. Every directory is recorded and removed by
 * `removeTempDirs()`, which the shared vitest setup (`@codex-ts/test-support/vitest-setup`) runs after each test
 * file; whatever a crashed worker leaves is removed at process exit, and the run's temp root
 * (`vitest-global-setup`) catches the rest.
 */
const created = new Set<string>();

export interface TempDirOptions {
  /** Where to create it (default: the OS temp dir). `/var/tmp` gives a directory outside the sandbox's `/tmp`. */
  base?: string;
}

/** A new empty directory (its real path, symlinks resolved), removed after the test file. */
export async function tempDir(prefix = "codex-test-", options: TempDirOptions = {}): Promise<string> {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(options.base ?? os.tmpdir(), prefix)));
  created.add(dir);
  return dir;
}

/** Removes every directory `tempDir` made so far. */
export async function removeTempDirs(): Promise<void> {
  const dirs = [...created];
  created.clear();
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true, maxRetries: 3 })));
}

process.once("exit", () => {
  for (const d of created) rmSync(d, { recursive: true, force: true });
});
