import { z } from "zod";
import { v1Definitions } from "../schema/definitions-058.js";
import { TokenCountRateLimits } from "../schema/v1.js";
import { v2Definitions } from "../schema/v2.js";

export type JsonSchema = Record<string, unknown>;

/** Name of the bundle file 0.58.0 writes next to the per-type files. */
export const BUNDLE_FILE = "codex_app_server_protocol.schemas.json";

/**
 * One dedicated registry for the whole protocol: v2 ids carry a `v2/` prefix so names that exist in both
 * namespaces (`SandboxPolicy`, `RateLimitWindow`, …) never collide, and cross-namespace references resolve
 * to `#/definitions/v2/Foo` exactly like the reference bundle.
 */
function protocolRegistry() {
  const registry = z.registry<{ id: string }>();
  for (const [name, schema] of Object.entries(v1Definitions)) registry.add(schema, { id: name });
  for (const [name, schema] of Object.entries(v2Definitions)) registry.add(schema, { id: `v2/${name}` });
  return registry;
}

/** A registry schema without its own `$schema` / `$id` (a bundle has one header for all). */
export function stripHeader(schema: JsonSchema): JsonSchema {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

/** zod's hook for rewriting one schema's output (e.g. to reference another definition instead). */
type SchemaOverride = NonNullable<z.core.ToJSONSchemaParams["override"]>;

/** Draft-07 JSON Schemas of every schema in `registry`, keyed by id, referencing each other as `#/definitions/<id>`. */
export function registrySchemas(
  registry: z.core.$ZodRegistry<{ id: string }>,
  override?: SchemaOverride,
): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(registry, {
    target: "draft-07",
    io: "input",
    unrepresentable: "any",
    metadata: registry,
    uri: (id) => `#/definitions/${id}`,
    ...(override ? { override } : {}),
  }) as { schemas: Record<string, JsonSchema> };
  return schemas;
}

/** The bundle: v1/shared definitions at the root, v2 under `definitions.v2`, keys in registry order. */
export function buildBundle(): JsonSchema {
  const registry = protocolRegistry();
  // 0.58.0's bundle references v2's snapshot for token_count's snake_case one (see TokenCountRateLimits).
  const schemas = registrySchemas(registry, ({ zodSchema, jsonSchema }) => {
    if (zodSchema !== TokenCountRateLimits) return;
    for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
    jsonSchema.$ref = "#/definitions/v2/RateLimitSnapshot";
  });
  const root: Record<string, JsonSchema> = {};
  const v2: Record<string, JsonSchema> = {};
  for (const name of Object.keys(v1Definitions))
    root[name] = { ...stripHeader(schemas[name] ?? {}), title: name };
  for (const name of Object.keys(v2Definitions))
    v2[name] = { ...stripHeader(schemas[`v2/${name}`] ?? {}), title: name };
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "CodexAppServerProtocol",
    type: "object",
    definitions: { ...root, v2 },
  };
}

/** Top-level message types written as standalone files in 0.58.0's layout (besides v1/ and v2/ dirs). */
export const TOP_LEVEL_FILES = [
  "ApplyPatchApprovalParams",
  "ApplyPatchApprovalResponse",
  "ClientNotification",
  "ClientRequest",
  "EventMsg",
  "ExecCommandApprovalParams",
  "ExecCommandApprovalResponse",
  "FileChange",
  "FuzzyFileSearchParams",
  "FuzzyFileSearchResponse",
  "InputItem",
  "JSONRPCError",
  "JSONRPCErrorError",
  "JSONRPCMessage",
  "JSONRPCNotification",
  "JSONRPCRequest",
  "JSONRPCResponse",
  "Option<()>",
  "ParsedCommand",
  "RequestId",
  "SandboxPolicy",
  "ServerNotification",
  "ServerRequest",
] as const;
