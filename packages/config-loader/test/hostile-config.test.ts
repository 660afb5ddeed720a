import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, ConfigWriter, loadConfig, MAX_CONFIG_NESTING } from "../src/index.js";

// Issue 14 row 20 (config part), row 1 (the schema bound), rows 5/6 (instruction files), issue 21 row 10: config
// no client or file can turn into a crash, a hang or Node's internal error text.

let home: string;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "codex-hostile-config-"));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

function load(opts: Parameters<typeof loadConfig>[0] = {}) {
  return loadConfig({ codexHome: home, managed: { configPath: null }, env: {}, ...opts });
}

/** The ConfigError a load fails with (a RangeError or TypeError fails the test). */
async function configError(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as Error).message;
}

/** JSON nested `depth` levels (built as text: JSON.stringify itself cannot nest that deep). */
function deepJson(depth: number, open: string, close: string, leaf = "1"): unknown {
  return JSON.parse(open.repeat(depth) + leaf + close.repeat(depth));
}

describe("request config values", () => {
  it("nested 20,000 deep: a ConfigError naming the key, not a stack overflow", async () => {
    expect(await configError(load({ requestOverrides: { model: deepJson(20_000, "[", "]") } }))).toBe(
      `request config: invalid value for \`model\`: nested deeper than ${MAX_CONFIG_NESTING} levels`,
    );
    expect(await configError(load({ requestOverrides: { x: deepJson(20_000, '{"a":', "}") } }))).toBe(
      `request config: invalid value for \`x\`: nested deeper than ${MAX_CONFIG_NESTING} levels`,
    );
    const dotted = Array.from({ length: 20_000 }, () => "a").join(".");
    expect(await configError(load({ requestOverrides: { [dotted]: 1 } }))).toMatch(
      /^request config: invalid value for `a\.a\.a.*`: nested deeper than 64 levels$/,
    );
    // Real nesting still loads.
    const ok = await load({ requestOverrides: { profiles: { p: { features: { x: true } } } } });
    expect(ok.raw.profiles).toEqual({ p: { features: { x: true } } });
  });

  it('a lone surrogate ("\\ud800") in a value, a key or a typed field is refused naming it', async () => {
    expect(await configError(load({ requestOverrides: { model: "\ud800" } }))).toBe(
      "request config: invalid value for `model`: string is not valid Unicode (lone surrogate U+D800 at index 0); TOML cannot store it",
    );
    expect(await configError(load({ requestOverrides: { notify: ["ok", "x\udc00"] } }))).toMatch(
      /^request config: invalid value for `notify\.1`: .*U\+DC00 at index 1/,
    );
    expect(await configError(load({ requestOverrides: { "a\ud800": 1 } }))).toMatch(
      /^request config: invalid key `a\\ud800`: string is not valid Unicode/,
    );
    expect(await configError(load({ overrides: { model: "\ud800" } }))).toMatch(
      /^invalid value for `model`: string is not valid Unicode/,
    );
    // Paired surrogates are ordinary characters.
    expect((await load({ overrides: { model: "m-😀" } })).model).toBe("m-😀");
  });

  it("`writable_roots: [[1]]` names the field", async () => {
    expect(
      await configError(
        load({
          requestOverrides: {
            sandbox_mode: "workspace-write",
            sandbox_workspace_write: { writable_roots: [[1]] },
          },
        }),
      ),
    ).toBe(
      "request config: invalid value for `sandbox_workspace_write.writable_roots.0`: Invalid input: expected string, received array",
    );
  });

  it("project_doc_max_bytes is bounded (2^31 once aborted the process)", async () => {
    expect(await configError(load({ requestOverrides: { project_doc_max_bytes: 2 ** 31 } }))).toBe(
      "request config: invalid value for `project_doc_max_bytes`: Too big: expected number to be <=1048576",
    );
    expect(
      (await load({ requestOverrides: { project_doc_max_bytes: 1024 * 1024 } })).projectDocMaxBytes,
    ).toBe(1024 * 1024);
  });

  it("max_turn_requests: 1000 by default, a positive integer up to 1,000,000 when set, else a config error", async () => {
    expect((await load({})).maxTurnRequests).toBe(1000);
    expect((await load({ requestOverrides: { max_turn_requests: 5 } })).maxTurnRequests).toBe(5);
    expect(await configError(load({ requestOverrides: { max_turn_requests: 0 } }))).toBe(
      "request config: invalid value for `max_turn_requests`: Too small: expected number to be >0",
    );
    expect(await configError(load({ requestOverrides: { max_turn_requests: 2 ** 40 } }))).toBe(
      "request config: invalid value for `max_turn_requests`: Too big: expected number to be <=1000000",
    );
  });

  it("a cwd that is a FIFO or a file is refused; one that does not exist yet is accepted (as 0.58.0)", async () => {
    const fifo = join(home, "fifo");
    execFileSync("mkfifo", [fifo]);
    expect(await configError(load({ overrides: { cwd: fifo } }))).toBe(
      `invalid value for \`cwd\`: ${fifo} is not a directory`,
    );
    expect(await configError(load({ overrides: { cwd: "/a\0b" } }))).toBe(
      "invalid value for `cwd`: the path contains a NUL byte",
    );
    expect((await load({ overrides: { cwd: join(home, "later") } })).cwd).toBe(join(home, "later"));
  });

  it("profile and provider names are looked up as own keys (`constructor` is not found)", async () => {
    expect(await configError(load({ overrides: { profile: "constructor" } }))).toBe(
      "config profile `constructor` not found",
    );
    expect(await configError(load({ overrides: { modelProvider: "toString" } }))).toBe(
      "Model provider `toString` not found",
    );
  });
});

describe("files named by config", () => {
  it("config.toml that is not UTF-8 is refused naming file, line and column", async () => {
    const path = join(home, "config.toml");
    await writeFile(
      path,
      Buffer.concat([Buffer.from('model = "o3"\n# caf'), Buffer.from([0xe9]), Buffer.from("\n")]),
    );
    expect(await configError(load())).toBe(
      `${path}:2:6: invalid UTF-8 (byte 0xe9 at offset 18); the file must be UTF-8`,
    );
  });

  it("experimental_instructions_file that is a FIFO, /dev/zero or a 2 GiB sparse file fails at once", async () => {
    const fifo = join(home, "fifo");
    execFileSync("mkfifo", [fifo]);
    const sparse = join(home, "sparse");
    await writeFile(sparse, "");
    await truncate(sparse, 2 ** 31);
    const started = Date.now();
    expect(await configError(load({ requestOverrides: { experimental_instructions_file: fifo } }))).toBe(
      `failed to read experimental_instructions_file ${fifo}: not a regular file (a FIFO)`,
    );
    expect(
      await configError(load({ requestOverrides: { experimental_instructions_file: "/dev/zero" } })),
    ).toBe(
      "failed to read experimental_instructions_file /dev/zero: not a regular file (a character device)",
    );
    expect(await configError(load({ requestOverrides: { experimental_compact_prompt_file: sparse } }))).toBe(
      `failed to read experimental_compact_prompt_file ${sparse}: file is too large (${2 ** 31} bytes; the limit is 1048576 bytes)`,
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("config.toml that is a FIFO is an error, not a hang", async () => {
    execFileSync("mkfifo", [join(home, "config.toml")]);
    expect(await configError(load())).toBe(
      `failed to read ${join(home, "config.toml")}: not a regular file (a FIFO)`,
    );
  });

  it("CODEX_HOME/AGENTS.md that is a FIFO counts as absent", async () => {
    execFileSync("mkfifo", [join(home, "AGENTS.md")]);
    expect((await load()).userInstructions).toBeUndefined();
  });
});

describe("ConfigWriter", () => {
  it("refuses a lone surrogate naming the key, and writes nothing", async () => {
    const writer = new ConfigWriter(home);
    await expect(writer.apply([{ type: "setModel", model: "\ud800", effort: null }])).rejects.toThrow(
      new ConfigError(
        "invalid value for `model`: string is not valid Unicode (lone surrogate U+D800 at index 0); TOML cannot store it",
      ),
    );
    await expect(
      writer.apply([{ type: "setPath", path: ["features", "x"], value: ["\udfff"] }]),
    ).rejects.toThrow(/^invalid value for `features\.x\.0`: string is not valid Unicode/);
    await expect(readFile(join(home, "config.toml"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("does not edit a config.toml that is not UTF-8 (it would have replaced the bad bytes)", async () => {
    const path = join(home, "config.toml");
    const original = Buffer.from([0x78, 0x20, 0x3d, 0x20, 0x22, 0xff, 0x22, 0x0a]);
    await writeFile(path, original);
    await expect(
      new ConfigWriter(home).apply([{ type: "setModel", model: "o3", effort: null }]),
    ).rejects.toThrow(`${path}:1:6: invalid UTF-8`);
    expect(await readFile(path)).toEqual(original);
  });
});
