/** JSON-RPC error codes Codex uses (0.58.0 never sends -32700/-32601/-32602, see spec/transport.md). */
export const INVALID_REQUEST = -32600;
export const INTERNAL_ERROR = -32603;
/** Later Codex's answer to a request it knows but does not serve for that thread (0.166.0: `thread/items/list`). */
export const METHOD_NOT_FOUND = -32601;
/** Later Codex's answer to params that decode but make no sense (0.166.0: `memory/status`, `command/exec`). */
export const INVALID_PARAMS = -32602;
/** Later Codex's answer to a request over its in-flight limit (0.58.0 has no limit and so never sends it). */
export const SERVER_OVERLOADED = -32001;

export type RequestId = number | string;

export interface RpcErrorBody {
  code: number;
  message: string;
  data?: unknown;
}

/** An error a handler throws to answer a request with a specific code and message. */
export class RpcError extends Error {
  readonly code: number;
  readonly data?: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = "RpcError";
    this.code = code;
    if (data !== undefined) this.data = data;
  }
  toBody(): RpcErrorBody {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/** The client's mistake (unknown ids, bad paths, …): -32600 like the real server. */
export function invalidRequest(message: string): RpcError {
  return new RpcError(INVALID_REQUEST, message);
}

/** Params that decode but that the method refuses: -32602 like later Codex. */
export function invalidParams(message: string): RpcError {
  return new RpcError(INVALID_PARAMS, message);
}

/** A server-side failure (I/O, keyring, …): -32603 like the real server. */
export function internalError(message: string): RpcError {
  return new RpcError(INTERNAL_ERROR, message);
}

/** `-32001 "Server overloaded; retry later."`: the request was not handled; the client may retry it later. */
export function serverOverloaded(): RpcError {
  return new RpcError(SERVER_OVERLOADED, "Server overloaded; retry later.");
}

/** Rejection of a server→client request: the client answered with an error, or the request was abandoned. */
export class PeerRequestError extends Error {
  readonly code: number | null;
  readonly data?: unknown;
  constructor(message: string, code: number | null = null, data?: unknown) {
    super(message);
    this.name = "PeerRequestError";
    this.code = code;
    if (data !== undefined) this.data = data;
  }
}
