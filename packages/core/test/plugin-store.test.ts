import fs from "node:fs/promises";
import path from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { installPlugin, loadMarketplace, PluginStoreError, uninstallPlugin } from "../src/index.js";

async function write(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await fs.writeFile(path.join(root, rel), text);
  }
}

const tree = async (dir: string) =>
  (await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []))
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();

describe("the plugin store", () => {
  it("copies a plugin into its version directory, replaces it, and removes it", async () => {
    const root = await tempDir("codex-plugin-store-");
    const home = path.join(root, "home");
    const src = path.join(root, "src");
    const id = { pluginName: "demo", marketplaceName: "m" };
    await write(src, {
      ".codex-plugin/plugin.json": JSON.stringify({ name: "demo", version: "1.0.0" }),
      "skills/a/SKILL.md": "one",
    });
    await fs.symlink("/etc/passwd", path.join(src, "link"));
    const base = path.join(home, "plugins/cache/m/demo");
    expect(await installPlugin(home, src, id)).toEqual({
      version: "1.0.0",
      installedPath: path.join(base, "1.0.0"),
    });
    expect(await tree(base)).toEqual(["1.0.0/.codex-plugin/plugin.json", "1.0.0/skills/a/SKILL.md"]);

    // The same version again: the whole directory is swapped (a file gone from the source goes from the copy).
    await fs.rm(path.join(src, "skills"), { recursive: true });
    await installPlugin(home, src, id);
    expect(await tree(base)).toEqual(["1.0.0/.codex-plugin/plugin.json"]);

    // A new version replaces the old one; nothing is left staged beside the target.
    await write(src, { ".codex-plugin/plugin.json": JSON.stringify({ name: "demo", version: "2.0.0" }) });
    await installPlugin(home, src, id);
    expect(await tree(base)).toEqual(["2.0.0/.codex-plugin/plugin.json"]);
    expect(await fs.readdir(path.join(home, "plugins/cache/m"))).toEqual(["demo"]);

    await uninstallPlugin(home, id);
    await uninstallPlugin(home, id);
    expect(await tree(path.join(home, "plugins/cache/m"))).toEqual([]);
  });

  it("refuses a plugin whose manifest is missing, names another plugin or an unsafe version", async () => {
    const root = await tempDir("codex-plugin-refuse-");
    const id = { pluginName: "demo", marketplaceName: "m" };
    await expect(installPlugin(root, path.join(root, "none"), id)).rejects.toThrow(PluginStoreError);
    await write(root, { "other/.codex-plugin/plugin.json": JSON.stringify({ name: "other" }) });
    await expect(installPlugin(root, path.join(root, "other"), id)).rejects.toThrow(
      "plugin.json name `other` does not match marketplace plugin name `demo`",
    );
    await write(root, { "v/.codex-plugin/plugin.json": JSON.stringify({ name: "demo", version: "../x" }) });
    await expect(installPlugin(root, path.join(root, "v"), id)).rejects.toThrow(/invalid plugin version/);
    expect(await tree(path.join(root, "plugins"))).toEqual([]);
  });
});

describe("marketplace files", () => {
  it("resolves local sources inside the root and skips the others as 0.166.0 does", async () => {
    const root = await tempDir("codex-marketplace-");
    const file = path.join(root, ".agents/plugins/marketplace.json");
    await write(root, {
      ".agents/plugins/marketplace.json": JSON.stringify({
        name: "m",
        plugins: [
          { name: "a", source: "./plugins/a", policy: { installation: "INSTALLED_BY_DEFAULT" } },
          { name: "b", source: "plugins/b" },
          { name: "c", source: "./../c" },
          { name: "bad name", source: "./d" },
          { name: "g", source: { source: "url", url: "owner/repo" } },
          { name: "u", source: { source: "unknown" } },
        ],
      }),
    });
    const m = await loadMarketplace(file);
    expect(m.plugins.map((p) => [p.name, p.source])).toEqual([
      ["a", { type: "local", path: path.join(root, "plugins/a") }],
      ["g", { type: "git", url: "https://github.com/owner/repo.git", path: null, refName: null, sha: null }],
    ]);
    await expect(loadMarketplace(path.join(root, "nope.json"))).rejects.toThrow(
      `marketplace file \`${path.join(root, "nope.json")}\` does not exist`,
    );
  });
});
