export {
  AcpClient,
  type AcpClientOptions,
  type PermissionAsked,
  type PermissionOption,
  type PromptOutcome,
  type SessionUpdate,
} from "./acp-client.js";
export {
  type AppServerBinary,
  connectAppServer,
  errorOf,
  type StartAppServerOptions,
  startAppServer,
  stopAppServers,
  TestAppServer,
  takeWireViolations,
} from "./app-server-harness.js";
export { type BlockedAttempt, type BlockingProxy, startBlockingProxy } from "./blocking-proxy.js";
export { type MockCodexHomeOptions, mockCodexHome, rolloutFiles } from "./codex-home.js";
export {
  type CodexWrapperOptions,
  readTeeLog,
  type TeeEntry,
  waitForTeeEntry,
  writeCodexWrapper,
} from "./codex-wrapper.js";
export { type ProbeEntry, realKeyringAvailable } from "./keyring-probe.js";
export { type McpGate, startMcpGate } from "./mcp-gate.js";
export { type IssuedClaims, type MockIssuer, makeJwt, startMockIssuer } from "./mock-issuer.js";
export {
  type McpOauthRequest,
  type MockMcpOauthServer,
  startMockMcpOauthServer,
} from "./mock-mcp-oauth.js";
export {
  chat,
  frame,
  gate,
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
export { expectPeakRssBelow, openFds, PEAK_RSS_LIMIT_MIB, peakRssMiB } from "./proc-stats.js";
export {
  CLI_MAIN,
  CODEX_0166_BIN,
  CODEX_ACP_ENTRY,
  REFERENCE_CODEX_BIN,
  referenceEnv0166,
} from "./reference-codex.js";
export { JsonRpcChild, type JsonRpcChildOptions, type LoggedMessage, type RpcMessage } from "./rpc-child.js";
export { type SeededRandom, seededRandom } from "./seeded-random.js";
export { connectInProcess, StreamTransport } from "./stream-transport.js";
export { type AppServerSuite, useAppServerSuite } from "./suite.js";
export { removeTempDirs, type TempDirOptions, tempDir } from "./temp-dirs.js";
export { expectTurnOrder, expectWireShapes, type Item, type Message, wireIssues } from "./wire-checks.js";
