import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { canonical, flattenDefinitions } from "../src/export/compare.js";
import { BUNDLE_FILE, type JsonSchema } from "../src/export/json-schema.js";
import { buildBundle0166, schemaFiles0166, V2_BUNDLE_FILE } from "../src/export/json-schema-0166.js";
import { protocol0166 } from "../src/registry/protocol-0166.js";
import { experimental0166 } from "../src/schema/experimental-0166.js";
import { CODEX_0166_BIN, run0166Export, STORED_SCHEMA_0166 } from "./helpers/reference-0166.js";

/**
 * `generate-json-schema --protocol 0.166 [--experimental]` against codex 0.166.0's own export of the same mode,
 * file by file and definition by definition (wire-relevant parts, `canonical`). Deliberate differences, each
 * asserted below:
 * - Only what this server implements is exported: the message unions (`ClientRequest`, `ClientNotification`,
 *   `ServerNotification`, `ServerRequest`) have a variant per implemented method, each equal to the reference's;
 *   there is one file per params/response/notification type of those methods; the bundles hold the definitions
 *   those use. So our files and definitions are a subset of the reference's.
 * - Not written: the `JSONRPC*` envelope files, and `ServerRequest.json` while no server request is implemented.
 * - Descriptions are not exported (the zod schemas carry none); `canonical` ignores them, as for 0.58.0.
 */

const bin = CODEX_0166_BIN;
const stored = STORED_SCHEMA_0166;

const work = mkdtempSync(join(tmpdir(), "codex-ref-schema-0166-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** 0.166.0's export of one mode (run offline), or the stored `--experimental` one without the binary. */
function referenceExport(experimental: boolean): string | undefined {
  if (bin)
    return run0166Export(
      work,
      "generate-json-schema",
      experimental,
      experimental ? "experimental" : "stable",
    );
  return experimental ? stored : undefined;
}

if (!bin) {
  console.error(
    stored
      ? "conformance 0.166: codex 0.166.0 not found (CODEX_0166_BIN); comparing --experimental with the stored export only"
      : "conformance 0.166: skipped, neither codex 0.166.0 (CODEX_0166_BIN) nor its stored export (.cache/schema-0.166)",
  );
}

const read = (dir: string, rel: string) => JSON.parse(readFileSync(join(dir, rel), "utf8")) as JsonSchema;
const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
const UNIONS = new Set(["ClientRequest", "ClientNotification", "ServerNotification", "ServerRequest"]);

/** A message union's variants by method name. */
function variants(union: unknown): Map<string, unknown> {
  const u = union as { oneOf?: JsonSchema[]; anyOf?: JsonSchema[] } & JsonSchema;
  const list = u.oneOf ?? u.anyOf ?? [u];
  return new Map(
    list.map((v) => [((v.properties as Record<string, { enum: string[] }>).method?.enum ?? [])[0] ?? "", v]),
  );
}

/**
 * The reference's definition with the wire's field names: 0.166.0's JSON Schema export names the timeline's
 * turn-boundary fields in snake_case, its TypeScript export and its answers in camelCase, which ours takes
 * (scripts/gen-0166.sh).
 */
function wireNames(name: string, theirs: unknown): unknown {
  if (!name.endsWith("ThreadTimelineEntry") || theirs === undefined) return theirs;
  const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return JSON.parse(JSON.stringify(theirs), function (this: unknown, key, value) {
    if (key === "properties" && value && typeof value === "object")
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [camel(k), v]));
    if (key === "required" && Array.isArray(value)) return value.map((k: string) => camel(k));
    return value;
  });
}

/** What differs between our definition `name` and the reference's; for unions, variant by variant (ours ⊆ theirs). */
function problems(name: string, ours: unknown, theirs: unknown, union = UNIONS.has(name)): string[] {
  if (theirs === undefined) return [`${name}: not in the reference`];
  if (union) {
    const ref = variants(theirs);
    return [...variants(ours)].flatMap(([method, v]) =>
      !ref.has(method)
        ? [`${name}: ${method} is not a variant of the reference`]
        : same(v, ref.get(method))
          ? []
          : [
              `${name}.${method}: ${JSON.stringify(canonical(v))} vs ${JSON.stringify(canonical(ref.get(method)))}`,
            ],
    );
  }
  return same(ours, theirs)
    ? []
    : [
        `${name}: ${JSON.stringify(canonical(ours)).slice(0, 400)} vs ${JSON.stringify(canonical(theirs)).slice(0, 400)}`,
      ];
}

/** Every definition of a file (the root by its title, then its `definitions`, or the bundle's flattened). */
function definitionsOf(file: JsonSchema, rel: string): Map<string, unknown> {
  if (rel === BUNDLE_FILE) return flattenDefinitions(file);
  const defs = new Map(Object.entries((file.definitions ?? {}) as Record<string, unknown>));
  if (rel !== V2_BUNDLE_FILE) {
    const { definitions: _d, ...root } = file;
    defs.set(`<root of ${rel}>`, root);
  }
  return defs;
}

function compareExport(experimental: boolean, reference: string): { files: number; definitions: number } {
  const diffs: string[] = [];
  let definitions = 0;
  const files = schemaFiles0166({ experimental });
  for (const [rel, ours] of files) {
    if (!existsSync(join(reference, rel))) {
      diffs.push(`${rel}: no such file in the reference`);
      continue;
    }
    const theirs = read(reference, rel);
    const theirDefs = definitionsOf(theirs, rel);
    for (const [name, def] of definitionsOf(ours, rel)) {
      definitions++;
      const isRoot = name.startsWith("<root of ");
      const union = UNIONS.has(name) || (isRoot && UNIONS.has(rel.replace(/\.json$/, "")));
      diffs.push(...problems(`${rel} ${name}`, def, wireNames(name, theirDefs.get(name)), union));
    }
  }
  expect(diffs).toEqual([]);
  return { files: files.length, definitions };
}

describe.skipIf(!bin && !stored)("conformance with codex 0.166.0 generate-json-schema", () => {
  it("--experimental: every file and definition we export is the reference's", () => {
    const reference = referenceExport(true) as string;
    const { files, definitions } = compareExport(true, reference);
    console.log(`schema 0.166 --experimental: ${files} files, ${definitions} definitions identical`);
  }, 120_000);

  it.skipIf(!bin)(
    "without --experimental: the same, with the experimental fields and methods left out",
    () => {
      const reference = referenceExport(false) as string;
      const { files, definitions } = compareExport(false, reference);
      console.log(`schema 0.166: ${files} files, ${definitions} definitions identical`);
      // The left-out fields really are gone, and really are there with --experimental.
      const stable = flattenDefinitions(buildBundle0166());
      const full = flattenDefinitions(buildBundle0166({ experimental: true }));
      for (const [key, fields] of Object.entries(experimental0166.fields)) {
        for (const field of fields) {
          expect(Object.keys((stable.get(key) as JsonSchema).properties as object)).not.toContain(field);
          expect(Object.keys((full.get(key) as JsonSchema).properties as object)).toContain(field);
        }
      }
    },
    120_000,
  );

  it("exports every implemented 0.166 method and notification with the reference's params", () => {
    const reference = read(referenceExport(true) as string, BUNDLE_FILE);
    const ours = buildBundle0166({ experimental: true });
    const defs = ours.definitions as Record<string, unknown>;
    const refDefs = reference.definitions as Record<string, unknown>;
    expect([...variants(defs.ClientRequest).keys()]).toEqual(Object.keys(protocol0166.requests));
    expect([...variants(defs.ServerNotification).keys()].sort()).toEqual(
      Object.keys(protocol0166.notifications).sort(),
    );
    expect([...variants(defs.ClientNotification).keys()]).toEqual(
      Object.keys(protocol0166.clientNotifications),
    );
    // Ours are a subset of the reference's, in its order.
    const order = [...variants(refDefs.ClientRequest).keys()];
    const ranks = [...variants(defs.ClientRequest).keys()].map((m) => order.indexOf(m));
    expect(ranks.every((r) => r >= 0)).toBe(true);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    // The deliberate absences.
    expect(Object.keys(refDefs)).toEqual(expect.arrayContaining(["JSONRPCMessage", "ServerRequest"]));
    expect(defs.JSONRPCMessage).toBeUndefined();
    if (Object.keys(protocol0166.serverRequests).length === 0) expect(defs.ServerRequest).toBeUndefined();
  });
});

describe("the 0.166 export's own checks", () => {
  it("notices a changed field, a missing variant and an extra one", () => {
    const ours = buildBundle0166({ experimental: true });
    const tampered = JSON.parse(JSON.stringify(ours)) as JsonSchema & {
      definitions: Record<string, JsonSchema> & { v2: Record<string, JsonSchema> };
    };
    (tampered.definitions.v2.SkillsListParams?.properties as Record<string, unknown>).cwds = {
      type: "string",
    };
    const union = tampered.definitions.ClientRequest as { anyOf: JsonSchema[] };
    const extra = JSON.parse(JSON.stringify(union.anyOf[0])) as JsonSchema;
    (extra.properties as Record<string, unknown>).method = { type: "string", enum: ["no/such"] };
    union.anyOf.push(extra);
    const original = (ours.definitions as { v2: Record<string, unknown> }).v2.SkillsListParams;
    expect(problems("v2/SkillsListParams", tampered.definitions.v2.SkillsListParams, original)).toHaveLength(
      1,
    );
    const theirs = (ours.definitions as Record<string, unknown>).ClientRequest;
    expect(problems("ClientRequest", tampered.definitions.ClientRequest, theirs)).toEqual([
      "ClientRequest: no/such is not a variant of the reference",
    ]);
  });

  it("writes 0.166.0's layout for the implemented methods", () => {
    const files = new Map(schemaFiles0166());
    expect([...files.keys()]).toEqual(
      expect.arrayContaining([
        BUNDLE_FILE,
        V2_BUNDLE_FILE,
        "ClientRequest.json",
        "ServerNotification.json",
        "ClientNotification.json",
        "RequestId.json",
        "v1/InitializeParams.json",
        "v1/InitializeResponse.json",
        "v2/SkillsListParams.json",
        "v2/ListMcpServerStatusResponse.json",
        "v2/NullableGetAccountRateLimitsParams.json",
        "v2/AccountUpdatedNotification.json",
      ]),
    );
    // account/logout takes no params: no file; a standalone file never points into `v2/`.
    expect([...files.keys()].some((f) => /Logout.*Params/.test(f))).toBe(false);
    for (const [rel, file] of files) {
      if (rel !== BUNDLE_FILE) expect(JSON.stringify(file), rel).not.toContain("#/definitions/v2/");
    }
    expect(files.get("v2/NullableGetAccountRateLimitsParams.json")).toMatchObject({
      title: "Nullable_GetAccountRateLimitsParams",
      anyOf: [{ $ref: "#/definitions/GetAccountRateLimitsParams" }, { type: "null" }],
    });
  });
});
