import type { z } from "zod";
import type { DecodedParams, ProtocolDefinition, RequestMethod } from "../registry/definition.js";
import { isRequestMethod, unknownMethodMessage } from "../registry/derive.js";
import { NoParams } from "../registry/no-params.js";
import { INVALID_REQUEST, type RpcErrorBody } from "../rpc/errors.js";
import { explainIssues, type Issue } from "./describe.js";
import { plainDecode } from "./plain-params.js";
import { namedFromPositional } from "./positional.js";

/** The outcome of the one decode of a request: typed params, or the error to answer with. */
export type DecodedRequest<P extends ProtocolDefinition> =
  | { ok: true; method: RequestMethod<P>; params: DecodedParams<P, RequestMethod<P>> }
  | { ok: false; error: RpcErrorBody };

/** `params.items[0].type`: the JSON path of a bad field, rooted at the request object. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = "params";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : `.${String(seg)}`;
  return out;
}

function failure(detail: string, path?: readonly PropertyKey[]) {
  const message = `Invalid request: ${detail}`;
  return {
    ok: false,
    error:
      path && path.length > 0
        ? { code: INVALID_REQUEST, message, data: { path: jsonPath(path) } }
        : { code: INVALID_REQUEST, message },
  } as const;
}

/**
 * The one decode of a request against generation `P`: the method must be one of `P`'s (else serde's unknown-variant
 * error listing them all), and the params must parse with the method's schema; the parse's output is what the
 * handler gets. Errors are `-32600 "Invalid request: <serde's words>"` with `data.path` naming the bad field, as
 * the reference words them (see `describe.ts`); absent or `null` params on a method that takes some are
 * ``missing field `params` ``; a struct may also come as a positional sequence, as serde reads it.
 */
export function decodeRequest<P extends ProtocolDefinition>(
  protocol: P,
  request: { method: string; params?: unknown },
): DecodedRequest<P> {
  const { method } = request;
  if (!isRequestMethod(protocol, method)) {
    return { ok: false, error: { code: INVALID_REQUEST, message: unknownMethodMessage(protocol, method) } };
  }
  const schema: z.ZodType = (protocol.requests[method] as { params: z.ZodType }).params;
  const params = request.params ?? undefined;
  if (params === undefined || params === null) {
    const none = parseParams(schema, params);
    if (!none.success) return failure("missing field `params`");
    return { ok: true, method, params: none.data as DecodedParams<P, RequestMethod<P>> };
  }
  // serde reads unit from an empty map too (`"params": {}` on a method without params).
  if (schema === NoParams && isEmptyMap(params))
    return { ok: true, method, params: undefined as DecodedParams<P, RequestMethod<P>> };
  // The plain params of a first listing or read need no zod (plain-params.ts); anything else is zod's.
  const plain = plainDecode(schema, params);
  if (plain) return { ok: true, method, params: plain.value as DecodedParams<P, RequestMethod<P>> };
  const direct = parseParams(schema, params);
  if (direct.success) return { ok: true, method, params: direct.data as DecodedParams<P, RequestMethod<P>> };
  // A struct sent as a sequence fails the object schema; read it the way serde does, then parse again.
  const positional = namedFromPositional(schema, params);
  const converted = parseParams(schema, positional.value);
  if (converted.success && positional.problems.length === 0)
    return { ok: true, method, params: converted.data as DecodedParams<P, RequestMethod<P>> };
  // serde notices a short sequence where zod finds the first field missing: the length problem goes first.
  const issues: Issue[] = positional.problems.map((p) => ({
    code: "custom",
    path: p.at,
    message: p.detail,
    params: { serde: true, reportPath: p.path },
  }));
  if (!converted.success) issues.push(...converted.error.issues);
  const { detail, path } = explainIssues(schema, positional.value, issues);
  return failure(detail, path);
}

/** Params schemas parsed at least once in this process. */
const parsedBefore = new WeakSet<z.ZodType>();

/**
 * Parses `value` with a request's params schema. The first parse of each schema runs without zod's JIT, which
 * would first compile a parser for every object in it (~0.5 ms for `initialize`, before a server can answer it) to
 * run it once: many methods come once per connection. From a schema's second parse on, the JIT compiles and is kept.
 * Either way zod parses the same and reports the same issues.
 */
function parseParams(schema: z.ZodType, value: unknown) {
  const seen = parsedBefore.has(schema);
  if (!seen) parsedBefore.add(schema);
  return schema.safeParse(value, { jitless: !seen });
}

function isEmptyMap(v: unknown): boolean {
  return v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0;
}
