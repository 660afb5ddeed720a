// @codex-ts/app-server-protocol

export { canonical, compareBundles } from "./export/compare.js";
export { BUNDLE_FILE, buildBundle, type JsonSchema } from "./export/json-schema.js";
export { writeTypeScript } from "./export/typescript.js";
export { namespaceFiles, writeJsonSchemas } from "./export/write-files.js";
export * from "./registry.js";
export * from "./rpc/index.js";
export * from "./schema/response-input-item.js";
export * from "./schema/v1.js";
// rpc/ declares the same `RequestId` type (string | integer); the schema's export (value + type) wins.
export { RequestId } from "./schema/v1.js";
export * as v2 from "./schema/v2.js";
export * from "./validate.js";
