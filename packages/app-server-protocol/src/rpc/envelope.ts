import type { RequestId, RpcErrorBody } from "./errors.js";

/** One incoming JSON-RPC lite message, classified by its envelope only (params are validated elsewhere). */
export type IncomingMessage =
  | { kind: "request"; id: RequestId; method: string; params: unknown; hasParams: boolean }
  | { kind: "notification"; method: string; params: unknown; hasParams: boolean }
  | { kind: "response"; id: RequestId; result: unknown }
  | { kind: "error"; id: RequestId | null; error: RpcErrorBody }
  | { kind: "invalid"; reason: string };

function isRequestId(v: unknown): v is RequestId {
  return (typeof v === "number" && Number.isInteger(v)) || typeof v === "string";
}

/**
 * Classifies one line. Like Codex 0.58.0, a `jsonrpc` member is accepted and ignored; anything that is not an
 * object shaped like a request, notification, response or error is `invalid` (the caller logs it, no reply).
 */
export function classifyLine(line: string): IncomingMessage {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { kind: "invalid", reason: (err as Error).message };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { kind: "invalid", reason: "data did not match any variant of untagged enum JSONRPCMessage" };
  }
  const msg = value as Record<string, unknown>;
  const hasParams = "params" in msg && msg.params !== undefined;
  if (typeof msg.method === "string") {
    if ("id" in msg) {
      if (!isRequestId(msg.id))
        return { kind: "invalid", reason: "request id must be an integer or a string" };
      return { kind: "request", id: msg.id, method: msg.method, params: msg.params, hasParams };
    }
    return { kind: "notification", method: msg.method, params: msg.params, hasParams };
  }
  if ("result" in msg && isRequestId(msg.id)) return { kind: "response", id: msg.id, result: msg.result };
  if ("error" in msg && (isRequestId(msg.id) || msg.id === null)) {
    const e = msg.error as Record<string, unknown> | null;
    if (e && typeof e === "object" && typeof e.code === "number" && typeof e.message === "string") {
      return {
        kind: "error",
        id: msg.id as RequestId | null,
        error:
          e.data === undefined
            ? { code: e.code, message: e.message }
            : { code: e.code, message: e.message, data: e.data },
      };
    }
  }
  return { kind: "invalid", reason: "data did not match any variant of untagged enum JSONRPCMessage" };
}
