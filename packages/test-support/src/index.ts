export { type IssuedClaims, type MockIssuer, makeJwt, startMockIssuer } from "./mock-issuer.js";
export {
  chat,
  type MockModelServer,
  type RecordedRequest,
  responses,
  type ScriptedResponse,
  type SseEvent,
  startMockModelServer,
} from "./mock-model-server.js";
export {
  REFERENCE_CODEX_0166_BIN,
  REFERENCE_CODEX_BIN,
  REFERENCE_SCHEMA_0166_DIR,
  referenceEnv0166,
} from "./reference-codex.js";
