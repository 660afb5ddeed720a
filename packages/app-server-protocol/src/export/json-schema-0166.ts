import { z } from "zod";
import type { ProtocolDefinition } from "../registry/definition.js";
import {
  clientNotificationUnion,
  notificationUnion,
  requestUnion,
  serverRequestUnion,
} from "../registry/derive.js";
import { NoParams } from "../registry/no-params.js";
import { protocol0166 } from "../registry/protocol-0166.js";
import { experimental0166 } from "../schema/experimental-0166.js";
import { definitions0166 } from "../schema/gen-0166.js";
import { RequestId } from "../schema/v1.js";
import { BUNDLE_FILE, type JsonSchema, registrySchemas, stripHeader } from "./json-schema.js";
import { standaloneSchema } from "./standalone.js";

/**
 * The 0.166 export (`generate-json-schema --protocol 0.166`): codex 0.166.0's layout and definitions, limited to
 * what this server implements (the methods of `protocol0166` and the definitions they use, `definitions0166`).
 */

/** `--experimental`: keep what 0.166.0's export only shows with that flag (`experimental0166`). */
export interface Export0166Options {
  experimental?: boolean;
}

/** The second bundle 0.166.0 writes: the v2 namespace flattened, with the message unions it uses. */
export const V2_BUNDLE_FILE = "codex_app_server_protocol.v2.schemas.json";

const omit = <T>(record: Readonly<Record<string, T>>, names: readonly string[]) =>
  Object.fromEntries(Object.entries(record).filter(([name]) => !names.includes(name)));

/** `protocol0166` as the export shows it: without its experimental methods unless asked for. */
function exportedProtocol(o: Export0166Options): ProtocolDefinition {
  if (o.experimental) return protocol0166;
  return {
    ...protocol0166,
    requests: omit(protocol0166.requests, experimental0166.requests),
    notifications: omit(protocol0166.notifications, experimental0166.notifications),
    serverRequests: omit(protocol0166.serverRequests, experimental0166.serverRequests),
    clientNotifications: omit(protocol0166.clientNotifications, experimental0166.clientNotifications),
  };
}

/**
 * The request id schema of the unions: 0.166.0 defines RequestId (string | int64) in the v2 namespace; the generated
 * one when the subset has it, else the shared wire type (registered under that name below).
 */
const requestId: z.ZodType = (definitions0166 as Record<string, z.ZodType>)["v2/RequestId"] ?? RequestId;

/** The message unions 0.166.0 keeps at the root of its bundle, for the methods exported. */
function messageUnions(p: ProtocolDefinition): [string, z.ZodType][] {
  const unions: [string, z.ZodType][] = [
    ["ClientRequest", requestUnion(p, requestId)],
    ["ClientNotification", clientNotificationUnion(p)],
    ["ServerNotification", notificationUnion(p)],
  ];
  if (Object.keys(p.serverRequests).length > 0)
    unions.push(["ServerRequest", serverRequestUnion(p, requestId)]);
  return unions;
}

let keys: Map<unknown, string> | undefined;
/**
 * The key of each generated schema in the reference bundle (`Name` or `v2/Name`), by schema object. Built by the
 * first export: every server loads this module, and only `generate-json-schema` asks.
 */
function keyOf(): Map<unknown, string> {
  keys ??= new Map(Object.entries(definitions0166).map(([key, schema]) => [schema, key]));
  return keys;
}
const bareName = (key: string) => key.replace(/^v2\//, "");

/** The bundle: root definitions, then the v2 namespace under `definitions.v2`, as 0.166.0 nests them. */
export function buildBundle0166(o: Export0166Options = {}): JsonSchema {
  const p = exportedProtocol(o);
  const registry = z.registry<{ id: string }>();
  const entries: [string, z.ZodType][] = [
    ...Object.entries(definitions0166).filter(([key]) => o.experimental || !isExperimentalDefinition(key)),
    ...messageUnions(p),
  ];
  if (!keyOf().has(requestId)) entries.push(["v2/RequestId", requestId]);
  for (const [key, schema] of entries) registry.add(schema, { id: key });
  const schemas = registrySchemas(registry);
  const root: Record<string, JsonSchema> = {};
  const v2: Record<string, JsonSchema> = {};
  for (const [key] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const def: JsonSchema = { ...stripHeader(schemas[key] ?? {}), title: bareName(key) };
    if (!o.experimental) dropExperimentalFields(key, def);
    if (key.startsWith("v2/")) v2[bareName(key)] = def;
    else root[key] = def;
  }
  // 0.166.0 defines RequestId at the root too (its top-level RequestId.json); the unions use the v2 one.
  if (v2.RequestId && !root.RequestId) root.RequestId = { ...v2.RequestId };
  const sortedRoot = Object.fromEntries(
    Object.keys(root)
      .sort()
      .map((k) => [k, root[k]]),
  );
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "CodexAppServerProtocol",
    type: "object",
    definitions: { ...sortedRoot, v2 },
  };
}

function isExperimentalDefinition(key: string): boolean {
  return (experimental0166.definitions as readonly string[]).includes(key);
}

function dropExperimentalFields(key: string, def: JsonSchema): void {
  dropExperimentalVariants(key, def);
  const fields = experimental0166.fields[key];
  if (!fields) return;
  const properties = def.properties as Record<string, unknown> | undefined;
  for (const field of fields) if (properties) delete properties[field];
  if (Array.isArray(def.required)) def.required = def.required.filter((f) => !fields.includes(f as string));
}

/** Drops a union's variants the stable export leaves out (named by their `mode`, wherever the union sits). */
function dropExperimentalVariants(key: string, def: JsonSchema): void {
  const modes = experimental0166.variants[key];
  if (!modes) return;
  const modeOf = (v: unknown) =>
    ((v as JsonSchema).properties as Record<string, { enum?: unknown[] }> | undefined)?.mode?.enum?.[0];
  const visit = (node: unknown): void => {
    if (!node || typeof node !== "object") return;
    for (const k of ["oneOf", "anyOf"] as const) {
      const list = (node as JsonSchema)[k];
      if (Array.isArray(list))
        (node as JsonSchema)[k] = list.filter((v) => !modes.includes(modeOf(v) as string));
    }
    for (const v of Object.values(node)) visit(v);
  };
  visit(def);
}

/**
 * 0.166.0's second bundle: every v2 definition, plus `ClientRequest` and `ServerNotification` and the root
 * definitions they reference, in one flat table (`#/definitions/v2/X` becomes `#/definitions/X`).
 */
export function buildV2Bundle0166(bundle: JsonSchema): JsonSchema {
  const defs = bundle.definitions as Record<string, JsonSchema> & { v2: Record<string, JsonSchema> };
  const roots = [
    ...Object.keys(defs.v2).map((n) => ({ $ref: `#/definitions/v2/${n}` })),
    { $ref: "#/definitions/ClientRequest" },
    { $ref: "#/definitions/ServerNotification" },
  ];
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    definitions: standaloneSchema(bundle, { anyOf: roots }).definitions,
    title: "CodexAppServerProtocolV2",
    type: "object",
  };
}

/**
 * Where 0.166.0 writes the standalone file of a request's or notification's params or response, and what is in
 * it: `v2/<Name>.json` for the v2 namespace, `v1/<Name>.json` for the root definitions of requests without a
 * namespace (`initialize`; those of the v1 namespace, the fuzzy searches, are at the top), `v2/Nullable<Name>.json` (titled `Nullable_<Name>`) for optional params
 * (`Option<Name>`), none for a method without params.
 */
function fileFor(bundle: JsonSchema, schema: z.ZodType, inV1: boolean): [string, JsonSchema] | null {
  if (schema === NoParams) return null;
  const key = keyOf().get(schema);
  const dir = (k: string) => (k.startsWith("v2/") ? "v2/" : inV1 ? "v1/" : "");
  if (key) return [`${dir(key)}${bareName(key)}.json`, standaloneSchema(bundle, definitionOf(bundle, key))];
  const inner = unwrapNullable(schema);
  const innerKey = inner && keyOf().get(inner);
  if (!innerKey)
    throw new Error("export 0.166: a params or response schema without a name in definitions0166");
  const name = bareName(innerKey);
  const root = { anyOf: [{ $ref: `#/definitions/${innerKey}` }, { type: "null" }] };
  return [`${dir(innerKey)}Nullable${name}.json`, standaloneSchema(bundle, root, `Nullable_${name}`)];
}

function definitionOf(bundle: JsonSchema, key: string): JsonSchema {
  const defs = bundle.definitions as Record<string, JsonSchema> & { v2: Record<string, JsonSchema> };
  const def = key.startsWith("v2/") ? defs.v2[bareName(key)] : defs[key];
  if (!def) throw new Error(`export 0.166: ${key} is not in the bundle`);
  return def;
}

/** The schema inside `.nullable()` / `.optional()` wrappers; undefined when `schema` is not such a wrapper. */
function unwrapNullable(schema: z.ZodType): z.ZodType | undefined {
  let inner: z.ZodType = schema;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable)
    inner = inner.unwrap() as z.ZodType;
  return inner === schema ? undefined : inner;
}

/** The top-level files 0.166.0 writes for the message types (those this export has). */
const TOP_LEVEL_0166 = ["ClientNotification", "ClientRequest", "ServerNotification", "ServerRequest"];

/**
 * Every file of the 0.166 export, by path relative to the output directory: the two bundles, the message unions
 * and `RequestId` at the top level, and one file per params, response and notification type of the exported
 * methods (see `fileFor`), each standalone.
 */
export function schemaFiles0166(o: Export0166Options = {}): [string, JsonSchema][] {
  const bundle = buildBundle0166(o);
  const defs = bundle.definitions as Record<string, JsonSchema> & { v2: Record<string, JsonSchema> };
  const files = new Map<string, JsonSchema>([
    [BUNDLE_FILE, bundle],
    [V2_BUNDLE_FILE, buildV2Bundle0166(bundle)],
  ]);
  for (const name of TOP_LEVEL_0166)
    if (defs[name]) files.set(`${name}.json`, standaloneSchema(bundle, defs[name]));
  files.set("RequestId.json", standaloneSchema(bundle, defs.RequestId));
  const p = exportedProtocol(o);
  const add = (schema: z.ZodType, inV1: boolean) => {
    const file = fileFor(bundle, schema, inV1);
    if (file && !files.has(file[0])) files.set(...file);
  };
  for (const r of Object.values(p.requests)) {
    add(r.params, r.namespace === undefined);
    add(r.response, r.namespace === undefined);
  }
  for (const params of Object.values(p.notifications)) add(params, false);
  for (const r of Object.values(p.serverRequests)) {
    add(r.params, false);
    add(r.response, false);
  }
  return [...files.entries()];
}
