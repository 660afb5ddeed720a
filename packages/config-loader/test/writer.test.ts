import { spawn } from "node:child_process";
import { chmod, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { parse } from "smol-toml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigWriter, loadConfig } from "../src/index.js";

let home: string;
let writer: ConfigWriter;
const configPath = () => join(home, "config.toml");
const read = () => readFile(configPath(), "utf8");

beforeEach(async () => {
  home = await tempDir("codex-writer-");
  writer = new ConfigWriter(home);
});
afterEach(async () => {});

describe("ConfigWriter", () => {
  it("creates config.toml with mode 0600", async () => {
    expect(await writer.apply([{ type: "setModel", model: "o3", effort: "high" }])).toBe(true);
    expect(parse(await read())).toEqual({ model: "o3", model_reasoning_effort: "high" });
    expect((await stat(configPath())).mode & 0o777).toBe(0o600);
  });

  it("keeps comments, key order and formatting", async () => {
    const original = [
      "# keep this header",
      'model = "a"   # trailing comment',
      "approval_policy = 'never'",
      "",
      "# about tui",
      "[tui]",
      "notifications = true",
      "",
    ].join("\n");
    await writeFile(configPath(), original);
    await writer.apply([{ type: "setModel", model: "gpt-5.1", effort: null }]);
    const text = await read();
    expect(text).toContain("# keep this header");
    expect(text).toContain("# trailing comment");
    expect(text).toContain("# about tui");
    expect(text).toContain("approval_policy = 'never'");
    expect(text.indexOf("model")).toBeLessThan(text.indexOf("approval_policy"));
    expect(parse(text).model).toBe("gpt-5.1");
  });

  it("scopes setModel to the active profile and removes keys set to null", async () => {
    await writeFile(
      configPath(),
      '# keep\nprofile = "fast"\n\n[profiles.fast]\nmodel = "old"\nmodel_reasoning_effort = "low"\n',
    );
    await writer.apply([{ type: "setModel", model: "gpt-5.1", effort: "high" }]);
    let cfg = parse(await read()) as { profiles: { fast: Record<string, unknown> }; model?: string };
    expect(cfg.profiles.fast).toEqual({ model: "gpt-5.1", model_reasoning_effort: "high" });
    expect(cfg.model).toBeUndefined();
    await writer.apply([{ type: "setModel", model: null, effort: null }]);
    cfg = parse(await read()) as typeof cfg;
    expect(cfg.profiles.fast).toEqual({});
    expect(await read()).toContain("# keep");
  });

  it("sets and clears dotted paths; clearing never creates tables", async () => {
    await writer.apply([{ type: "setPath", path: ["features", "web_search_request"], value: true }]);
    expect(parse(await read())).toEqual({ features: { web_search_request: true } });
    expect(await writer.apply([{ type: "clearPath", path: ["nope", "deeper"] }])).toBe(false);
    await writer.apply([{ type: "clearPath", path: ["features", "web_search_request"] }]);
    expect(parse(await read())).toEqual({ features: {} });
  });

  it("replaces MCP servers with sorted standard tables in Codex's key order", async () => {
    await writeFile(configPath(), '# top comment\nmodel = "o3" # keep\n\n[mcp_servers.old]\ncommand = "x"\n');
    await writer.apply([
      {
        type: "replaceMcpServers",
        servers: {
          web: {
            transport: { type: "streamable_http", url: "http://127.0.0.1:9/mcp", bearerTokenEnvVar: "TOK" },
            enabled: true,
          },
          docs: {
            transport: {
              type: "stdio",
              command: "npx",
              args: ["-y", "x"],
              env: { B: "2", A: "1" },
              envVars: [],
            },
            enabled: false,
            startupTimeoutSec: 20,
          },
        },
      },
    ]);
    expect(await read()).toBe(
      [
        "# top comment",
        'model = "o3" # keep',
        "",
        "[mcp_servers.docs]",
        'command = "npx"',
        'args = ["-y", "x"]',
        "enabled = false",
        "startup_timeout_sec = 20.0",
        "",
        "[mcp_servers.docs.env]",
        'A = "1"',
        'B = "2"',
        "",
        "[mcp_servers.web]",
        'url = "http://127.0.0.1:9/mcp"',
        'bearer_token_env_var = "TOK"',
        "",
      ].join("\n"),
    );
    const loaded = await loadConfig({ codexHome: home, managed: { configPath: null }, env: {} });
    expect(Object.keys(loaded.mcpServers)).toEqual(["docs", "web"]);
    await writer.apply([{ type: "replaceMcpServers", servers: {} }]);
    expect(parse(await read())).toEqual({ model: "o3" });
  });

  it("keeps a server's per-tool approval modes when the servers are replaced", async () => {
    await writer.apply([
      {
        type: "replaceMcpServers",
        servers: {
          docs: {
            transport: { type: "stdio", command: "x", args: [], envVars: [] },
            enabled: true,
            toolApprovalModes: { search: "prompt", delete: "approve" },
          },
        },
      },
    ]);
    expect(await read()).toBe(
      [
        "[mcp_servers.docs]",
        'command = "x"',
        "",
        "[mcp_servers.docs.tools.delete]",
        'approval_mode = "approve"',
        "",
        "[mcp_servers.docs.tools.search]",
        'approval_mode = "prompt"',
        "",
      ].join("\n"),
    );
    const loaded = await loadConfig({ codexHome: home, managed: { configPath: null }, env: {} });
    expect(loaded.mcpServers.docs?.toolApprovalModes).toEqual({ delete: "approve", search: "prompt" });
  });

  it("sets a value only where none is set: never replacing one, never through a non-table", async () => {
    await writeFile(
      configPath(),
      '# mine\nsandbox_mode = "read-only"\nx = 1\n[mcp_servers.a]\ncommand = "mine"\n',
    );
    const changed = await writer.apply([
      { type: "setIfAbsent", path: ["sandbox_mode"], value: "workspace-write" },
      { type: "setIfAbsent", path: ["mcp_servers", "a"], value: { command: "theirs" } },
      { type: "setIfAbsent", path: ["mcp_servers", "b"], value: { command: "b" } },
      { type: "setIfAbsent", path: ["x", "y"], value: 2 },
      { type: "setIfAbsent", path: ["shell_environment_policy", "set"], value: { A: "1" } },
    ]);
    expect(changed).toBe(true);
    const text = await read();
    expect(text.startsWith("# mine\n")).toBe(true);
    expect(parse(text)).toEqual({
      sandbox_mode: "read-only",
      x: 1,
      mcp_servers: { a: { command: "mine" }, b: { command: "b" } },
      shell_environment_policy: { set: { A: "1" } },
    });
    expect(await writer.apply([{ type: "setIfAbsent", path: ["x"], value: 3 }])).toBe(false);
  });

  it("leaves the file untouched on a syntax error", async () => {
    await writeFile(configPath(), "model = = 1\n");
    await expect(writer.apply([{ type: "setModel", model: "x", effort: null }])).rejects.toThrow(
      /config\.toml:1:/,
    );
    expect(await read()).toBe("model = = 1\n");
  });

  it("keeps the file's mode and leaves no temp files", async () => {
    await writeFile(configPath(), 'model = "a"\n');
    await chmod(configPath(), 0o640);
    await writer.apply([{ type: "setModel", model: "b", effort: null }]);
    expect((await stat(configPath())).mode & 0o777).toBe(0o640);
    expect(await readdir(home)).toEqual(["config.toml"]);
  });

  it("does not write when nothing changes", async () => {
    await writeFile(configPath(), 'model = "same"\n');
    const before = (await stat(configPath())).mtimeMs;
    expect(await writer.apply([{ type: "setPath", path: ["model"], value: "same" }])).toBe(false);
    expect((await stat(configPath())).mtimeMs).toBe(before);
  });

  it("loses no edit when many writers in one process race", async () => {
    const writers = Array.from({ length: 4 }, () => new ConfigWriter(home));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        writers[i % 4]!.apply([{ type: "setPath", path: ["keys", `k${i}`], value: i }]),
      ),
    );
    const keys = (parse(await read()) as { keys: Record<string, number> }).keys;
    expect(Object.keys(keys)).toHaveLength(20);
  });

  it("loses no edit when two processes write at once", async () => {
    const moduleUrl = new URL("../dist/index.js", import.meta.url).href;
    const script = (prefix: string) => `
      const { ConfigWriter } = await import(${JSON.stringify(moduleUrl)});
      const w = new ConfigWriter(${JSON.stringify(home)});
      for (let i = 0; i < 10; i++) await w.apply([{ type: "setPath", path: ["${prefix}", "k" + i], value: i }]);
    `;
    const run = (prefix: string) =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, ["--input-type=module", "-e", script(prefix)], {
          stdio: "inherit",
        });
        child.on("error", reject);
        child.on("exit", (code) => resolve(code ?? -1));
      });
    expect(await Promise.all([run("a"), run("b")])).toEqual([0, 0]);
    const cfg = parse(await read()) as Record<string, Record<string, number>>;
    expect(Object.keys(cfg.a!)).toHaveLength(10);
    expect(Object.keys(cfg.b!)).toHaveLength(10);
  });
});
