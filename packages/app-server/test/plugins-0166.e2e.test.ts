import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseToml } from "@codex-ts/config-loader";
import { responses, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { mcpServersReady, startMockServer0166 } from "./helpers/mock-server-0166.js";
import {
  type Impl,
  initialize0166,
  type Request0166,
  SideBySide,
  settle,
  untyped,
} from "./helpers/side-by-side-0166.js";

/**
 * 0.166.0's plugin system for local sources, through the real CLI and side by side with the real codex 0.166.0 on
 * a copy of the same fixture when the binary is here: a marketplace directory is added, its plugins listed, read,
 * installed (copied into CODEX_HOME/plugins/cache, `[plugins."<id>"] enabled = true`), and then their skills show in
 * `skills/list` and their MCP servers start in new threads. Differences on purpose: app-server README, "Plugins".
 */
if (!SideBySide.available) console.warn(`plugins-0166: ${SideBySide.reason}`);
const impls: Impl[] = SideBySide.available ? ["ours", "real"] : ["ours"];
const suite = useAppServerSuite();

const CALC = fileURLToPath(new URL("../../core/test/fixtures/calc-mcp-server.mjs", import.meta.url));

/**
 * A marketplace at `<root>/market`: `demo` (a skill, an MCP server, an interface, version 1.2.3), `nope` (not
 * available for install), `broken` (an invalid plugin.json) and `remote` (a git source this server never fetches).
 */
async function writeMarketplace(root: string): Promise<string> {
  const market = path.join(root, "market");
  const files: Record<string, string> = {
    ".agents/plugins/marketplace.json": JSON.stringify({
      name: "local-market",
      interface: { displayName: "Local Market" },
      plugins: [
        {
          name: "demo",
          source: { source: "local", path: "./plugins/demo" },
          policy: { installation: "AVAILABLE", authentication: "ON_USE" },
          category: "Coding",
        },
        { name: "nope", source: "./plugins/nope", policy: { installation: "NOT_AVAILABLE" } },
        { name: "broken", source: "./plugins/broken" },
        { name: "escapes", source: "../outside" },
        { name: "remote", source: { source: "url", url: "https://github.com/example/plugin" } },
      ],
    }),
    "plugins/demo/.codex-plugin/plugin.json": JSON.stringify({
      name: "demo",
      version: "1.2.3",
      description: "Demo plugin",
      keywords: ["demo"],
      interface: {
        displayName: "Demo",
        shortDescription: "short",
        developerName: "Me",
        capabilities: ["Read"],
        defaultPrompt: "Try   the demo",
      },
    }),
    "plugins/demo/skills/hello/SKILL.md": "---\nname: hello\ndescription: Says hello\n---\nSay hello.\n",
    "plugins/demo/.mcp.json": JSON.stringify({
      mcpServers: { calc: { type: "stdio", command: "node", args: [CALC] } },
    }),
    "plugins/nope/.codex-plugin/plugin.json": JSON.stringify({ name: "nope" }),
    "plugins/broken/.codex-plugin/plugin.json": JSON.stringify({ name: 5 }),
  };
  for (const [rel, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(market, rel)), { recursive: true });
    await fs.writeFile(path.join(market, rel), text);
  }
  return market;
}

/** A side-by-side CODEX_HOME with the `plugins` feature on (the shared helper turns it off to stay offline). */
async function pluginsHome(): Promise<string> {
  const codexHome = await SideBySide.home();
  const file = path.join(codexHome, "config.toml");
  await fs.writeFile(file, (await fs.readFile(file, "utf8")).replace("plugins = false", "plugins = true"));
  return codexHome;
}

/** Every answer with the run's own root replaced, so two runs on two copies of the fixture compare. */
const normalized = (value: unknown, root: string): unknown =>
  JSON.parse(JSON.stringify(value).split(root).join("<root>"));

/** The files under `dir`, relative, sorted (none when it does not exist). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

const configTable = async (codexHome: string) =>
  parseToml(await fs.readFile(path.join(codexHome, "config.toml"), "utf8"), "config.toml");

type Run = { answers: unknown[]; cache: string[]; config: unknown[] };

describe("plugins on a 0.166 connection", () => {
  it("adds a local marketplace, lists, reads, installs and uninstalls its plugins as 0.166.0 does", async () => {
    const runs: Run[] = [];
    for (const impl of impls) {
      const codexHome = await pluginsHome();
      const root = path.dirname(codexHome);
      const market = await writeMarketplace(root);
      const file = path.join(market, ".agents/plugins/marketplace.json");
      const c = await SideBySide.start(impl, codexHome, { cwd: root, home: true });
      await initialize0166(c);
      const ask = (r: Request0166) => settle(c, r);
      const pluginSkills = async () => {
        const { data } = (await ask(["skills/list", { cwds: [root] }])) as {
          data: { skills: { pluginId: string | null }[] }[];
        };
        return data[0]?.skills.filter((s) => s.pluginId !== null);
      };
      const answers: unknown[] = [
        await ask(["plugin/list", {}]),
        await ask(["marketplace/add", { source: market }]),
        await ask(["marketplace/add", { source: market }]),
        await ask(["plugin/list", {}]),
        await ask(["plugin/read", { pluginName: "demo", marketplacePath: file }]),
        await ask(["plugin/install", { pluginName: "nope", marketplacePath: file }]),
        await ask(["plugin/install", { pluginName: "broken", marketplacePath: file }]),
        await ask(["plugin/install", { pluginName: "missing", marketplacePath: file }]),
        await ask(["plugin/installed", {}]),
        await ask(["plugin/install", { pluginName: "demo", marketplacePath: file }]),
        await ask(["plugin/installed", {}]),
        await pluginSkills(),
      ];
      const config = [await configTable(codexHome)];
      const cache = await filesUnder(path.join(codexHome, "plugins", "cache"));
      answers.push(
        await ask(["plugin/uninstall", { pluginId: "demo@local-market" }]),
        await ask(["plugin/uninstall", { pluginId: "demo@local-market" }]),
        await ask(["plugin/installed", { installSuggestionPluginNames: ["demo"] }]),
        await pluginSkills(),
        await ask(["marketplace/remove", { marketplaceName: "local-market" }]),
        await ask(["marketplace/remove", { marketplaceName: "local-market" }]),
        await ask(["plugin/list", {}]),
      );
      config.push(await configTable(codexHome));
      cache.push("--", ...(await filesUnder(path.join(codexHome, "plugins", "cache", "local-market"))));
      runs.push(normalized({ answers, cache, config }, root) as Run);
    }
    const ours = runs[0] as Run;
    const [, added, again, listed, read, nope, broken, missing, noneYet, installed, afterInstall, skills] =
      ours.answers as Record<string, unknown>[];
    expect(added).toEqual({
      marketplaceName: "local-market",
      installedRoot: "<root>/market",
      alreadyAdded: false,
    });
    expect(again).toMatchObject({ alreadyAdded: true });
    const demo = (listed as { marketplaces: { plugins: Record<string, unknown>[] }[] }).marketplaces[0]
      ?.plugins[0];
    expect(demo).toMatchObject({
      id: "demo@local-market",
      localVersion: "1.2.3",
      installed: false,
      enabled: false,
      authPolicy: "ON_USE",
      source: { type: "local", path: "<root>/market/plugins/demo" },
      interface: { displayName: "Demo", category: "Coding", defaultPrompt: ["Try the demo"] },
    });
    expect(
      (listed as { marketplaces: { plugins: { name: string }[] }[] }).marketplaces[0]?.plugins.map(
        (p) => p.name,
      ),
    ).toEqual(["demo", "nope", "broken", "remote"]);
    expect(read).toMatchObject({
      plugin: {
        description: "Demo plugin",
        mcpServers: ["calc"],
        skills: [
          { name: "demo:hello", path: "<root>/market/plugins/demo/skills/hello/SKILL.md", enabled: true },
        ],
      },
    });
    expect(nope).toEqual({
      code: -32600,
      message: "plugin `nope` is not available for install in marketplace `local-market`",
    });
    expect(broken).toEqual({ code: -32600, message: "missing or invalid plugin.json" });
    expect(missing).toEqual({
      code: -32600,
      message: "plugin `missing` was not found in marketplace `local-market`",
    });
    expect(noneYet).toEqual({ marketplaces: [], marketplaceLoadErrors: [] });
    expect(installed).toEqual({ authPolicy: "ON_USE", appsNeedingAuth: [] });
    expect(afterInstall).toMatchObject({ marketplaces: [{ plugins: [{ installed: true, enabled: true }] }] });
    expect(skills).toEqual([
      {
        name: "demo:hello",
        description: "Says hello",
        path: "<root>/codex-home/plugins/cache/local-market/demo/1.2.3/skills/hello/SKILL.md",
        scope: "user",
        enabled: true,
        pluginId: "demo@local-market",
      },
    ]);
    expect(ours.cache).toEqual([
      "local-market/demo/1.2.3/.codex-plugin/plugin.json",
      "local-market/demo/1.2.3/.mcp.json",
      "local-market/demo/1.2.3/skills/hello/SKILL.md",
      "--",
    ]);
    expect(ours.config[0]).toMatchObject({
      marketplaces: { "local-market": { source_type: "local", source: "<root>/market" } },
      plugins: { "demo@local-market": { enabled: true } },
    });
    expect(ours.config[1]).not.toHaveProperty("plugins");
    expect(ours.config[1]).not.toHaveProperty("marketplaces");
    const [uninstalled, twice, suggested, noSkills, removed, removedTwice, empty] = ours.answers.slice(
      12,
    ) as Record<string, unknown>[];
    expect([uninstalled, twice]).toEqual([{}, {}]);
    expect(suggested).toMatchObject({ marketplaces: [{ plugins: [{ name: "demo", installed: false }] }] });
    expect(noSkills).toEqual([]);
    expect(removed).toEqual({ marketplaceName: "local-market", installedRoot: null });
    expect(removedTwice).toEqual({
      code: -32600,
      message: "marketplace `local-market` is not configured or installed",
    });
    expect(empty).toEqual({ marketplaces: [], marketplaceLoadErrors: [], featuredPluginIds: [] });
    if (runs[1]) expect(ours).toEqual(runs[1]);
  });

  it("answers bad sources, malformed manifests, remote-only requests and invalid params as 0.166.0 does", async () => {
    const runs: unknown[][] = [];
    for (const impl of impls) {
      const codexHome = await pluginsHome();
      const root = path.dirname(codexHome);
      const market = await writeMarketplace(root);
      const file = path.join(market, ".agents/plugins/marketplace.json");
      const bad = path.join(root, "bad");
      await fs.mkdir(path.join(bad, ".agents/plugins"), { recursive: true });
      await fs.writeFile(path.join(bad, ".agents/plugins/marketplace.json"), '{"name":"bad",');
      await fs.mkdir(path.join(root, "empty"));
      execFileSync("git", ["init", "-q", path.join(root, "repo")]);
      await fs.cp(path.join(market, ".agents"), path.join(root, "repo", ".agents"), { recursive: true });
      await fs.mkdir(path.join(root, "repo", "sub"));
      const c = await SideBySide.start(impl, codexHome, { cwd: root, home: true });
      await initialize0166(c);
      const ask = (r: Request0166) => settle(c, r);
      const answers = [
        await ask(["marketplace/add", { source: path.join(root, "empty") }]),
        await ask(["marketplace/add", { source: path.join(root, "nowhere") }]),
        await ask(["marketplace/add", { source: bad }]),
        await ask(["marketplace/add", { source: `file://${market}` }]),
        await ask(["marketplace/add", { source: market, sparsePaths: ["plugins"] }]),
        await ask(["plugin/list", { cwds: [bad, path.join(root, "repo", "sub")] }]),
        await ask(["plugin/read", { pluginName: "broken", marketplacePath: file }]),
        await ask(["plugin/read", { pluginName: "demo", marketplacePath: path.join(root, "nowhere.json") }]),
        await ask(["plugin/read", { pluginName: "demo" }]),
        await ask(["plugin/read", { pluginName: "demo", marketplacePath: file, remoteMarketplaceName: "x" }]),
        await ask(["plugin/read", { pluginName: "demo", remoteMarketplaceName: "openai-curated" }]),
        await ask(["plugin/install", { pluginName: "demo", remoteMarketplaceName: "openai-curated" }]),
        await ask(["plugin/list", { cwds: ["relative"] }]),
        await ask(untyped("plugin/read", { marketplacePath: file })),
        await ask(untyped("plugin/uninstall", {})),
        await ask(["plugin/uninstall", { pluginId: "bad id" }]),
        await ask(["plugin/uninstall", { pluginId: "remote-plugin" }]),
        await ask([
          "plugin/skill/read",
          { remoteMarketplaceName: "m", remotePluginId: "a@b", skillName: "s" },
        ]),
        await ask([
          "plugin/skill/read",
          { remoteMarketplaceName: "m", remotePluginId: "plugin_1", skillName: "s" },
        ]),
        await ask(["plugin/reconcile", {}]),
        await ask(["marketplace/upgrade", {}]),
        await ask(["marketplace/upgrade", { marketplaceName: "local-market" }]),
        await ask(["marketplace/remove", { marketplaceName: "nowhere" }]),
        await ask(["app/list", {}]),
        await ask(["app/installed", {}]),
        await ask(["app/read", { appIds: ["a", "b", "a"] }]),
        await ask(["app/read", { appIds: Array.from({ length: 101 }, (_, i) => `app-${i}`) }]),
        await ask(["marketplace/add", { source: market, refName: "main" }]),
        await ask(["marketplace/remove", { marketplaceName: "../x" }]),
        await ask(["marketplace/remove", { marketplaceName: "" }]),
        await ask(["marketplace/add", { source: market }]),
        await ask(["marketplace/add", { source: path.join(root, "repo") }]),
        await ask(["marketplace/add", { source: "market" }]),
      ];
      runs.push(normalized(answers, root) as unknown[]);
    }
    const ours = runs[0] as Record<string, unknown>[];
    expect(ours[0]).toEqual({
      code: -32600,
      message:
        "invalid marketplace file `<root>/empty`: marketplace root does not contain a supported manifest",
    });
    expect(ours[1]).toEqual({
      code: -32600,
      message: "failed to resolve local marketplace source path: No such file or directory (os error 2)",
    });
    expect(ours[3]).toEqual({
      code: -32600,
      message:
        "invalid marketplace source format; expected owner/repo, a git URL, or a local marketplace path",
    });
    expect(ours[5]).toMatchObject({
      marketplaces: [{ name: "local-market", path: "<root>/repo/.agents/plugins/marketplace.json" }],
      marketplaceLoadErrors: [{ marketplacePath: "<root>/bad/.agents/plugins/marketplace.json" }],
    });
    expect(ours.at(-2)).toEqual({
      code: -32600,
      message:
        "marketplace 'local-market' is already added from a different source; remove it before adding this source",
    });
    expect(ours[13]).toMatchObject({ code: -32600 });
    expect(String(ours[13]?.message)).toContain("pluginName");
    // Ours adds the failing field's path (`data.path`) to an invalid-params error; 0.166.0 names it in the message only.
    const withoutData = ours.map((a) => {
      if (!("code" in a)) return a;
      const { data: _data, ...rest } = a;
      return rest;
    });
    if (runs[1]) expect(withoutData).toEqual(runs[1]);
    expect(ours[13]?.data).toEqual({ path: "params.pluginName" });
  });

  it("refuses special and oversized manifests without blocking", async () => {
    const codexHome = await pluginsHome();
    const root = path.dirname(codexHome);
    const market = await writeMarketplace(root);
    const file = path.join(market, ".agents/plugins/marketplace.json");
    // A FIFO where the demo's manifest should be, and a marketplace file that is a FIFO: never opened for reading.
    await fs.rm(path.join(market, "plugins/demo/.codex-plugin/plugin.json"));
    execFileSync("mkfifo", [path.join(market, "plugins/demo/.codex-plugin/plugin.json")]);
    const fifoMarket = path.join(root, "fifo-market");
    await fs.mkdir(path.join(fifoMarket, ".agents/plugins"), { recursive: true });
    execFileSync("mkfifo", [path.join(fifoMarket, ".agents/plugins/marketplace.json")]);
    const huge = path.join(root, "huge");
    await fs.mkdir(path.join(huge, ".agents/plugins"), { recursive: true });
    await fs.writeFile(path.join(huge, ".agents/plugins/marketplace.json"), " ".repeat(2 * 1024 * 1024));
    const c = await SideBySide.start("ours", codexHome, { cwd: root, home: true });
    await initialize0166(c);
    const ask = (r: Request0166) => settle(c, r);
    expect(await ask(["plugin/install", { pluginName: "demo", marketplacePath: file }])).toEqual({
      code: -32600,
      message: "missing or invalid plugin.json",
    });
    expect(
      await ask([
        "plugin/read",
        { pluginName: "demo", marketplacePath: path.join(fifoMarket, ".agents/plugins/marketplace.json") },
      ]),
    ).toMatchObject({ code: -32600, message: expect.stringContaining("not a regular file") });
    expect(await ask(["marketplace/add", { source: fifoMarket }])).toMatchObject({
      code: -32600,
      message: expect.stringContaining("does not contain a supported manifest"),
    });
    expect(await ask(["marketplace/add", { source: huge }])).toMatchObject({
      code: -32600,
      message: expect.stringContaining("file is too large"),
    });
    // A NUL in a client-named path is refused in words, not with Node's argument error.
    const nul = (await ask([
      "plugin/read",
      { pluginName: "demo", marketplacePath: `${root}/a\u0000b.json` },
    ])) as {
      message: string;
    };
    expect(nul).toMatchObject({ code: -32600 });
    expect(nul.message).not.toMatch(/ERR_|TypeError|The argument/);
    expect(await filesUnder(path.join(codexHome, "plugins"))).toEqual([]);
  });

  it("starts an installed plugin's MCP servers in new threads and offers its skills, as 0.166.0 does", async () => {
    const runs: unknown[] = [];
    for (const impl of impls) {
      const s = await startMockServer0166(suite, impl, {
        client: { name: "plugins", version: "1.0" },
        prefix: "plugins-mcp-",
      });
      const codexHome = path.join(s.root, "codex-home");
      const configFile = path.join(codexHome, "config.toml");
      await fs.writeFile(
        configFile,
        (await fs.readFile(configFile, "utf8")).replace("plugins = false", "plugins = true"),
      );
      const market = await writeMarketplace(s.root);
      const file = path.join(market, ".agents/plugins/marketplace.json");
      await s.c.request("plugin/install", { pluginName: "demo", marketplacePath: file });
      const { thread } = await s.c.request("thread/start", { cwd: s.root });
      await mcpServersReady(s.c, thread.id, ["calc"]);
      const status = await s.c.request("mcpServerStatus/list", {
        threadId: thread.id,
        detail: "toolsAndAuthOnly",
      });
      // One turn: what the model is told about the plugin's skill (the section's lines naming it or its root).
      s.mock.enqueue({
        kind: "sse",
        events: [responses.created(), ...responses.message("ok"), responses.completed()],
      });
      const { turn } = await s.c.request("turn/start", {
        threadId: thread.id,
        input: [{ type: "text", text: "hi" }],
      });
      await s.c.waitFor(
        (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
        "turn/completed",
      );
      const body = (s.mock.requests.at(-1)?.body ?? { input: [] }) as {
        input: { content?: { text?: string }[] }[];
      };
      const section = body.input
        .flatMap((item) => (item.content ?? []).map((part) => part.text ?? ""))
        .find((text) => text.startsWith("<skills_instructions>"));
      const pluginLines = (section ?? "")
        .split("\n")
        .filter((l) => l.includes("demo:hello") || l.includes("plugins/cache"))
        // Root aliases are numbered among the roots in use: 0.166.0 also has its bundled system skills.
        .map((l) => l.replace(/\br\d+\b/g, "rN"));
      // A second turn mentions the skill by its plugin-qualified name: its SKILL.md follows the user's message.
      s.mock.enqueue({
        kind: "sse",
        events: [responses.created(), ...responses.message("ok"), responses.completed()],
      });
      const second = await s.c.request("turn/start", {
        threadId: thread.id,
        input: [{ type: "text", text: "use $demo:hello now" }],
      });
      await s.c.waitFor(
        (m) =>
          m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === second.turn.id,
        "the second turn/completed",
      );
      const secondBody = (s.mock.requests.at(-1)?.body ?? { input: [] }) as {
        input: { content?: { text?: string }[] }[];
      };
      const injected = secondBody.input
        .flatMap((item) => (item.content ?? []).map((part) => part.text ?? ""))
        .filter((text) => text.startsWith("<skill>"));
      runs.push(
        normalized(
          {
            status: status.data.map((st) => ({
              name: st.name,
              pluginId: st.pluginId,
              tools: Object.keys(st.tools).sort(),
            })),
            pluginLines,
            injected,
          },
          s.root,
        ),
      );
    }
    const ours = runs[0] as { status: unknown; pluginLines: string[]; injected: string[] };
    expect(ours.injected).toEqual([
      "<skill>\n<name>demo:hello</name>\n<path><root>/codex-home/plugins/cache/local-market/demo/1.2.3/skills/hello/SKILL.md</path>\n---\nname: hello\ndescription: Says hello\n---\nSay hello.\n\n</skill>",
    ]);
    expect(ours.status).toEqual([
      { name: "calc", pluginId: "demo@local-market", tools: ["add", "count", "fail", "slow"] },
    ]);
    expect(ours.pluginLines).toEqual([
      "- `rN` = `<root>/codex-home/plugins/cache/local-market`",
      "- demo:hello: Says hello (file: rN/demo/1.2.3/skills/hello/SKILL.md)",
    ]);
    if (runs[1]) expect(runs[0]).toEqual(runs[1]);
  });
});
