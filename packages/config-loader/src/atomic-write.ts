import { randomBytes } from "node:crypto";
import { open, rename, rm, stat } from "node:fs/promises";

/** Options of `writeFileAtomically`. */
export interface AtomicWriteOptions {
  /**
   * The exact mode of a file that does not exist yet (config.toml: 0600, as Codex writes it). Without it a new file
   * gets 0666 less the process umask, as any program's plain write would.
   */
  newFileMode?: number;
}

/**
 * Writes `data` to `path` so that readers see the old file or the new one, never a part: a temp file in the same
 * directory, written, fsynced, then renamed over `path`. An existing file's permission bits are kept. The rename
 * replaces `path` itself: callers that must write through a symlink resolve it first.
 */
export async function writeFileAtomically(
  path: string,
  data: string | Uint8Array,
  o: AtomicWriteOptions = {},
): Promise<void> {
  let keptMode: number | undefined;
  try {
    keptMode = (await stat(path)).mode & 0o777;
  } catch {
    // A new file.
  }
  const mode = keptMode ?? o.newFileMode;
  const temp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const handle = await open(temp, "wx", mode ?? 0o666);
  try {
    await handle.writeFile(data);
    if (mode !== undefined) await handle.chmod(mode);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
