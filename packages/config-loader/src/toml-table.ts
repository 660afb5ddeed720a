import type { TomlTable, TomlValue } from "@codex-ts/json-to-toml";
import { isTomlTable } from "@codex-ts/json-to-toml";

/** A fresh table without a prototype, so keys like `__proto__` or `constructor` are ordinary keys. */
export function emptyTable(): TomlTable {
  return Object.create(null) as TomlTable;
}

/**
 * Codex's merge rule: when both sides are tables, merge key by key recursively; otherwise the overlay replaces
 * the base entirely (arrays are replaced, not concatenated). Neither input is modified.
 */
export function mergeTables(base: TomlTable, overlay: TomlTable): TomlTable {
  const out = emptyTable();
  for (const [key, value] of Object.entries(base)) out[key] = value;
  for (const [key, value] of Object.entries(overlay)) {
    const existing = out[key];
    out[key] = isTomlTable(existing) && isTomlTable(value) ? mergeTables(existing, value) : value;
  }
  return out;
}

/**
 * Sets `value` at a dotted path, creating tables on the way; a non-table in the way is replaced by a table
 * (as Codex's `-c` handling does). Returns a new table; the input is not modified.
 */
export function setAtPath(table: TomlTable, path: readonly string[], value: TomlValue): TomlTable {
  const [head, ...rest] = path;
  if (head === undefined) throw new Error("empty path");
  const out = mergeTables(emptyTable(), table);
  if (rest.length === 0) {
    out[head] = value;
  } else {
    const child = out[head];
    out[head] = setAtPath(isTomlTable(child) ? child : emptyTable(), rest, value);
  }
  return out;
}

/** Reads the value at a path, or undefined. */
export function getAtPath(table: TomlTable, path: readonly (string | number)[]): unknown {
  let node: unknown = table;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}
