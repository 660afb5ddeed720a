/**
 * Serialisation of outgoing messages that cannot fail. `JSON.stringify` throws on values nested deeper than the
 * stack allows (a model's tool arguments, an MCP result), on strings past V8's limit, on cycles and on BigInt; a
 * message lost that way used to take every later message of its turn with it. Here the message is written anyway,
 * with each value that could not be serialised replaced by a marker string, and the caller is told what happened so
 * it can log it.
 */

/** Values deeper than this (from the message root) are replaced when a message has to be rebuilt. */
export const SERIALIZE_MAX_DEPTH = 64;
/** Strings longer than this (UTF-16 units) are cut (head and tail kept) when a message has to be rebuilt. */
export const SERIALIZE_MAX_STRING = 1024 * 1024;

export interface SerializedMessage {
  line: string;
  /** Why the message had to be rebuilt (null when it serialised as it was). */
  repaired: string | null;
}

const DEEP = `[value nested deeper than ${SERIALIZE_MAX_DEPTH} levels left out]`;
const CYCLE = "[circular reference left out]";

function cutString(s: string): string {
  if (s.length <= SERIALIZE_MAX_STRING) return s;
  const keep = Math.floor(SERIALIZE_MAX_STRING / 2);
  return `${s.slice(0, keep)}[... ${s.length - 2 * keep} characters left out ...]${s.slice(s.length - keep)}`;
}

/** A JSON-safe copy of `value`: too deep, circular, BigInt and over-long values replaced. Recursion is bounded. */
function repair(value: unknown, depth: number, seen: Set<object>): unknown {
  if (typeof value === "string") return cutString(value);
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object") return value;
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === "function") return repair(withJson.toJSON(), depth, seen);
  if (depth >= SERIALIZE_MAX_DEPTH) return DEEP;
  if (seen.has(value)) return CYCLE;
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => repair(v, depth + 1, seen) ?? null);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = repair(v, depth + 1, seen);
      if (r !== undefined && typeof r !== "function" && typeof r !== "symbol") out[k] = r;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/**
 * `body` as one JSON line. When it cannot be serialised as it is, the values that break serialisation are replaced
 * (see `repair`) and `repaired` says why; if even that fails, `fallback` (a small message the caller builds, e.g.
 * an error response) is sent instead.
 */
export function serializeMessage(body: unknown, fallback: (reason: string) => unknown): SerializedMessage {
  try {
    return { line: JSON.stringify(body), repaired: null };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    try {
      return { line: JSON.stringify(repair(body, 0, new Set())), repaired: reason };
    } catch (again) {
      const why = again instanceof Error ? again.message : String(again);
      return { line: JSON.stringify(fallback(`${reason}; ${why}`)), repaired: `${reason}; ${why}` };
    }
  }
}
