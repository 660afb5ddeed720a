import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { protocol058 } from "../registry/protocol-058.js";
import { v1Definitions } from "../schema/definitions-058.js";
import { v2Definitions } from "../schema/v2.js";
import { BUNDLE_FILE, buildBundle, TOP_LEVEL_FILES } from "./json-schema.js";
import { schemaFiles0166 } from "./json-schema-0166.js";
import { standalone } from "./standalone.js";

/** Writes `text` to `file` via a temp file in the same dir, fsync and rename: never a half-written file. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  const fh = await open(tmp, "w");
  try {
    await fh.writeFile(text, "utf8");
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Definitions that 0.58.0 writes into `v1/` or `v2/`: request params/responses and notification params. */
export function namespaceFiles(): { v1: string[]; v2: string[] } {
  const byName = new Map<unknown, string>();
  for (const [n, s] of Object.entries(v1Definitions)) byName.set(s, n);
  const v2ByName = new Map<unknown, string>();
  for (const [n, s] of Object.entries(v2Definitions)) v2ByName.set(s, n);
  const v1: string[] = [];
  const v2: string[] = [];
  const add = (schema: unknown) => {
    const n1 = byName.get(schema);
    const n2 = v2ByName.get(schema);
    if (n1 && !(TOP_LEVEL_FILES as readonly string[]).includes(n1) && !v1.includes(n1)) v1.push(n1);
    if (n2 && !v2.includes(n2)) v2.push(n2);
  };
  for (const entry of Object.values(protocol058.requests)) {
    add(entry.params);
    add(entry.response);
  }
  for (const params of Object.values(protocol058.notifications)) add(params);
  return { v1: v1.sort(), v2: v2.sort() };
}

const json = (x: unknown) => `${JSON.stringify(x, null, 2)}\n`;

/** Which protocol an export writes: 0.58.0's (the default) or 0.166.0's, with or without its experimental parts. */
export interface ExportOptions {
  protocol?: "0.58" | "0.166";
  /** 0.166 only: include what 0.166.0 exports only with `--experimental`. */
  experimental?: boolean;
}

/**
 * `generate-json-schema`: the bundle plus one file per top-level message type at the root and one per
 * request/response/notification type under `v1/` and `v2/`, as 0.58.0 lays them out (with `protocol: "0.166"`,
 * as 0.166.0 does: `schemaFiles0166`). Returns the files written.
 */
export async function writeJsonSchemas(outDir: string, o: ExportOptions = {}): Promise<string[]> {
  const files: [string, unknown][] = o.protocol === "0.166" ? schemaFiles0166(o) : schemaFiles058();
  for (const [rel, content] of files) await writeFileAtomic(join(outDir, rel), json(content));
  return files.map(([rel]) => rel);
}

function schemaFiles058(): [string, unknown][] {
  const bundle = buildBundle();
  const files: [string, unknown][] = [[BUNDLE_FILE, bundle]];
  for (const name of TOP_LEVEL_FILES) files.push([`${name}.json`, standalone(bundle, name, "v1")]);
  const { v1, v2 } = namespaceFiles();
  for (const name of v1) files.push([`v1/${name}.json`, standalone(bundle, name, "v1")]);
  for (const name of v2) files.push([`v2/${name}.json`, standalone(bundle, name, "v2")]);
  return files;
}
