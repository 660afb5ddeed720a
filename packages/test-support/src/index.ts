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
export { type MockCodexHomeOptions, mockCodexHome } from "./codex-home.js";
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
export { expectPeakRssBelow, openFds, PEAK_RSS_LIMIT_MIB, peakRssMiB } from "./proc-stats.js";
export {
  CLI_MAIN,
  CODEX_0166_BIN,
  REFERENCE_CODEX_BIN,
  REFERENCE_SCHEMA_0166_DIR,
  referenceEnv0166,
} from "./reference-codex.js";
export { connectInProcess, StreamTransport } from "./stream-transport.js";
export { type AppServerSuite, useAppServerSuite } from "./suite.js";
export { removeTempDirs, type TempDirOptions, tempDir } from "./temp-dirs.js";
export { expectTurnOrder, expectWireShapes, type Item, type Message, wireIssues } from "./wire-checks.js";
