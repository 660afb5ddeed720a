// @codex-ts/app-server-protocol

export { type DecodedRequest, decodeRequest, jsonPath } from "./decode/decode-request.js";
export { type Explanation, explainIssues, type Issue } from "./decode/describe.js";
export { hintOf, type SerdeHint, serdeHint } from "./decode/serde-hints.js";
export { describeValue, expectedOneOf, unknownVariant } from "./decode/serde-words.js";
export { parseUuid } from "./decode/uuid.js";
export { canonical, compareBundles } from "./export/compare.js";
export { BUNDLE_FILE, buildBundle, type JsonSchema } from "./export/json-schema.js";
export {
  buildBundle0166,
  buildV2Bundle0166,
  type Export0166Options,
  schemaFiles0166,
  V2_BUNDLE_FILE,
} from "./export/json-schema-0166.js";
export { writeTypeScript } from "./export/typescript.js";
export {
  type ExportOptions,
  namespaceFiles,
  writeFileAtomic,
  writeJsonSchemas,
} from "./export/write-files.js";
export * from "./registry/aliases-058.js";
export * from "./registry/definition.js";
export {
  type ClientNotificationMessage,
  clientNotificationUnion,
  isNotificationMethod,
  isRequestMethod,
  notificationUnion,
  type RequestMessage,
  requestMethods,
  requestUnion,
  type ServerRequestMessage,
  serverRequestUnion,
  unknownMethodMessage,
} from "./registry/derive.js";
export { generationOf, protocols } from "./registry/generation.js";
export { NoParams } from "./registry/no-params.js";
export { type Protocol058, protocol058 } from "./registry/protocol-058.js";
export { type Protocol0166, protocol0166 } from "./registry/protocol-0166.js";
export type { AdminMethod0166 } from "./registry/protocol-0166-admin.js";
export type { ExternalAgentMethod0166 } from "./registry/protocol-0166-external-agent.js";
export type { GoalMethod0166 } from "./registry/protocol-0166-goals.js";
export type { HostMethod0166 } from "./registry/protocol-0166-host.js";
export type { LiveMethod0166 } from "./registry/protocol-0166-live.js";
export type { McpMethod0166 } from "./registry/protocol-0166-mcp.js";
export type { ProjectMethod0166 } from "./registry/protocol-0166-projects.js";
export type { QueueMethod0166 } from "./registry/protocol-0166-queue.js";
export type { RemoteMethod0166 } from "./registry/protocol-0166-remote.js";
export type { SettingsMethod0166 } from "./registry/protocol-0166-settings.js";
export type { ThreadStateMethod0166 } from "./registry/protocol-0166-thread-state.js";
export * from "./rpc/index.js";
export { type CodexEventParams, type OutgoingChannel, ProtocolPeer } from "./rpc/protocol-peer.js";
export * from "./schema/definitions-058.js";
export { experimental0166 } from "./schema/experimental-0166.js";
export * as gen0166 from "./schema/gen-0166.js";
export * from "./schema/response-input-item.js";
export {
  i32,
  i64,
  type RustInteger,
  rustInteger,
  u16,
  u32,
  u64,
  usize,
  uuidString,
} from "./schema/serde-types.js";
export * from "./schema/v1.js";
// rpc/ declares the same `RequestId` type (string | integer); the schema's export (value + type) wins.
export { RequestId } from "./schema/v1.js";
export * as v2 from "./schema/v2.js";
export * from "./transport/index.js";
