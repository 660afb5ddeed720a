export { type IssuedClaims, type MockIssuer, makeJwt, startMockIssuer } from "./mock-issuer.js";
export {
  chat,
  frame,
  type MockModelServer,
  type RecordedRequest,
  responses,
  type ScriptedResponse,
  type SseEvent,
  startMockModelServer,
} from "./mock-model-server.js";
export { REFERENCE_CODEX_BIN } from "./reference-codex.js";
