import type { z } from "zod";
import { type ClientMethod, clientMethods, clientRequests, isClientMethod, type Params } from "./registry.js";

/** Outcome of checking one decoded request against the registry. */
export type ValidatedRequest =
  | { ok: true; method: ClientMethod; params: Params<ClientMethod> }
  | { ok: false; code: -32600; message: string };

const INVALID_REQUEST = -32600 as const;

function fail(detail: string): ValidatedRequest {
  return { ok: false, code: INVALID_REQUEST, message: `Invalid request: ${detail}` };
}

/** `params.items[0].type`: the JSON path of a bad field, rooted at the request object. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = "params";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : `.${String(seg)}`;
  return out;
}

/** serde's way of naming an unexpected value: `integer \`5\``, `string "ten"`, `null`. */
function describeValue(v: unknown): string {
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
  array: "a sequence",
  null: "null",
};

/** Turns the first zod issue into a serde-style message that also names the JSON path of the field. */
export function describeIssue(issue: z.core.$ZodIssue, params: unknown): string {
  const at = ` at ${jsonPath(issue.path)}`;
  const actual = valueAt(params, issue.path);
  switch (issue.code) {
    case "invalid_type": {
      if (actual === undefined) {
        const field = issue.path[issue.path.length - 1];
        return `missing field \`${String(field ?? "params")}\`${at}`;
      }
      return `invalid type: ${describeValue(actual)}, expected ${EXPECTED[issue.expected] ?? issue.expected}${at}`;
    }
    case "invalid_value":
      return `unknown variant ${JSON.stringify(actual)}, expected one of ${issue.values.map((v) => `\`${String(v)}\``).join(", ")}${at}`;
    case "unrecognized_keys":
      return `unknown field \`${issue.keys[0]}\`${at}`;
    case "invalid_union":
      return `data did not match any variant${at}`;
    default:
      return `${issue.message}${at}`;
  }
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
  if (!parsed.success) return fail(describeIssue(parsed.error.issues[0] as z.core.$ZodIssue, req.params));
  return { ok: true, method: req.method, params: parsed.data as Params<ClientMethod> };
}
