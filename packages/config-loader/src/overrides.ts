import type { TomlTable, TomlValue } from "@codex-ts/json-to-toml";
import { jsonToToml } from "@codex-ts/json-to-toml";
import { parse } from "smol-toml";
import { ConfigError } from "./errors.js";
import { emptyTable, setAtPath } from "./toml-table.js";

/** One `-c key=value` override: a dotted path and its TOML value. */
export type ConfigOverride = [path: string, value: TomlValue];

/**
 * Parses `key=value` as Codex's `-c` does: split on the first `=`, trim both sides; the value is read as a TOML
 * value, and when it is not valid TOML it becomes a string with surrounding quote characters trimmed
 * (so `-c model=o3` works).
 */
export function parseOverride(raw: string): ConfigOverride {
  const eq = raw.indexOf("=");
  if (eq < 0) throw new ConfigError(`Invalid override (missing '='): ${raw}`);
  const key = raw.slice(0, eq).trim();
  const valueText = raw.slice(eq + 1).trim();
  if (key === "") throw new ConfigError(`Empty key in override: ${raw}`);
  return [key, parseOverrideValue(valueText)];
}

function parseOverrideValue(text: string): TomlValue {
  try {
    const doc = parse(`_x_ = ${text}`) as TomlTable;
    const value = doc._x_;
    if (value !== undefined) return value;
  } catch {
    // Not TOML: fall through to the literal-string rule.
  }
  return text.replace(/^["']+|["']+$/g, "");
}

/** `--enable NAME` / `--disable NAME` are `-c features.NAME=true|false`. */
export function featureOverride(name: string, enabled: boolean): ConfigOverride {
  return [`features.${name}`, enabled];
}

/** Turns a JSON map of dotted keys (a request's `config`) into overrides, values converted by json-to-toml. */
export function jsonOverrides(map: Record<string, unknown>): ConfigOverride[] {
  return Object.entries(map)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => [key, jsonToToml(value)]);
}

/** Applies overrides in order onto a table, each by its dotted path. */
export function applyOverrides(base: TomlTable, overrides: readonly ConfigOverride[]): TomlTable {
  let table = base;
  for (const [key, value] of overrides) table = setAtPath(table, key.split("."), value);
  return table;
}

/** The overrides as a table of their own (for layer attribution in error messages). */
export function overridesTable(overrides: readonly ConfigOverride[]): TomlTable {
  return applyOverrides(emptyTable(), overrides);
}
