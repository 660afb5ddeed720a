import type { z } from "zod";
import { type ClientMethod, clientMethods, clientRequests, isClientMethod, type Params } from "./registry.js";

/** Outcome of checking one decoded request against the registry. */
export type ValidatedRequest =
  | { ok: true; method: ClientMethod; params: Params<ClientMethod> }
  | { ok: false; code: -32600; message: string; path?: string };

const INVALID_REQUEST = -32600 as const;

function fail(detail: string, path?: string): ValidatedRequest {
  const failure = { ok: false, code: INVALID_REQUEST, message: `Invalid request: ${detail}` } as const;
  return path === undefined ? failure : { ...failure, path };
}

/** `params.items[0].type`: the JSON path of a bad field, rooted at the request object. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = "params";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : `.${String(seg)}`;
  return out;
}

/** serde's way of naming an unexpected value: `integer \`5\``, `string "ten"`, `null`. */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "string") return `string ${JSON.stringify(v)}`;
  if (typeof v === "number") return Number.isInteger(v) ? `integer \`${v}\`` : `floating point \`${v}\``;
  if (typeof v === "boolean") return `boolean \`${v}\``;
  if (Array.isArray(v)) return "sequence";
  return "map";
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

/** Words 0.58.0 (serde) uses for the expected type, kept so existing clients' error matching still works. */
const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "a boolean",
  object: "a map",
  record: "a map",
  array: "a sequence",
  null: "null",
};

type Issue = z.core.$ZodIssue;

/**
 * Turns the first zod issue into serde's wording (what 0.58.0 says for the same mistake, as far as serde's words
 * can be told from the schema) and the JSON path of the field it is about, when there is one.
 */
export function describeIssue(issue: Issue, params: unknown): { detail: string; path?: string } {
  const { detail, path } = explain(issue, params, []);
  return path.length > 0 ? { detail, path: jsonPath(path) } : { detail };
}

/** A serde-style detail for one issue, and the full path of the field it is about. */
function explain(
  issue: Issue,
  params: unknown,
  base: readonly PropertyKey[],
): { detail: string; path: PropertyKey[] } {
  const path = [...base, ...issue.path];
  const actual = valueAt(params, path);
  switch (issue.code) {
    case "invalid_type": {
      if (actual === undefined) {
        const field = path[path.length - 1];
        return { detail: `missing field \`${String(field ?? "params")}\``, path };
      }
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return { detail: `invalid type: ${describeValue(actual)}, expected ${expected}`, path };
    }
    case "invalid_value":
      return { detail: unknownVariant(actual, issue.values), path };
    case "too_small":
    case "too_big":
      return { detail: `invalid value: ${describeValue(actual)}, ${issue.message.toLowerCase()}`, path };
    case "unrecognized_keys":
      return { detail: `unknown field \`${issue.keys[0]}\``, path };
    case "invalid_union":
      return explainUnion(issue.errors as Issue[][], params, path, actual);
    default:
      return { detail: issue.message, path };
  }
}

function unknownVariant(actual: unknown, values: readonly unknown[]): string {
  const expected = values.map((v) => `\`${String(v)}\``).join(", ");
  if (typeof actual !== "string")
    return `invalid type: ${describeValue(actual)}, expected one of ${expected}`;
  return `unknown variant \`${actual}\`, expected one of ${expected}`;
}

/**
 * The protocol's enums are unions: of single-value enums (`AskForApproval`), or of objects told apart by one tag
 * field (`SandboxPolicy.mode`, `UserInput.type`). serde reports those as an unknown variant, a missing tag, or the
 * first problem inside the variant the tag names, and so does this.
 */
function explainUnion(
  branches: Issue[][],
  params: unknown,
  path: PropertyKey[],
  actual: unknown,
): { detail: string; path: PropertyKey[] } {
  if (actual === undefined)
    return { detail: `missing field \`${String(path[path.length - 1] ?? "params")}\``, path };
  const shapes = branches.map((b) =>
    b[0]?.code === "invalid_type" && b[0].path.length === 0 ? b[0] : undefined,
  );
  if (shapes.every((i) => i && i.expected === shapes[0]?.expected)) {
    const expected = EXPECTED[shapes[0]?.expected ?? ""] ?? String(shapes[0]?.expected);
    return { detail: `invalid type: ${describeValue(actual)}, expected ${expected}`, path };
  }
  const tagIssue = (branch: Issue[]) =>
    branch.find((i) => i.code === "invalid_value" && i.path.length <= 1 && i.values.length === 1) as
      | (Issue & { code: "invalid_value" })
      | undefined;
  const tags = branches.map(tagIssue);
  if (tags.every((t) => t && t.path.length === 0)) {
    return {
      detail: unknownVariant(
        actual,
        tags.flatMap((t) => t?.values ?? []),
      ),
      path,
    };
  }
  const tagKey = tags.find((t) => t && t.path.length === 1)?.path[0];
  if (tagKey !== undefined && tags.every((t) => !t || t.path[0] === tagKey)) {
    const matching = branches.findIndex((_, i) => tags[i] === undefined);
    const first = branches[matching]?.[0];
    if (first) return explain(first, params, path);
    const tagValue = valueAt(params, [...path, tagKey]);
    if (tagValue === undefined)
      return { detail: `missing field \`${String(tagKey)}\``, path: [...path, tagKey] };
    return {
      detail: unknownVariant(
        tagValue,
        tags.flatMap((t) => t?.values ?? []),
      ),
      path: [...path, tagKey],
    };
  }
  return { detail: "data did not match any variant of untagged enum", path };
}

/**
 * Checks a request's method and params against the registry, with 0.58.0's error code and wording:
 * unknown method lists every method in registry order; a method that takes params needs them.
 */
export function validateRequest(req: { method: string; params?: unknown }): ValidatedRequest {
  if (!isClientMethod(req.method)) {
    const expected = clientMethods.map((m) => `\`${m}\``).join(", ");
    return fail(`unknown variant \`${req.method}\`, expected one of ${expected}`);
  }
  const schema = clientRequests[req.method].params;
  if (req.params === undefined && !schema.safeParse(undefined).success) return fail("missing field `params`");
  const parsed = schema.safeParse(req.params);
  if (!parsed.success) {
    const { detail, path } = describeIssue(parsed.error.issues[0] as Issue, req.params);
    return fail(detail, path);
  }
  return { ok: true, method: req.method, params: parsed.data as Params<ClientMethod> };
}
