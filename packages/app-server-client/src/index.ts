// @codex-ts/app-server-client: a typed client of the Codex app server (see README.md).

// The protocol registry's definitions and type helpers, re-exported so a client needs one import.
export {
  type ClientNotificationMethod,
  type Generation,
  type NotificationMethod,
  type NotificationParams,
  type Protocol0166,
  type ProtocolDefinition,
  protocol058,
  protocol0166,
  type RequestMethod,
  type RequestParams,
  type RequestResult,
  type ServerRequestMethod,
  type ServerRequestParams,
  type ServerRequestResult,
} from "@codex-ts/app-server-protocol";
export { type ApprovalDecision, type ApprovalRequest, approvalKind, approvalResponse } from "./approvals.js";
export { AppServerClient } from "./client.js";
export type {
  AnyNotification,
  Capabilities,
  ClientInfo,
  ClientOptions,
  Notification,
  NotificationStreamOptions,
  Protocol058,
  RequestArgs,
  RequestId,
  RequestOptions,
  WireMessage,
} from "./client-types.js";
export {
  AppServerError,
  type AppServerErrorBody,
  ConnectionClosedError,
  ProtocolViolationError,
  type ViolationKind,
} from "./errors.js";
export { type SpawnOptions, StdioTransport } from "./stdio-transport.js";
export { LineSplitter, type Transport, type TransportExit, type TransportSink } from "./transport.js";
export { type ConnectOptions, HandshakeRefusedError, WebSocketTransport } from "./websocket-transport.js";
