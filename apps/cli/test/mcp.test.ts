import { spawnSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { REFERENCE_CODEX_BIN, tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const referenceBin = REFERENCE_CODEX_BIN;
if (!referenceBin) console.error("mcp CLI: comparisons with the real codex skipped (no CODEX_REFERENCE_BIN)");

let home: string;
beforeEach(async () => {
  home = await tempDir("codex-mcp-cli-");
});
afterEach(async () => {});

function ours(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], {
    encoding: "utf8",
    env: { ...process.env, CODEX_HOME: home },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function real(...args: string[]) {
  const r = spawnSync(referenceBin as string, args, {
    encoding: "utf8",
    env: { ...process.env, CODEX_HOME: home },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const configText = () => readFile(join(home, "config.toml"), "utf8");

const SAMPLE = [
  "# my servers",
  'model = "o3" # keep me',
  "",
  "[mcp_servers.docs]",
  'command = "npx"',
  'args = ["-y", "@x/server", "--flag"]',
  "",
  "[mcp_servers.docs.env]",
  'A = "2"',
  'FOO = "1"',
  "",
  "[mcp_servers.off]",
  'command = "x"',
  "enabled = false",
  "startup_timeout_ms = 2500",
  "",
  "[mcp_servers.web]",
  'url = "http://127.0.0.1:9/mcp"',
  'bearer_token_env_var = "TOK"',
  "",
].join("\n");

describe("codex mcp", () => {
  it("lists nothing helpfully", () => {
    const r = ours("mcp", "list");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("No MCP servers configured yet. Try `codex mcp add my-tool -- my-command`.\n");
  });

  it("adds stdio and HTTP servers, keeping comments, and removes them", async () => {
    await writeFile(join(home, "config.toml"), '# top comment\nmodel = "o3" # keep\n');
    expect(ours("mcp", "add", "docs", "--env", "FOO=1", "--env", "A=2", "--", "npx", "-y", "x").stdout).toBe(
      "Added global MCP server 'docs'.\n",
    );
    expect(
      ours("mcp", "add", "web", "--url", "http://127.0.0.1:9/mcp", "--bearer-token-env-var", "TOK").code,
    ).toBe(0);
    expect(await configText()).toBe(
      [
        "# top comment",
        'model = "o3" # keep',
        "",
        "[mcp_servers.docs]",
        'command = "npx"',
        'args = ["-y", "x"]',
        "",
        "[mcp_servers.docs.env]",
        'A = "2"',
        'FOO = "1"',
        "",
        "[mcp_servers.web]",
        'url = "http://127.0.0.1:9/mcp"',
        'bearer_token_env_var = "TOK"',
        "",
      ].join("\n"),
    );
    expect(ours("mcp", "remove", "docs").stdout).toBe("Removed global MCP server 'docs'.\n");
    expect(ours("mcp", "rm", "web").code).toBe(0);
    expect(await configText()).toBe('# top comment\nmodel = "o3" # keep\n');
  });

  it("refuses bad input with clear messages, non-zero exits and the config untouched", async () => {
    await writeFile(join(home, "config.toml"), SAMPLE);
    const cases: [string[], number, string][] = [
      [
        ["mcp", "add", "bad name", "--", "x"],
        1,
        "Error: invalid server name 'bad name' (use letters, numbers, '-', '_')",
      ],
      [["mcp", "add", "", "--", "x"], 1, "invalid server name ''"],
      [["mcp", "add", "docs", "--", "y"], 1, "MCP server 'docs' already exists"],
      [["mcp", "add", "x", "--env", "NOEQ", "--", "y"], 2, "environment entries must be in KEY=VALUE form"],
      [["mcp", "add", "x", "--env", "=v", "--", "y"], 2, "environment entries must be in KEY=VALUE form"],
      [
        ["mcp", "add", "x", "--url", "http://127.0.0.1:1", "--", "y"],
        2,
        "--url cannot be used with a command",
      ],
      [["mcp", "add", "x", "--bearer-token-env-var", "T", "--", "y"], 2, "requires --url"],
      [["mcp", "add", "x", "--url", "http://127.0.0.1:1", "--env", "A=1"], 1, "Error: command is required"],
      [["mcp", "add", "x"], 2, "a command (after --) or --url is required"],
      [["mcp", "remove", "nope"], 1, "Error: No MCP server named 'nope' found."],
      [["mcp", "get", "nope"], 1, "Error: No MCP server named 'nope' found."],
    ];
    for (const [args, code, message] of cases) {
      const r = ours(...args);
      expect(r.code, args.join(" ")).toBe(code);
      expect(r.stderr, args.join(" ")).toContain(message);
    }
    expect(await configText()).toBe(SAMPLE);
  });

  it("reports a broken config.toml instead of crashing", async () => {
    await writeFile(join(home, "config.toml"), "model = =\n");
    const r = ours("mcp", "list");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(home, "config.toml")}:1:`);
  });

  it("applies -c overrides to what it lists", () => {
    const r = ours("-c", 'mcp_servers.tmp.command="echo"', "mcp", "list", "--json");
    expect(JSON.parse(r.stdout)).toMatchObject([
      { name: "tmp", transport: { type: "stdio", command: "echo" } },
    ]);
  });
});

describe.skipIf(!referenceBin)("codex mcp output matches the real codex 0.58.0", () => {
  beforeEach(async () => {
    await writeFile(join(home, "config.toml"), SAMPLE);
  });

  for (const args of [
    ["mcp", "list"],
    ["mcp", "get", "docs"],
    ["mcp", "get", "web"],
    ["mcp", "get", "off"],
  ]) {
    it(args.join(" "), () => {
      const mine = ours(...args);
      const theirs = real(...args);
      expect(mine.code).toBe(theirs.code);
      expect(mine.stdout).toBe(theirs.stdout);
    });
  }

  for (const args of [
    ["mcp", "list", "--json"],
    ["mcp", "get", "docs", "--json"],
  ]) {
    it(args.join(" "), () => {
      // 0.58.0 prints env maps in hash order; compare as data.
      expect(JSON.parse(ours(...args).stdout)).toEqual(JSON.parse(real(...args).stdout));
    });
  }

  it("add writes the same config.toml as the real codex", async () => {
    await writeFile(join(home, "config.toml"), 'model = "o3"\n');
    real("mcp", "add", "docs", "--env", "FOO=1", "--env", "A=2", "--", "npx", "-y", "x");
    real("mcp", "add", "web", "--url", "http://127.0.0.1:9/mcp", "--bearer-token-env-var", "TOK");
    const theirs = await configText();
    await writeFile(join(home, "config.toml"), 'model = "o3"\n');
    ours("mcp", "add", "docs", "--env", "FOO=1", "--env", "A=2", "--", "npx", "-y", "x");
    ours("mcp", "add", "web", "--url", "http://127.0.0.1:9/mcp", "--bearer-token-env-var", "TOK");
    expect(await configText()).toBe(theirs);
  });
});
