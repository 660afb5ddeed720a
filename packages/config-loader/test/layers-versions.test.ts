import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "smol-toml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ConfigError,
  ConfigVersionConflictError,
  ConfigWriter,
  canonicalJson,
  checkConfigTable,
  configVersion,
  readConfigLayers,
} from "../src/index.js";

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "codex-layers-"));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("readConfigLayers", () => {
  it("lists every layer lowest first with its kind and file; a missing config.toml is an empty user layer", async () => {
    const managed = join(home, "managed.toml");
    await writeFile(managed, 'model = "m"\n');
    const prefs = Buffer.from('approval_policy = "never"\n').toString("base64");
    const layers = await readConfigLayers({
      codexHome: home,
      cliOverrides: [["features.x", true]],
      requestOverrides: { model: "r" },
      managed: { configPath: managed, preferencesBase64: () => prefs },
    });
    expect(layers.map((l) => [l.kind, l.file ?? null, { ...l.table }])).toEqual([
      ["user", join(home, "config.toml"), {}],
      ["sessionFlags", null, { features: { x: true } }],
      ["request", null, { model: "r" }],
      ["legacyManagedConfigTomlFromFile", managed, { model: "m" }],
      ["legacyManagedConfigTomlFromMdm", null, { approval_policy: "never" }],
    ]);
  });
});

describe("configVersion", () => {
  it("is sha256 of the table as compact JSON with sorted keys, as codex 0.166.0 reports it", () => {
    // The empty table's version is the well-known digest of "{}" that 0.166.0 reports for an empty layer.
    expect(configVersion({})).toBe("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    const table = { z: 1, a: { y: [1, "x"], b: true } };
    expect(canonicalJson(table)).toBe('{"a":{"b":true,"y":[1,"x"]},"z":1}');
    const digest = createHash("sha256").update('{"a":{"b":true,"y":[1,"x"]},"z":1}').digest("hex");
    expect(configVersion(table)).toBe(`sha256:${digest}`);
    // Comments and layout do not change it; only the settings do.
    expect(configVersion(parse("# c\nz = 1\n[a]\nb = true\ny = [1, 'x']\n"))).toBe(configVersion(table));
  });
});

describe("ConfigWriter.write", () => {
  const path = () => join(home, "config.toml");

  it("replaces, upserts and removes values, keeps comments, and reports the new version", async () => {
    await writeFile(
      path(),
      '# keep me\nmodel = "a"\n[model_providers.p]\nname = "P"\nbase_url = "http://x"\n',
    );
    const writer = new ConfigWriter(home);
    const r = await writer.write([
      { type: "writeValue", path: ["model"], value: "b", merge: "replace" },
      { type: "writeValue", path: ["model_providers", "p"], value: { name: "Q" }, merge: "upsert" },
      { type: "writeValue", path: ["features", "x"], value: true, merge: "replace" },
    ]);
    const text = await readFile(path(), "utf8");
    expect(text).toContain("# keep me");
    expect(parse(text)).toEqual({
      model: "b",
      model_providers: { p: { name: "Q", base_url: "http://x" } },
      features: { x: true },
    });
    expect(r).toMatchObject({ changed: true, version: configVersion(parse(text)) });
    await writer.write([
      { type: "writeValue", path: ["model_providers", "p"], value: { name: "R" }, merge: "replace" },
      { type: "writeValue", path: ["model"], value: null, merge: "replace" },
    ]);
    expect(parse(await readFile(path(), "utf8"))).toEqual({
      model_providers: { p: { name: "R" } },
      features: { x: true },
    });
  });

  it("refuses a stale expectedVersion, a non-table parent and an invalid result, writing nothing", async () => {
    await writeFile(path(), 'model = "a"\n');
    const writer = new ConfigWriter(home);
    const before = await readFile(path(), "utf8");
    const version = configVersion(parse(before));
    await expect(
      writer.write([{ type: "writeValue", path: ["model"], value: "b", merge: "replace" }], {
        expectedVersion: "sha256:stale",
      }),
    ).rejects.toBeInstanceOf(ConfigVersionConflictError);
    await expect(
      writer.write([{ type: "writeValue", path: ["model", "x"], value: 1, merge: "replace" }]),
    ).rejects.toThrow("cannot set value on non-table parent");
    await expect(
      writer.write(
        [
          { type: "writeValue", path: ["model"], value: "c", merge: "replace" },
          { type: "writeValue", path: ["approval_policy"], value: "sometimes", merge: "replace" },
        ],
        { validate: (t) => checkConfigTable(t, path()) },
      ),
    ).rejects.toBeInstanceOf(ConfigError);
    expect(await readFile(path(), "utf8")).toBe(before);
    const ok = await writer.write([{ type: "writeValue", path: ["model"], value: "d", merge: "replace" }], {
      expectedVersion: version,
    });
    expect(ok.changed).toBe(true);
  });
});
