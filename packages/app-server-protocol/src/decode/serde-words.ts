/** serde's way of naming an unexpected value: `integer \`5\``, `string "ten"`, `null`, `sequence`, `map`. */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "string") return `string ${JSON.stringify(v)}`;
  if (typeof v === "number") return Number.isInteger(v) ? `integer \`${v}\`` : `floating point \`${v}\``;
  if (typeof v === "boolean") return `boolean \`${v}\``;
  if (Array.isArray(v)) return "sequence";
  return "map";
}

/** serde's list of what it expected instead of an unknown name: `` `a` ``, `` `a` or `b` ``, `` one of `a`, `b`, `c` ``. */
export function expectedOneOf(names: readonly string[]): string {
  const quoted = names.map((n) => `\`${n}\``);
  if (quoted.length === 0) return "no variants";
  if (quoted.length === 1) return quoted[0] as string;
  if (quoted.length === 2) return `${quoted[0]} or ${quoted[1]}`;
  return `one of ${quoted.join(", ")}`;
}

/** ``unknown variant `x`, expected one of `a`, `b` ``: serde's words for a name that is not in the list. */
export function unknownVariant(name: string, names: readonly string[]): string {
  return `unknown variant \`${name}\`, expected ${expectedOneOf(names)}`;
}
