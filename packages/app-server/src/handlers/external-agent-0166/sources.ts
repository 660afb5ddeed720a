import { lstat, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { FileReadError, isMissingPath, readBoundedFile } from "@codex-ts/config-loader";

/** A detected file larger than this is refused: settings, MCP lists and instructions are far smaller. */
export const SOURCE_FILE_MAX_BYTES = 4 * 1024 * 1024;
/** The other agent's `~/.claude.json` also keeps its per-project state and grows large: its own, higher bound. */
export const AGENT_STATE_FILE_MAX_BYTES = 64 * 1024 * 1024;

/** An import or detection that cannot go on; `invalidData` marks what 0.166.0 calls `InvalidData` (bad content). */
export class MigrationError extends Error {
  constructor(
    message: string,
    readonly invalidData = false,
  ) {
    super(message);
  }
}

const isFile = async (path: string) => (await lstatOrNull(path, true))?.isFile() ?? false;

/** `stat` (following links when `follow`), null when nothing is there. */
async function lstatOrNull(path: string, follow: boolean) {
  try {
    return await (follow ? stat(path) : lstat(path));
  } catch (err) {
    if (isMissingPath(err) || (err as NodeJS.ErrnoException).code === "ENOTDIR") return null;
    throw err;
  }
}

export const pathExists = async (path: string) => (await lstatOrNull(path, true)) !== null;
export const isDirectory = async (path: string) => (await lstatOrNull(path, true))?.isDirectory() ?? false;

/** A source file's text: a regular file, at most `SOURCE_FILE_MAX_BYTES`; undefined when it is not there. */
export async function readSourceText(
  path: string,
  maxBytes = SOURCE_FILE_MAX_BYTES,
): Promise<string | undefined> {
  if (!(await isFile(path))) return undefined;
  try {
    return (await readBoundedFile(path, { maxBytes })).toString("utf8");
  } catch (err) {
    if (isMissingPath(err)) return undefined;
    throw new MigrationError(
      `failed to read ${path}: ${err instanceof FileReadError ? err.message : (err as Error).message}`,
    );
  }
}

/** A JSON source file (undefined when missing); bad JSON is `InvalidData` with `prefix` before the parser's words. */
export async function readSourceJson(path: string, prefix = "", maxBytes?: number): Promise<unknown> {
  const raw = await readSourceText(path, maxBytes);
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw new MigrationError(`${prefix}${(err as Error).message}`, true);
  }
}

/** A regular file whose text is more than white space (0.166.0's `is_non_empty_text_file`). */
export async function isNonEmptyTextFile(path: string): Promise<boolean> {
  const text = await readSourceText(path);
  return text !== undefined && text.trim() !== "";
}

/** Nothing there, or a regular file holding only white space (`is_missing_or_empty_text_file`). */
export async function isMissingOrEmptyTextFile(path: string): Promise<boolean> {
  const st = await lstatOrNull(path, true);
  if (!st) return true;
  if (!st.isFile()) return false;
  return ((await readSourceText(path)) ?? "").trim() === "";
}

/**
 * The repository a working directory belongs to: the nearest ancestor holding `.git` (directory or file), else the
 * directory itself; a file's directory stands for the file; null for an empty or missing path.
 */
export async function findRepoRoot(cwd: string | null | undefined): Promise<string | null> {
  if (!cwd) return null;
  let current = resolve(cwd);
  const st = await lstatOrNull(current, true);
  if (!st) return null;
  if (st.isFile()) current = dirname(current);
  const fallback = current;
  for (;;) {
    if (await pathExists(join(current, ".git"))) return current;
    const parent = dirname(current);
    if (parent === current) return fallback;
    current = parent;
  }
}
