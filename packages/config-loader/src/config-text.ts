import { isUtf8 } from "node:buffer";
import { FileReadError, findInvalidUtf8, isMissingPath, readBoundedFile } from "./bounded-fs/index.js";
import { ConfigError } from "./errors.js";

/** config.toml and managed_config.toml: far above any real file, far below what could hurt the server. */
export const CONFIG_FILE_MAX_BYTES = 4 * 1024 * 1024;
/**
 * Instruction files named by config (`experimental_instructions_file`, `experimental_compact_prompt_file`) and
 * CODEX_HOME/AGENTS.md: their text goes to the model with every request, so anything near this is already far
 * beyond a context window.
 */
export const INSTRUCTIONS_FILE_MAX_BYTES = 1024 * 1024;

/**
 * Reads a text file named by config: a regular file (never a FIFO, device or directory, see `openRegularFile`)
 * of at most `maxBytes`; `undefined` when it does not exist. With `strictUtf8`, bytes that are not UTF-8 are a
 * ConfigError naming the file, line and column (Codex refuses such config files); without it they read as U+FFFD.
 * Every other failure is a ConfigError `failed to read <label>: <why>`.
 */
export async function readConfigText(
  path: string,
  o: { maxBytes: number; label?: string; strictUtf8?: boolean },
): Promise<string | undefined> {
  const label = o.label ?? path;
  if (path.includes("\0"))
    throw new ConfigError(`failed to read ${label}: the path contains a NUL byte`, path);
  let data: Buffer;
  try {
    data = await readBoundedFile(path, { maxBytes: o.maxBytes });
  } catch (err) {
    if (isMissingPath(err)) return undefined;
    const reason = err instanceof FileReadError ? err.message : (err as Error).message;
    throw new ConfigError(`failed to read ${label}: ${reason}`, path);
  }
  if (o.strictUtf8 && !isUtf8(data)) {
    const bad = findInvalidUtf8(data);
    if (bad) {
      const hex = bad.byte.toString(16).padStart(2, "0");
      throw new ConfigError(
        `${path}:${bad.line}:${bad.column}: invalid UTF-8 (byte 0x${hex} at offset ${bad.offset}); the file must be UTF-8`,
        path,
      );
    }
  }
  return data.toString("utf8");
}
