import { isAscii } from "node:buffer";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import Module from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { asciiBundle } from "../build/ascii-bundle.js";
import { BUNDLE_ID_PLACEHOLDER, writeBundleId } from "../build/bundle-id.js";
import { CACHE_GROWTH_TO_REWRITE, loadBundle } from "../src/launch/code-cache.js";
import { readWrappedSource } from "../src/launch/wrapped-source.js";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "codex-code-cache-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A CommonJS bundle whose answer shows which source ran, in a directory of its own. V8 keeps what it compiled per
 * source and file name for the life of the process (and then never looks at a cache), so a test that needs the
 * cache to be read loads a bundle V8 has not seen under that name.
 */
function writeBundle(where: string, op: "+" | "-", tag = "0"): string {
  fs.mkdirSync(path.join(dir, where), { recursive: true });
  const file = path.join(dir, where, "bundle.cjs");
  fs.writeFileSync(file, `"use strict";\nmodule.exports = { calc: (a, b) => a ${op} b, tag: ${tag} };\n`);
  return file;
}

/** A bundle of the given source in a directory of its own (see `writeBundle`). */
function writeSource(where: string, source: string): string {
  fs.mkdirSync(path.join(dir, where), { recursive: true });
  const file = path.join(dir, where, "bundle.cjs");
  fs.writeFileSync(file, source);
  return file;
}

type Calc = { calc(a: number, b: number): number; tag: number };
const noHome = { XDG_CACHE_HOME: "relative/so/unused", HOME: "" };

function cacheFiles(where: string): string[] {
  return fs.existsSync(where) ? fs.readdirSync(where).sort() : [];
}

function onlyCacheFile(bundle: string): string {
  const cacheDir = path.join(path.dirname(bundle), ".code-cache");
  const names = cacheFiles(cacheDir);
  expect(names).toHaveLength(1);
  return path.join(cacheDir, names[0] as string);
}

describe("loadBundle", () => {
  it("evaluates the bundle like require and writes its cache; the same bundle elsewhere runs from it", () => {
    const file = writeBundle("a", "+");
    const first = loadBundle(file, { env: noHome });
    expect(first.cache).toBe("miss");
    expect((first.exports as Calc).calc(2, 3)).toBe(5);
    first.saveCache();
    const cached = onlyCacheFile(file);
    expect(path.basename(cached)).toMatch(
      /^bundle\.cjs\.[0-9a-f]{16}\.main\.v\d+\.\d+\.\d+-\w+(-[0-9a-f]{8})?\.bin$/,
    );
    expect(fs.statSync(path.dirname(cached)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(cached).mode & 0o777).toBe(0o600);

    // The same content under another name: V8 compiles it from the cache file.
    const copy = writeBundle("b", "+");
    fs.mkdirSync(path.join(dir, "b", ".code-cache"));
    fs.copyFileSync(cached, path.join(dir, "b", ".code-cache", path.basename(cached)));
    const second = loadBundle(copy, { env: noHome });
    expect(second.cache).toBe("hit");
    expect((second.exports as Calc).calc(2, 3)).toBe(5);
  });

  it("never runs another build's cache: a bundle of the same length with other code misses", () => {
    const file = writeBundle("a", "+");
    loadBundle(file, { env: noHome }).saveCache();
    const older = onlyCacheFile(file);
    writeBundle("a", "-");
    const changed = loadBundle(file, { env: noHome });
    expect(changed.cache).toBe("miss");
    expect((changed.exports as Calc).calc(2, 3)).toBe(-1);
    changed.saveCache();
    // The older build's file is pruned when the new one is written.
    expect(onlyCacheFile(file)).not.toBe(older);
  });

  it("compiles from source past a damaged cache file, and past one V8 refuses", () => {
    const file = writeBundle("a", "+", "1");
    loadBundle(file, { env: noHome }).saveCache();
    const cached = onlyCacheFile(file);
    const bytes = fs.readFileSync(cached);
    const header = bytes.subarray(0, bytes.indexOf(0x0a) + 1);

    const damaged = Buffer.from(bytes);
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 0xff;
    const other = writeBundle("b", "+", "1");
    fs.mkdirSync(path.join(dir, "b", ".code-cache"));
    fs.writeFileSync(path.join(dir, "b", ".code-cache", path.basename(cached)), damaged);
    const fromDamaged = loadBundle(other, { env: noHome });
    expect(fromDamaged.cache).toBe("miss");
    expect((fromDamaged.exports as Calc).calc(2, 3)).toBe(5);

    // Well-formed, but its V8 data is no code cache: V8 itself refuses it.
    const junk = Buffer.alloc(4096, 7);
    const third = writeBundle("c", "+", "1");
    fs.mkdirSync(path.join(dir, "c", ".code-cache"));
    fs.writeFileSync(
      path.join(dir, "c", ".code-cache", path.basename(cached)),
      Buffer.concat([header, createHash("sha256").update(junk).digest(), junk]),
    );
    const refused = loadBundle(third, { env: noHome });
    expect(refused.cache).toBe("rejected");
    expect((refused.exports as Calc).calc(2, 3)).toBe(5);
  });

  it("falls back to the user's cache directory when the bundle's directory cannot hold one", () => {
    const file = writeBundle("a", "+");
    fs.writeFileSync(path.join(dir, "a", ".code-cache"), "a file where the cache directory would be");
    const env = { XDG_CACHE_HOME: path.join(dir, "xdg") };
    loadBundle(file, { env }).saveCache();
    const userDir = path.join(dir, "xdg", "codex-ts", "code-cache");
    const [install] = cacheFiles(userDir);
    expect(install).toMatch(/^[0-9a-f]{16}$/);
    expect(cacheFiles(path.join(userDir, install as string))).toHaveLength(1);
  });

  it("a later run that compiled more than the cache holds writes it again; one that compiled nothing new does not", () => {
    // `grow` is compiled only when called (V8 compiles functions lazily): a first run that never calls it leaves a
    // cache without it.
    const steps = Array.from({ length: 400 }, (_, i) => `x = (x * ${i + 3} + ${i}) % 1000003;`).join("\n");
    const source = `"use strict";\nmodule.exports = { small: () => 1, grow: (x) => {\n${steps}\nreturn x;\n} };\n`;
    type Growing = { small(): number; grow(x: number): number };
    const copyWithCache = (from: string, to: string): string => {
      const file = writeSource(to, source);
      fs.mkdirSync(path.join(dir, to, ".code-cache"));
      fs.copyFileSync(from, path.join(dir, to, ".code-cache", path.basename(from)));
      return file;
    };
    const first = loadBundle(writeSource("a", source), { env: noHome });
    expect((first.exports as Growing).small()).toBe(1);
    first.saveCache();
    const initial = onlyCacheFile(path.join(dir, "a", "bundle.cjs"));

    const second = loadBundle(copyWithCache(initial, "b"), { env: noHome });
    expect(second.cache).toBe("hit");
    const expected = (second.exports as Growing).grow(7);
    second.saveCacheIfGrown();
    const grown = onlyCacheFile(path.join(dir, "b", "bundle.cjs"));
    expect(fs.statSync(grown).size).toBeGreaterThan(fs.statSync(initial).size * CACHE_GROWTH_TO_REWRITE);

    // A grown cache over the size bound is not written: the smaller one read at start stays.
    const capped = loadBundle(copyWithCache(initial, "d"), {
      env: noHome,
      maxRewriteBytes: fs.statSync(initial).size + 1,
    });
    expect(capped.cache).toBe("hit");
    expect((capped.exports as Growing).grow(7)).toBe(expected);
    capped.saveCacheIfGrown();
    expect(fs.statSync(onlyCacheFile(path.join(dir, "d", "bundle.cjs"))).size).toBe(
      fs.statSync(initial).size,
    );

    // A run from the grown cache that calls the same code compiles nothing new: the file stays as it was.
    const third = loadBundle(copyWithCache(grown, "c"), { env: noHome });
    expect(third.cache).toBe("hit");
    expect((third.exports as Growing).grow(7)).toBe(expected);
    const before = fs.readFileSync(onlyCacheFile(path.join(dir, "c", "bundle.cjs")));
    third.saveCacheIfGrown();
    expect(fs.readFileSync(onlyCacheFile(path.join(dir, "c", "bundle.cjs"))).equals(before)).toBe(true);
  });

  it("keeps one cache per variant and none when CODEX_TS_CODE_CACHE=0", () => {
    const file = writeBundle("a", "+");
    loadBundle(file, { env: noHome, variant: "app-server" }).saveCache();
    loadBundle(file, { env: noHome, variant: "cli" }).saveCache();
    const names = cacheFiles(path.join(dir, "a", ".code-cache"));
    expect(names.map((n) => n.split(".")[3])).toEqual(["app-server", "cli"]);

    const off = loadBundle(file, { env: { ...noHome, CODEX_TS_CODE_CACHE: "0" } });
    expect(off.cache).toBe("off");
    off.saveCache();
    expect(cacheFiles(path.join(dir, "a", ".code-cache"))).toEqual(names);
  });
});

describe("the codex bin (dist/codex.cjs)", () => {
  it("writes its cache on the first run and answers the same from it", () => {
    // A copy of the built package, so that this test owns the cache directory beside the bundle.
    const pkg = path.join(dir, "pkg");
    fs.mkdirSync(path.join(pkg, "dist"), { recursive: true });
    for (const f of ["codex.cjs", "cli.cjs"]) fs.copyFileSync(path.join(dist, f), path.join(pkg, "dist", f));
    fs.copyFileSync(
      fileURLToPath(new URL("../package.json", import.meta.url)),
      path.join(pkg, "package.json"),
    );
    const run = () =>
      spawnSync(process.execPath, [path.join(pkg, "dist", "codex.cjs"), "--version"], {
        encoding: "utf8",
        env: { ...process.env, ...noHome, NODE_OPTIONS: "" },
      });
    const first = run();
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    const cached = onlyCacheFile(path.join(pkg, "dist", "cli.cjs"));
    expect(path.basename(cached)).toMatch(/^cli\.cjs\.[0-9a-f]{16}\.cli\./);
    const written = fs.statSync(cached).mtimeMs;

    const second = run();
    expect(second.stderr).toBe("");
    expect(second.status).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    // A cache that was used is not written again.
    expect(fs.statSync(cached).mtimeMs).toBe(written);
  });
});

describe("the built bundle", () => {
  it("is ASCII, so the bin reads it as latin1 instead of decoding UTF-8", () => {
    expect(isAscii(fs.readFileSync(path.join(dist, "cli.cjs")))).toBe(true);
  });

  it("carries zod without its other locales, fromJSONSchema or the z.core namespace (build/zod-trimmed.ts)", () => {
    // Minified: no comments name the bundle's modules (its source map lists them), and long strings are cut with
    // line continuations.
    const bundle = fs.readFileSync(path.join(dist, "cli.cjs"), "latin1").replaceAll("\\\n", "");
    const sources = (
      JSON.parse(fs.readFileSync(path.join(dist, "cli.cjs.map"), "utf8")) as { sources: string[] }
    ).sources.join("\n");
    expect(sources).toContain("zod/v4/locales/en.js");
    expect(sources).not.toContain("zod/v4/locales/de.js");
    expect(sources).not.toContain("zod/v4/classic/from-json-schema.js");
    expect(bundle).toContain("z.fromJSONSchema is not included in the codex bundle");
    // zod's core is bundled (its schemas are), but `z` carries no getter for core's namespace object.
    expect(sources).toContain("zod/v4/core/schemas.js");
    expect(bundle).toMatch(/\bcore_exports\d*\b/);
    expect(bundle).not.toMatch(/\bcore: ?\(\) ?=> ?core_exports\d*\b/);
  });

  it("is minified: its source, held for the whole process, carries no indentation or comments", () => {
    const bundle = fs.readFileSync(path.join(dist, "cli.cjs"), "latin1");
    const lines = bundle.split("\n");
    // Lines are cut at ~120 characters (tsup.config.ts), strings with line continuations; few are indented.
    expect(lines.filter((l) => l.length > 1000)).toEqual([]);
    expect(lines.filter((l) => /^\s{2}/.test(l)).length).toBeLessThan(lines.length / 20);
    // An unminified build is well over 3 MB; this one grows with the features (2.2 MB with 0.166's fs/*, command/exec,
    // MCP OAuth and the exec policy; 2.42 MB with plugins, agent-config migration, search and the live-thread and
    // MCP methods; 2.70 MB with the approvals reviewer and sub-agents).
    expect(bundle.length).toBeLessThan(2_900_000);
  });

  it("asciiBundle escapes what is not ASCII and the program stays the same", async () => {
    const file = writeBundle("ascii", "+");
    const source = [
      '"use strict";',
      "// a comment \u2014 with a dash and an arrow \u2192",
      'module.exports = { text: "caf\u00e9 \ud83d\ude00", re: /\u2014+/.test("\u2014\u2014"), ["\u00e9t\u00e9"]: 1 };',
    ].join("\n");
    fs.writeFileSync(file, source);
    const before = loadBundle(file, { env: { CODEX_TS_CODE_CACHE: "0" } }).exports;
    expect(await asciiBundle(file)).toBe(10);
    expect(isAscii(fs.readFileSync(file))).toBe(true);
    fs.renameSync(file, `${file}.ascii.cjs`);
    const after = loadBundle(`${file}.ascii.cjs`, { env: { CODEX_TS_CODE_CACHE: "0" } }).exports;
    expect(after).toEqual(before);
    expect(after).toEqual({ text: "caf\u00e9 \ud83d\ude00", re: true, "\u00e9t\u00e9": 1 });
  });
});

describe("the recorded build id", () => {
  it("names the cache without hashing the bundle, and an edited bundle still misses", () => {
    const file = writeBundle("a", "+");
    const id = createHash("sha256").update(fs.readFileSync(file)).digest("hex");
    const first = loadBundle(file, { env: noHome, buildId: id });
    expect(first.cache).toBe("miss");
    first.saveCache();
    const cached = onlyCacheFile(file);
    expect(loadBundle(writeBundleCopy(file, "a2"), { env: noHome, buildId: id }).cache).toBe("miss");
    // Edited after the build, same length, the recorded id unchanged: the bundle's mtime names another cache.
    writeBundle("a", "-");
    fs.utimesSync(file, new Date(2001, 0, 1), new Date(2001, 0, 1));
    const edited = loadBundle(file, { env: noHome, buildId: id });
    expect(edited.cache).toBe("miss");
    expect((edited.exports as Calc).calc(2, 3)).toBe(-1);
    edited.saveCache();
    expect(onlyCacheFile(file)).not.toBe(cached);
  });

  it("is the SHA-256 of dist/cli.cjs, written into dist/codex.cjs by the build", () => {
    const id = createHash("sha256")
      .update(fs.readFileSync(path.join(dist, "cli.cjs")))
      .digest("hex");
    const launcher = fs.readFileSync(path.join(dist, "codex.cjs"), "utf8");
    expect(launcher).toContain(`"${id}"`);
    expect(launcher).not.toContain(JSON.stringify(BUNDLE_ID_PLACEHOLDER));
  });

  it("writeBundleId refuses a launcher without the placeholder", async () => {
    const bundle = writeBundle("w", "+");
    const launcher = path.join(dir, "w", "launcher.cjs");
    fs.writeFileSync(launcher, `const id = ${JSON.stringify(BUNDLE_ID_PLACEHOLDER)};\n`);
    const id = await writeBundleId(launcher, bundle);
    expect(fs.readFileSync(launcher, "utf8")).toBe(`const id = "${id}";\n`);
    await expect(writeBundleId(launcher, bundle)).rejects.toThrow(/no ".*" to replace/);
  });

  it("writeBundleId finds the placeholder cut by a line continuation (the minified build's lineLimit)", async () => {
    const bundle = writeBundle("wc", "+");
    const launcher = path.join(dir, "wc", "launcher.cjs");
    const quoted = JSON.stringify(BUNDLE_ID_PLACEHOLDER);
    fs.writeFileSync(launcher, `const id = ${quoted.slice(0, 20)}\\\n${quoted.slice(20)};\n`);
    const id = await writeBundleId(launcher, bundle);
    expect(fs.readFileSync(launcher, "utf8")).toBe(`const id = "${id}";\n`);
  });
});

/** The bundle at `file` copied to a directory of its own (V8 has not compiled it under that name). */
function writeBundleCopy(file: string, where: string): string {
  fs.mkdirSync(path.join(dir, where), { recursive: true });
  const copy = path.join(dir, where, "bundle.cjs");
  fs.copyFileSync(file, copy);
  return copy;
}

describe("readWrappedSource", () => {
  it("gives the source as Module.wrap wraps it, ASCII or not, with the file's bytes and mtime", () => {
    for (const text of [
      'module.exports = "plain";\n',
      'module.exports = "caf\u00e9 \u2014 \ud83d\ude00";\n',
      "",
    ]) {
      const file = path.join(dir, `source-${text.length}.cjs`);
      fs.writeFileSync(file, text);
      const read = readWrappedSource(file);
      expect(read.code).toBe(Module.wrap(text));
      expect(read.bytes.equals(Buffer.from(text))).toBe(true);
      expect(read.mtimeMs).toBe(fs.statSync(file).mtimeMs);
    }
  });
});
