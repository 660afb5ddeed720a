/**
 * Plausible params for a method, built from its JSON Schema: what the param fuzzers (`fuzz-params.e2e` and
 * `fuzz-params-0166.e2e`) start from before breaking one field at a time.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The part of JSON Schema the samples read. */
export type JsonSchema = {
  $ref?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: Json[];
  const?: Json;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  $defs?: Record<string, JsonSchema>;
};

/** `schema` with its `$ref`s followed into `defs`. */
export function resolveSchema(
  schema: JsonSchema | undefined,
  defs: Record<string, JsonSchema>,
): JsonSchema | undefined {
  let s = schema;
  while (s?.$ref) s = defs[s.$ref.split("/").pop() ?? ""];
  return s;
}

/**
 * A plausible value for `schema`: the first variant, enum value or type, objects with their required fields only;
 * strings named like paths point into `workDir` (the fuzzers must never name a real system path: fs/remove and
 * fs/writeFile do what they are asked, and the tests may run as root).
 */
export function sampleValue(
  schema: JsonSchema,
  defs: Record<string, JsonSchema>,
  key: string,
  workDir: string,
  depth = 0,
): Json {
  const s = resolveSchema(schema, defs);
  if (!s || depth > 8) return null;
  const first = s.allOf?.[0] ?? s.oneOf?.[0] ?? s.anyOf?.find((a) => a.type !== "null") ?? s.anyOf?.[0];
  if (first) return sampleValue(first, defs, key, workDir, depth + 1);
  if (s.enum) return s.enum[0] ?? null;
  if (s.const !== undefined) return s.const;
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  if (type === "object" || s.properties) {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(s.properties ?? {}))
      if (s.required?.includes(k)) out[k] = sampleValue(v, defs, k, workDir, depth + 1);
    return out;
  }
  if (type === "array") return s.items ? [sampleValue(s.items, defs, key, workDir, depth + 1)] : [];
  if (type === "string") return /path|cwd|dir|file|root|source|destination/i.test(key) ? workDir : "x";
  if (type === "integer" || type === "number") return 1;
  if (type === "boolean") return true;
  return null;
}
