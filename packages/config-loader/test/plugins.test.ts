import fs from "node:fs/promises";
import path from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import {
  activePlugins,
  activePluginVersion,
  loadConfig,
  PLUGIN_MANIFEST_MAX_BYTES,
  PluginManifestError,
  parsePluginId,
  parsePluginManifest,
  readPluginManifest,
} from "../src/index.js";

async function write(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await fs.writeFile(path.join(root, rel), text);
  }
}

describe("plugin manifests", () => {
  it("keeps 0.166.0's fields, drops paths that leave the plugin, trims prompts", () => {
    const m = parsePluginManifest(
      "/p/demo",
      JSON.stringify({
        name: "  ",
        version: " 1.0.0 ",
        skills: ["./skills", "../escape", "/abs", "./a/../b"],
        mcpServers: "./servers.json",
        interface: {
          defaultPrompt: ["  two   words ", 5, "x".repeat(129), "a", "b", "c"],
          logo: "./logo.png",
        },
      }),
    );
    expect(m.name).toBe("demo");
    expect(m.version).toBe("1.0.0");
    expect(m.skills).toEqual(["/p/demo/skills"]);
    expect(m.mcpServers).toEqual({ path: "/p/demo/servers.json" });
    expect(m.interface?.defaultPrompt).toEqual(["two words", "a", "b"]);
    expect(m.interface?.logo).toBe("/p/demo/logo.png");
    expect(() => parsePluginManifest("/p/x", '{"name": 5}')).toThrow(PluginManifestError);
    expect(() => parsePluginManifest("/p/x", "{")).toThrow(/failed to parse plugin.json/);
  });

  it("reads only a bounded regular file", async () => {
    const root = await tempDir("codex-plugin-manifest-");
    await write(root, { ".codex-plugin/plugin.json": " ".repeat(PLUGIN_MANIFEST_MAX_BYTES + 1) });
    await expect(readPluginManifest(root)).rejects.toThrow(/too large/);
    await expect(readPluginManifest(path.join(root, "none"))).rejects.toThrow("missing plugin.json");
  });

  it("parses plugin ids", () => {
    expect(parsePluginId("demo@market")).toEqual({ pluginName: "demo", marketplaceName: "market" });
    for (const bad of ["demo", "@m", "d@", "a b@m", "../x@m", "d@m/x"]) expect(parsePluginId(bad)).toBeNull();
  });
});

describe("installed plugins", () => {
  it("uses `local` when present, else the highest version; only enabled ones, only with the feature on", async () => {
    const home = await tempDir("codex-plugin-home-");
    const manifest = JSON.stringify({ name: "demo" });
    await write(home, {
      "plugins/cache/m/demo/1.2.0/.codex-plugin/plugin.json": manifest,
      "plugins/cache/m/demo/1.10.0/.codex-plugin/plugin.json": manifest,
      "plugins/cache/m/off/local/.codex-plugin/plugin.json": JSON.stringify({ name: "off" }),
    });
    expect(await activePluginVersion(home, { pluginName: "demo", marketplaceName: "m" })).toBe("1.10.0");
    const table = {
      plugins: { "demo@m": { enabled: true }, "off@m": { enabled: false }, "gone@m": { enabled: true } },
    };
    expect((await activePlugins(home, table)).map((p) => p.key)).toEqual(["demo@m"]);
    expect(await activePlugins(home, { ...table, features: { plugins: false } })).toEqual([]);
  });

  it("adds an enabled plugin's MCP servers after the config's own", async () => {
    const home = await tempDir("codex-plugin-mcp-");
    await write(home, {
      "plugins/cache/m/demo/local/.codex-plugin/plugin.json": JSON.stringify({ name: "demo" }),
      "plugins/cache/m/demo/local/.mcp.json": JSON.stringify({
        mcpServers: {
          tool: { type: "stdio", command: "node", args: ["srv.js"], cwd: "bin", oauth: { callbackPort: 1 } },
          mine: { command: "from-plugin" },
          "bad name": { command: "x" },
          broken: { url: "http://127.0.0.1:1", args: ["no"] },
        },
      }),
      "config.toml": '[mcp_servers.mine]\ncommand = "from-config"\n\n[plugins."demo@m"]\nenabled = true\n',
    });
    const config = await loadConfig({ codexHome: home, env: {} });
    expect(Object.keys(config.mcpServers).sort()).toEqual(["mine", "tool"]);
    expect(config.mcpServers.mine?.transport).toMatchObject({ command: "from-config" });
    expect(config.mcpServers.mine?.pluginId).toBeUndefined();
    expect(config.mcpServers.tool).toMatchObject({
      pluginId: "demo@m",
      transport: {
        type: "stdio",
        command: "node",
        args: ["srv.js"],
        cwd: path.join(home, "plugins/cache/m/demo/local/bin"),
      },
    });
  });
});
