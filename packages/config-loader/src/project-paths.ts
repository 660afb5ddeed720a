import { isAbsolute, resolve } from "node:path";
import type { TomlTable, TomlValue } from "@codex-ts/json-to-toml";
import { isTomlTable } from "@codex-ts/json-to-toml";

/**
 * The path-valued keys a layer's file may give relative to its own folder (0.166.0 reads them as absolute paths
 * resolved against the folder of the file that set them: a project's `.codex`, `/etc/codex`). Only the keys this
 * implementation reads are listed.
 */
const PATH_KEYS = [
  "model_instructions_file",
  "experimental_instructions_file",
  "experimental_compact_prompt_file",
];

const absolute = (value: TomlValue, base: string): TomlValue =>
  typeof value === "string" && value !== "" && !isAbsolute(value) && !value.startsWith("~")
    ? resolve(base, value)
    : value;

/** A copy of `table` with its relative path values resolved against `base`; other values are kept as they are. */
export function resolveLayerPaths(table: TomlTable, base: string): TomlTable {
  const out: TomlTable = Object.assign(Object.create(null) as TomlTable, table);
  for (const key of PATH_KEYS) {
    const value = out[key];
    if (value !== undefined) out[key] = absolute(value, base);
  }
  const ww = out.sandbox_workspace_write;
  if (isTomlTable(ww) && Array.isArray(ww.writable_roots)) {
    out.sandbox_workspace_write = Object.assign(Object.create(null) as TomlTable, ww, {
      writable_roots: ww.writable_roots.map((root) => absolute(root, base)),
    });
  }
  return out;
}
