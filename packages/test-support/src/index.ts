export {
  AcpClient,
  type AcpClientOptions,
  type PermissionAsked,
  type PermissionOption,
  type PromptOutcome,
  type SessionUpdate,
} from "./acp-client.js";
export { type BlockedAttempt, type BlockingProxy, startBlockingProxy } from "./blocking-proxy.js";
export { writeModernCodexHome } from "./codex-home.js";
export { type CodexWrapperOptions, readTeeLog, type TeeEntry, writeCodexWrapper } from "./codex-wrapper.js";
export { type IssuedClaims, type MockIssuer, makeJwt, startMockIssuer } from "./mock-issuer.js";
export {
  chat,
  frame,
  type MockModelServer,
  type MockRoute,
  offeredTools,
  type QueuedResponse,
  type RecordedRequest,
  requestText,
  responses,
  type ScriptedResponse,
  type SseEvent,
  startMockModelServer,
} from "./mock-model-server.js";
export { CODEX_ACP_ENTRY, REFERENCE_CODEX_0166_BIN, REFERENCE_CODEX_BIN } from "./reference-codex.js";
export { JsonRpcChild, type JsonRpcChildOptions, type LoggedMessage, type RpcMessage } from "./rpc-child.js";
