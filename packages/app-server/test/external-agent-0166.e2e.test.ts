import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import type { gen0166 } from "@codex-ts/app-server-protocol";
import { parseToml } from "@codex-ts/config-loader";
import type { Message } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import {
  type Client0166,
  type Impl,
  initialize0166,
  type Request0166,
  SideBySide,
  settle,
  untyped,
} from "./helpers/side-by-side-0166.js";

/**
 * 0.166's `externalAgentConfig/*` (detect Claude Code's configuration, import it into Codex's files, the import
 * history) and the host-status methods (`server/diagnostics`, `userVerification/status`, `accountSession/list`,
 * `memory/status`) through the real CLI, side by side with the real codex 0.166.0 on a copy of the same fixture
 * when the binary is here (differences: app-server README, "External agent migration").
 */
if (!SideBySide.available) console.warn(`external-agent-0166: ${SideBySide.reason}`);
const impls: Impl[] = SideBySide.available ? ["ours", "real"] : ["ours"];

const json = (value: unknown) => JSON.stringify(value);
/** Claude Code's `${NAME}` placeholder (its MCP lists name environment variables so). */
const v = (name: string) => `\${${name}}`;

/**
 * A HOME with Claude Code's files (`~/.claude`, `~/.claude.json`) and a repository with its own (`repo/CLAUDE.md`,
 * `repo/.claude/…`, `repo/.mcp.json`); CODEX_HOME is `<root>/codex-home`, its config.toml carries a comment.
 */
async function claudeFixture(): Promise<{ codexHome: string; root: string; repo: string }> {
  const codexHome = await SideBySide.home('# my settings\nmodel = "gpt-5.5"\n', {
    ".claude/CLAUDE.md": "# Claude Code rules\nAsk claude-code, not Claude. See CLAUDE.md; keep claudeX.\n",
    ".claude/settings.json": json({
      env: { FOO: "bar", N: 3, ON: true, GONE: null, LIST: [1] },
      sandbox: { enabled: true },
      permissions: { allow: ["Bash(ls)"] },
      disabledMcpjsonServers: ["off"],
    }),
    ".claude/settings.local.json": json({ env: { LOCAL: "1" } }),
    ".claude/skills/foo/SKILL.md":
      "---\nname: foo\ndescription: Foo for Claude\n---\nUse Claude Code to foo.\n",
    ".claude/skills/foo/scripts/run.sh": "#!/bin/sh\necho claude\n",
    ".claude/skills/zed/SKILL.md": "---\nname: zed\ndescription: Zed\n---\nzed\n",
    ".claude.json": json({
      mcpServers: {
        stdio: { command: "node", args: ["server.js", "--flag"], env: { KEY: "v", TOKEN: v("TOKEN") } },
        web: {
          type: "http",
          url: "http://127.0.0.1:1/mcp",
          headers: { Authorization: `Bearer ${v("API_TOKEN")}` },
        },
        plain: { url: "http://127.0.0.1:2/mcp", headers: { "X-Team": "a", "X-Key": v("KEY_VAR") } },
        sse: { type: "sse", url: "http://127.0.0.1:3/sse" },
        templated: { command: `${v("HOME")}/bin/srv` },
        off: { command: "off" },
        numbers: { command: "srv", args: ["--port", 8080, true, null, ["x"]], env: { N: 1, B: false } },
        disabled: { command: "x", disabled: true },
      },
      projects: {},
    }),
    "repo/.git/HEAD": "ref: refs/heads/main\n",
    "repo/sub/file.txt": "x",
    "repo/CLAUDE.md": "Repo rules for claude\n",
    "repo/.claude/settings.json": json({ env: { R: "1" } }),
    "repo/.claude/skills/bar/SKILL.md": "---\nname: bar\ndescription: bar\n---\nbar\n",
    "repo/.mcp.json": json({ mcpServers: { repo: { command: "python3", args: ["-m", "srv"] } } }),
  });
  const root = path.dirname(codexHome);
  const repo = path.join(root, "repo");
  // The home state file's entry for the repository adds its servers there (names the repository has win).
  const state = JSON.parse(await fs.readFile(path.join(root, ".claude.json"), "utf8"));
  state.projects[repo] = { mcpServers: { repo: { command: "ignored" }, scoped: { command: "scoped-srv" } } };
  await fs.writeFile(path.join(root, ".claude.json"), json(state));
  return { codexHome, root, repo };
}

/** Every file under `dir` with its text, sorted; `skip` leaves out what only one implementation writes. */
async function files(dir: string, skip: (rel: string) => boolean): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const rel = path.relative(dir, path.join(entry.parentPath, entry.name));
    if (!skip(rel)) out[rel] = await fs.readFile(path.join(dir, rel), "utf8");
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Our own records and 0.166.0's databases, logs and bundled skills: not part of what an import writes. */
const notImported = (rel: string) =>
  /^codex-home\/(.*\.sqlite.*|installation_id|log\/|logs?_|skills\/\.system|tmp\/|\.tmp|external_agent_config_imports)/.test(
    rel,
  ) || rel.startsWith("codex-home/.");

/** An answer or notification as compared across servers: the fixture's root as `R`, ids and times stable. */
function comparable(value: unknown, root: string): unknown {
  return JSON.parse(
    json(value)
      .replaceAll(root, "R")
      .replace(/"importId":"[0-9a-f-]{36}"/g, '"importId":"ID"')
      .replace(/"completedAtMs":\d+/g, '"completedAtMs":"ms"'),
  );
}

interface ImportRun {
  response: Record<string, unknown>;
  notifications: unknown[];
}

/** One import: its answer and every notification about it until `completed`. */
async function runImport(
  c: Client0166,
  items: unknown[],
  more: { providerId?: string; migrationSource?: string } = {},
): Promise<ImportRun> {
  const params = { migrationItems: items, ...more };
  const response = await settle(c, untyped("externalAgentConfig/import", params));
  const importId = response.importId as string;
  const mine = (m: Message) => (m.params as { importId?: string } | undefined)?.importId === importId;
  if (items.length > 0) {
    await c.waitFor(
      (m) => m.method === "externalAgentConfig/import/completed" && mine(m),
      "import completed",
    );
  }
  const notifications = c.messages
    .filter((m) => m.method?.startsWith("externalAgentConfig/import/") && mine(m))
    .map((m) => ({ method: m.method, params: m.params }));
  return { response, notifications };
}

describe("externalAgentConfig/* on a 0.166 connection", () => {
  it("detects Claude Code's configuration and imports it as 0.166.0 does", async () => {
    const runs: Record<string, unknown>[] = [];
    for (const impl of impls) {
      const { codexHome, root, repo } = await claudeFixture();
      const c = await SideBySide.start(impl, codexHome, { home: true, cwd: root });
      await initialize0166(c);
      const detectParams = { includeHome: true, cwds: [path.join(repo, "sub"), path.join(root, "missing")] };
      const detected = await settle(c, ["externalAgentConfig/detect", detectParams]);
      const items = detected.items as gen0166.ExternalAgentConfigMigrationItem[];
      const first = await runImport(c, items);
      // Everything is in place now: nothing is detected again, and importing again changes nothing.
      const again = await settle(c, ["externalAgentConfig/detect", detectParams]);
      const second = await runImport(c, items, { providerId: "provider-1" });
      const histories = await settle(c, ["externalAgentConfig/import/readHistories", undefined]);
      const tree = await files(root, notImported);
      runs.push({
        detected: comparable(detected, root),
        first: comparable(first, root),
        again: comparable(again, root),
        second: comparable(second, root),
        histories: comparable(histories, root),
        // Config files compared by content (ours edits the file in place, keeping its comments and layout).
        configs: Object.fromEntries(
          Object.entries(tree)
            .filter(([rel]) => rel.endsWith("config.toml"))
            .map(([rel, text]) => [rel, parseToml(text, rel)]),
        ),
        // Every other file byte for byte.
        texts: comparable(
          Object.fromEntries(Object.entries(tree).filter(([rel]) => !rel.endsWith("config.toml"))),
          root,
        ),
      });
      expect(await c.close()).toMatchObject({ code: 0 });
    }
    const [ours, real] = runs;
    expect(ours?.detected).toMatchObject({
      items: [
        {
          itemType: "CONFIG",
          cwd: null,
          description: "Migrate R/.claude/settings.json into R/codex-home/config.toml",
        },
        {
          itemType: "MCP_SERVER_CONFIG",
          cwd: null,
          details: {
            mcpServers: [{ name: "numbers" }, { name: "plain" }, { name: "stdio" }, { name: "web" }],
          },
        },
        { itemType: "SKILLS", cwd: null, details: { skills: [{ name: "foo" }, { name: "zed" }] } },
        {
          itemType: "AGENTS_MD",
          cwd: null,
          description: "Migrate R/.claude/CLAUDE.md to R/codex-home/AGENTS.md",
        },
        { itemType: "CONFIG", cwd: "R/repo" },
        {
          itemType: "MCP_SERVER_CONFIG",
          cwd: "R/repo",
          details: { mcpServers: [{ name: "repo" }, { name: "scoped" }] },
        },
        { itemType: "SKILLS", cwd: "R/repo" },
        { itemType: "AGENTS_MD", cwd: "R/repo", description: "Migrate R/repo/CLAUDE.md to R/repo/AGENTS.md" },
      ],
      connectors: [],
    });
    expect(ours?.configs).toMatchObject({
      "codex-home/config.toml": {
        model: "gpt-5.5",
        sandbox_mode: "workspace-write",
        shell_environment_policy: { inherit: "core", set: { FOO: "bar", N: "3", ON: "true", LOCAL: "1" } },
        mcp_servers: {
          stdio: { command: "node", args: ["server.js", "--flag"], env_vars: ["TOKEN"], env: { KEY: "v" } },
          numbers: { command: "srv", args: ["--port", "8080", "true"], env: { N: "1", B: "false" } },
          web: { url: "http://127.0.0.1:1/mcp", bearer_token_env_var: "API_TOKEN" },
          plain: {
            url: "http://127.0.0.1:2/mcp",
            http_headers: { "X-Team": "a" },
            env_http_headers: { "X-Key": "KEY_VAR" },
          },
        },
      },
    });
    expect(ours?.texts).toMatchObject({
      "codex-home/AGENTS.md": "# Codex rules\nAsk Codex, not Codex. See AGENTS.md; keep claudeX.\n",
      ".agents/skills/foo/SKILL.md": "---\nname: foo\ndescription: Foo for Codex\n---\nUse Codex to foo.\n",
      ".agents/skills/foo/scripts/run.sh": "#!/bin/sh\necho claude\n",
    });
    expect(ours?.again).toEqual({ items: [], connectors: [] });
    if (real) expect(ours).toEqual(real);
  });

  it("answers bad sources, bad targets and bad params as 0.166.0 does, and keeps the history", async () => {
    const runs: unknown[] = [];
    for (const impl of impls) {
      const codexHome = await SideBySide.home("", {
        "r1/.claude/settings.json": "{bad",
        "r2/.claude/settings.json": "[1]",
        "r3/.claude/settings.json": json({ env: { A: "1" } }),
        "r3/.codex/config.toml": "x = = 1\n",
        "r4/.claude/skills/bad/SKILL.md": "---\nname: bad\n---\nno description\n",
        "r4/.claude/skills/linked/SKILL.md": "---\nname: linked\ndescription: d\n---\n",
        "r5/.mcp.json": json({ mcpServers: 5 }),
        "r5/.claude/settings.json": json({ env: { B: "2" } }),
        "r5/.claude/settings.local.json": "{bad",
        "r6/AGENTS.md": "already here\n",
        "r6/.claude/CLAUDE.md": "from .claude\n",
        "r7/.claude/CLAUDE.md": "  \n",
      });
      const root = path.dirname(codexHome);
      const r = (n: number) => path.join(root, `r${n}`);
      // A link in a skill is left behind, as 0.166.0 leaves it.
      await fs.symlink("SKILL.md", path.join(r(4), ".claude/skills/linked/alias.md"));
      const c = await SideBySide.start(impl, codexHome, { home: true, cwd: root });
      await initialize0166(c);
      const steps: unknown[] = [];
      for (const request of [
        ["externalAgentConfig/detect", { cwds: [r(1)] }],
        ["externalAgentConfig/detect", { cwds: [r(2)] }],
        ["externalAgentConfig/detect", { cwds: [r(3)] }],
        ["externalAgentConfig/detect", { cwds: [r(4), r(5)] }],
        [
          "externalAgentConfig/detect",
          { cwds: [r(4), r(6), r(7), "relative/missing", path.join(root, "none")] },
        ],
        ["externalAgentConfig/detect", {}],
        untyped("externalAgentConfig/detect", { includeHome: "x" }),
        untyped("externalAgentConfig/detect"),
        untyped("externalAgentConfig/import", {}),
        untyped("externalAgentConfig/import", { migrationItems: [{ itemType: "BOGUS", description: "" }] }),
        untyped("externalAgentConfig/import/recordHistory", { itemTypeResults: [] }),
      ] satisfies Request0166[]) {
        steps.push(await settle(c, request));
      }
      const imported = await runImport(c, [
        { itemType: "CONFIG", description: "", cwd: r(3) },
        { itemType: "SKILLS", description: "", cwd: r(4) },
        { itemType: "CONFIG", description: "", cwd: r(1) },
        { itemType: "AGENTS_MD", description: "", cwd: r(6) },
        { itemType: "AGENTS_MD", description: "", cwd: path.join(root, "none") },
        { itemType: "AGENTS_MD", description: "", cwd: "" },
      ]);
      // An empty import is answered and neither announced nor recorded.
      const empty = await runImport(c, []);
      const recorded = await settle(c, [
        "externalAgentConfig/import/recordHistory",
        {
          providerId: "elsewhere",
          itemTypeResults: [
            {
              itemType: "SESSIONS",
              successes: [{ itemType: "SESSIONS", source: "s.jsonl", title: "A title" }],
              failures: [
                { itemType: "SESSIONS", failureStage: "parse", message: "bad line", errorType: "parse" },
              ],
            },
          ],
        },
      ]);
      const histories = await settle(c, ["externalAgentConfig/import/readHistories", undefined]);
      const skillFiles = await files(path.join(r(4), ".agents"), () => false);
      runs.push(comparable({ steps, imported, empty, recorded, histories, skillFiles }, root));
      expect(await c.close()).toMatchObject({ code: 0 });
    }
    // The parsers' own words differ (serde_json / toml-rs and V8 / smol-toml), and ours adds the refused field's
    // path: compared up to those.
    const words = (run: unknown) =>
      JSON.parse(
        json(run)
          .replace(
            /key must be a string at line 1 column 2|Expected property name or '}' in JSON at position 1/g,
            "JSON",
          )
          .replace(/invalid existing config\.toml: [^"]*"/g, 'invalid existing config.toml: TOML"')
          .replace(/,"data":\{"path":"[^"]*"\}/g, ""),
      );
    const [ours, real] = runs.map(words) as Record<string, unknown>[];
    expect(ours?.steps).toEqual([
      { code: -32603, message: "JSON" },
      { code: -32603, message: "external agent settings root must be an object" },
      { code: -32603, message: "invalid existing config.toml: TOML" },
      { code: -32603, message: "invalid hooks settings: JSON" },
      expect.objectContaining({ items: expect.any(Array) }),
      { items: [], connectors: [] },
      { code: -32600, message: 'Invalid request: invalid type: string "x", expected a boolean' },
      { code: -32600, message: "Invalid request: missing field `params`" },
      { code: -32600, message: "Invalid request: missing field `migrationItems`" },
      expect.objectContaining({ code: -32600 }),
      { code: -32600, message: "Invalid request: missing field `providerId`" },
    ]);
    if (real) expect(ours).toEqual(real);
  });

  it("migrates Cursor's MCP servers and skills with migrationSource cursor, as 0.166.0 does", async () => {
    const runs: Record<string, unknown>[] = [];
    for (const impl of impls) {
      const codexHome = await SideBySide.home("", {
        ".cursor/mcp.json": json({
          mcpServers: { cur: { command: "c", args: ["a", "b"] }, web: { url: "http://127.0.0.1:1/x" } },
        }),
        ".cursor/skills/s1/SKILL.md":
          "---\nname: s1\ndescription: Cursor's skill\n---\nAsk Cursor or cursor-agent; move the cursor.\n",
        // Claude Code's files are not read for Cursor.
        ".claude/CLAUDE.md": "claude\n",
        ".claude/settings.json": json({ env: { A: "1" } }),
        "repo/.git/HEAD": "",
        "repo/.cursor/mcp.json": json({ mcpServers: { rc: { command: "r" } } }),
        "repo/.cursorrules": "legacy Cursor rules\n",
      });
      const root = path.dirname(codexHome);
      const c = await SideBySide.start(impl, codexHome, { home: true, cwd: root });
      await initialize0166(c);
      const detectParams = { includeHome: true, cwds: [path.join(root, "repo")], migrationSource: "Cursor" };
      const detected = (await settle(c, ["externalAgentConfig/detect", detectParams])) as {
        items: gen0166.ExternalAgentConfigMigrationItem[];
      };
      // Cursor's rules (`.cursorrules`, `.cursor/rules`) are not migrated here (README).
      const items = detected.items.filter((item) => item.itemType !== "AGENTS_MD");
      const imported = await runImport(c, items, { migrationSource: "cursor" });
      const tree = await files(root, notImported);
      runs.push({
        items: comparable(items, root),
        left: comparable(
          detected.items.filter((item) => item.itemType === "AGENTS_MD"),
          root,
        ),
        imported: comparable(imported, root),
        configs: Object.fromEntries(
          Object.entries(tree)
            .filter(([rel]) => rel.endsWith("config.toml"))
            .map(([rel, text]) => [rel, parseToml(text, rel)]),
        ),
        texts: comparable(
          Object.fromEntries(Object.entries(tree).filter(([rel]) => !rel.endsWith("config.toml"))),
          root,
        ),
      });
      expect(await c.close()).toMatchObject({ code: 0 });
    }
    const [ours, real] = runs;
    expect(ours?.items).toMatchObject([
      {
        itemType: "MCP_SERVER_CONFIG",
        cwd: null,
        description: "Migrate MCP servers from R/.cursor/mcp.json into R/codex-home/config.toml",
      },
      { itemType: "SKILLS", cwd: null, details: { skills: [{ name: "s1" }] } },
      { itemType: "MCP_SERVER_CONFIG", cwd: "R/repo", details: { mcpServers: [{ name: "rc" }] } },
    ]);
    expect(ours?.texts).toMatchObject({
      ".agents/skills/s1/SKILL.md":
        "---\nname: s1\ndescription: Codex's skill\n---\nAsk Codex or cursor-agent; move the cursor.\n",
    });
    expect(ours?.left).toEqual([]);
    if (real) {
      expect(real.left).toMatchObject([{ itemType: "AGENTS_MD", cwd: "R/repo" }]);
      expect({ ...ours, left: null }).toEqual({ ...real, left: null });
    }
  });

  it("never opens special files as sources or targets, and refuses sources over its bounds", async () => {
    const runs: unknown[] = [];
    for (const impl of impls) {
      const codexHome = await SideBySide.home("", {
        "repo/.git/HEAD": "",
        "repo/.claude/skills/s/SKILL.md": "x",
      });
      const root = path.dirname(codexHome);
      const repo = path.join(root, "repo");
      // FIFOs where Claude Code's files and Codex's targets would be: opening one would block without a writer.
      await fs.mkdir(path.join(root, ".claude"));
      for (const fifo of [
        ".claude/CLAUDE.md",
        ".claude/settings.json",
        ".mcp.json",
        "repo/CLAUDE.md",
        "repo/AGENTS.md",
      ])
        execFileSync("mkfifo", [path.join(root, fifo)]);
      const c = await SideBySide.start(impl, codexHome, { home: true, cwd: root });
      await initialize0166(c);
      const detected = await settle(c, ["externalAgentConfig/detect", { includeHome: true, cwds: [repo] }]);
      const imported = await runImport(c, [
        { itemType: "AGENTS_MD", description: "", cwd: null },
        { itemType: "AGENTS_MD", description: "", cwd: repo },
        { itemType: "CONFIG", description: "", cwd: null },
      ]);
      runs.push(comparable({ detected, imported }, root));
      if (impl === "ours") {
        // A source over 4 MiB is refused, naming it (0.166.0 reads any size).
        await fs.writeFile(path.join(repo, ".claude", "CLAUDE.md"), "x".repeat(4 * 1024 * 1024 + 1));
        expect(await settle(c, ["externalAgentConfig/detect", { cwds: [repo] }])).toEqual({
          code: -32603,
          message: expect.stringMatching(/^failed to read .*repo\/\.claude\/CLAUDE\.md: .*4194304/),
        });
      }
      expect(await c.close()).toMatchObject({ code: 0 });
    }
    const [ours, real] = runs;
    expect(ours).toMatchObject({
      detected: { items: [{ itemType: "SKILLS", cwd: "R/repo" }] },
      imported: { notifications: expect.any(Array) },
    });
    if (real) expect(ours).toEqual(real);
  });
});
