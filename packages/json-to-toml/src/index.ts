/**
 * JSON → TOML value model, with the rules of Codex's `utils/json-to-toml`:
 * null becomes the empty string (TOML has no null), integral numbers stay integers, other numbers are floats,
 * arrays may mix types, objects become tables with their keys verbatim.
 */

/** A TOML value as smol-toml reads and writes it. Integers are JS numbers (or bigint past 2^53). */
export type TomlValue = string | number | bigint | boolean | Date | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

/** Any value `JSON.parse` can produce. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Converts a JSON value to its TOML counterpart. Throws `TypeError` for values JSON cannot hold. */
export function jsonToToml(value: unknown): TomlValue {
  if (value === null) return "";
  switch (typeof value) {
    case "boolean":
    case "string":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`JSON numbers are finite; got ${value}`);
      return value;
    case "bigint":
      return value;
    case "object":
      if (Array.isArray(value)) return value.map((item) => jsonToToml(item));
      return jsonObjectToTomlTable(value as Record<string, unknown>);
    default:
      throw new TypeError(`not a JSON value: ${typeof value}`);
  }
}

/** Converts a JSON object to a TOML table; keys are kept verbatim, unicode included. */
export function jsonObjectToTomlTable(object: Record<string, unknown>): TomlTable {
  // A null-prototype object so keys such as "__proto__" are ordinary keys, as they are in TOML.
  const table: TomlTable = Object.create(null);
  for (const [key, item] of Object.entries(object)) {
    if (item === undefined) continue;
    table[key] = jsonToToml(item);
  }
  return table;
}

/** True when a TOML number should be written as an integer (Codex: the JSON number fits an i64). */
export function isTomlInteger(value: number | bigint): boolean {
  return typeof value === "bigint" || Number.isSafeInteger(value);
}

/** True for a TOML table (a plain object that is not an array or a date). */
export function isTomlTable(value: unknown): value is TomlTable {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
