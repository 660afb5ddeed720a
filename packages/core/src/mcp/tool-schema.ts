/**
 * An MCP tool's `inputSchema` as codex 0.166.0 offers it to the model (its `parse_tool_input_schema`): reduced to
 * the subset of JSON Schema the Responses API takes — `type`, `description`, `enum`, `items`, `properties` (sorted
 * by name), `required`, `additionalProperties`, `anyOf`, in that order, everything else (`$schema`, `title`,
 * `default`, `format`, …) dropped. On the way local `$ref`s are resolved (a cycle becomes a permissive stand-in),
 * single-variant `anyOf`/`oneOf`/`allOf` wrappers are unwrapped, `const` becomes a one-value `enum`, a missing
 * `type` is inferred from the keywords present, and objects without `properties` (arrays without `items`) get
 * empty ones. 0.58.0 offered the schema as the server sent it; that path (`McpConnectionManager.toolSpecs`) is
 * unchanged.
 */

type Json = unknown;
type JsonObject = Record<string, Json>;

const PRIMITIVES = new Set(["string", "number", "boolean", "integer", "object", "array", "null"]);
const COMBINERS = ["anyOf", "oneOf", "allOf"] as const;
/** How deep a schema is followed; deeper parts become `{type: "string"}` (a bound for hostile servers). */
const MAX_DEPTH = 64;

const isObject = (v: Json): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

export function toolInputSchema0166(schema: Json): JsonObject {
  // An MCP tool's arguments are an object (the protocol says so): a schema that names no type is one.
  const given = isObject(schema) ? schema : {};
  const root = "type" in given || "anyOf" in given || "$ref" in given ? given : { ...given, type: "object" };
  const sanitized = sanitize(structuredClone(root), root, [], 0);
  return serialize(isObject(sanitized) ? sanitized : { type: "object", properties: {} });
}

/** The value a JSON pointer (`/definitions/x`, without the `#`) names inside `root`. */
function pointerTarget(root: JsonObject, pointer: string): Json {
  if (pointer === "") return root;
  let at: Json = root;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(at)) at = at[Number(key)];
    else if (isObject(at)) at = at[key];
    else return undefined;
  }
  return at;
}

function typesOf(map: JsonObject): string[] {
  const t = map.type;
  if (typeof t === "string") return PRIMITIVES.has(t) ? [t] : [];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === "string" && PRIMITIVES.has(x));
  return [];
}

/** A stand-in for a `$ref` that points back into itself: an empty schema of the target's kind. */
function cycleStandIn(target: Json): JsonObject {
  if (!isObject(target)) return { type: "string" };
  const types = typesOf(target);
  if (
    types.includes("object") ||
    "properties" in target ||
    "required" in target ||
    "additionalProperties" in target
  )
    return { type: "object", properties: {} };
  if (types.includes("array") || "items" in target || "prefixItems" in target)
    return { type: "array", items: { type: "string" } };
  for (const t of ["number", "integer", "boolean"]) if (types.includes(t)) return { type: t };
  return { type: "string" };
}

/** `overlay`'s keywords added to `base` where base lacks them (a `$ref`'s siblings, a wrapper's keywords). */
function mergeInto(base: JsonObject, overlay: JsonObject, skip: string): JsonObject {
  for (const [key, value] of Object.entries(overlay)) {
    if (key === skip || key === "$ref") continue;
    if (!(key in base)) base[key] = value;
    else if (key === "required" && Array.isArray(base[key]) && Array.isArray(value))
      base[key] = [...new Set([...(base[key] as Json[]), ...value])];
    else if (key === "properties" && isObject(base[key]) && isObject(value))
      base[key] = { ...value, ...(base[key] as JsonObject) };
  }
  return base;
}

function sanitize(value: Json, root: JsonObject, refs: string[], depth: number): Json {
  if (depth > MAX_DEPTH) return { type: "string" };
  if (typeof value === "boolean") return { type: "string" };
  if (Array.isArray(value)) return value.map((v) => sanitize(v, root, refs, depth + 1));
  if (!isObject(value)) return value;
  const map = value;
  const ref = typeof map.$ref === "string" && map.$ref.startsWith("#") ? map.$ref.slice(1) : null;
  if (ref !== null) {
    const target = pointerTarget(root, ref);
    if (refs.includes(ref))
      return sanitize(mergeInto(cycleStandIn(target), map, "$ref"), root, refs, depth + 1);
    if (isObject(target))
      return sanitize(mergeInto(structuredClone(target), map, "$ref"), root, [...refs, ref], depth + 1);
  }
  for (const combiner of COMBINERS) {
    const variants = map[combiner];
    if (Array.isArray(variants) && variants.length === 1 && isObject(variants[0])) {
      const variant = structuredClone(variants[0]);
      return sanitize(mergeInto(variant, map, combiner), root, refs, depth + 1);
    }
  }
  if (isObject(map.properties))
    for (const key of Object.keys(map.properties))
      map.properties[key] = sanitize(map.properties[key], root, refs, depth + 1);
  if ("items" in map) map.items = sanitize(map.items, root, refs, depth + 1);
  if (isObject(map.additionalProperties))
    map.additionalProperties = sanitize(map.additionalProperties, root, refs, depth + 1);
  if (Array.isArray(map.anyOf)) map.anyOf = sanitize(map.anyOf, root, refs, depth + 1);
  if ("const" in map) {
    map.enum = [map.const];
    delete map.const;
  }
  const types = typesOf(map);
  if (types.length === 0 && "anyOf" in map) return map;
  if (types.length === 0) types.push(inferredType(map));
  map.type = types.length === 1 ? types[0] : types;
  if (types.includes("object") && !isObject(map.properties)) map.properties = {};
  if (types.includes("array") && !("items" in map)) map.items = { type: "string" };
  return map;
}

function inferredType(map: JsonObject): string {
  if ("properties" in map || "required" in map || "additionalProperties" in map) return "object";
  if ("items" in map || "prefixItems" in map) return "array";
  if ("enum" in map || "format" in map) return "string";
  if (["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"].some((k) => k in map))
    return "number";
  return "string";
}

/** The sanitized schema in 0.166.0's field order, unknown keywords left out. */
function serialize(map: JsonObject): JsonObject {
  const out: JsonObject = {};
  if (map.type !== undefined) out.type = map.type;
  if (typeof map.description === "string") out.description = map.description;
  if (Array.isArray(map.enum)) out.enum = map.enum;
  if (isObject(map.items)) out.items = serialize(map.items);
  if (isObject(map.properties)) {
    const props = map.properties;
    out.properties = Object.fromEntries(
      Object.keys(props)
        .sort()
        .map((k) => [k, isObject(props[k]) ? serialize(props[k] as JsonObject) : {}]),
    );
  }
  if (Array.isArray(map.required)) out.required = map.required.filter((r) => typeof r === "string");
  if (typeof map.additionalProperties === "boolean") out.additionalProperties = map.additionalProperties;
  else if (isObject(map.additionalProperties)) out.additionalProperties = serialize(map.additionalProperties);
  if (Array.isArray(map.anyOf)) out.anyOf = map.anyOf.filter(isObject).map(serialize);
  return out;
}
