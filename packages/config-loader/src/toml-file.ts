import type { TomlTable } from "@codex-ts/json-to-toml";
import { parse, TomlError } from "smol-toml";
import { CONFIG_FILE_MAX_BYTES, readConfigText } from "./config-text.js";
import { ConfigError } from "./errors.js";

/** Parses TOML text; a syntax error names the source with its line and column. */
export function parseToml(text: string, source: string): TomlTable {
  try {
    return parse(text) as TomlTable;
  } catch (err) {
    if (err instanceof TomlError) {
      const reason = err.message.split("\n")[0];
      throw new ConfigError(`${source}:${err.line}:${err.column}: TOML syntax error: ${reason}`, source);
    }
    throw new ConfigError(`${source}: ${(err as Error).message}`, source);
  }
}

/**
 * Reads a TOML file; a missing file is `undefined`. A file that is not a regular file, is over
 * `CONFIG_FILE_MAX_BYTES`, is not UTF-8 (file, line and column named) or has bad syntax is a ConfigError.
 */
export async function readTomlFile(path: string): Promise<TomlTable | undefined> {
  const text = await readConfigText(path, { maxBytes: CONFIG_FILE_MAX_BYTES, strictUtf8: true });
  return text === undefined ? undefined : parseToml(text, path);
}
