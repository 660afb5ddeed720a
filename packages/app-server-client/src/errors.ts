import { RpcError, type RpcErrorBody } from "@codex-ts/app-server-protocol";

/** The body of a JSON-RPC error: what the server answered instead of a result. */
export type AppServerErrorBody = RpcErrorBody;

/**
 * The server answered a request with a JSON-RPC error. `code`, `message` and `data` are the server's, verbatim;
 * `toBody()` gives them back as they travelled (`data` only when the server sent one).
 */
export class AppServerError extends RpcError {
  constructor(code: number, message: string, data?: unknown) {
    super(code, message, data);
    this.name = "AppServerError";
  }
}

/** Where a message that broke the protocol came from. */
export type ViolationKind =
  | "response" // a request's result does not match the method's response schema
  | "notification" // a notification's params do not match its schema
  | "serverRequest" // a server request's params do not match, or its method is unknown
  | "message"; // a line that is not JSON-RPC lite at all

/**
 * The server sent something the protocol definition does not allow. With `strict`, a bad response rejects its
 * request with this error; bad notifications and server requests are reported to `onViolation` listeners.
 */
export class ProtocolViolationError extends Error {
  readonly kind: ViolationKind;
  readonly method: string | undefined;
  /** What arrived (parsed where it was JSON, the raw text where it was not). */
  readonly value: unknown;
  /** The schema's complaints, as `path: message` lines. */
  readonly issues: string[];

  constructor(kind: ViolationKind, method: string | undefined, value: unknown, issues: string[]) {
    super(`${kind}${method ? ` ${method}` : ""} does not match the protocol: ${issues.join("; ")}`);
    this.name = "ProtocolViolationError";
    this.kind = kind;
    this.method = method;
    this.value = value;
    this.issues = issues;
  }
}

/** The connection ended (the server exited, or `close()` was called) while a request was waiting. */
export class ConnectionClosedError extends Error {
  constructor(message = "connection to the app server closed") {
    super(message);
    this.name = "ConnectionClosedError";
  }
}
