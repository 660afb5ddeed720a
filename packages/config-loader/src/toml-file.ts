import { readFile } from "node:fs/promises";
import type { TomlTable } from "@codex-ts/json-to-toml";
import { parse, TomlError } from "smol-toml";
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

/** Reads a TOML file; a missing file is `undefined`, any other read error or bad syntax is a ConfigError. */
export async function readTomlFile(path: string): Promise<TomlTable | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new ConfigError(`failed to read ${path}: ${(err as Error).message}`, path);
  }
  return parseToml(text, path);
}
