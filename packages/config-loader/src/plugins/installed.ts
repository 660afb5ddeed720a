// Which plugins are installed and enabled: `[plugins."<id>"] enabled = true` in the config, and the plugin's copy
// in CODEX_HOME/plugins/cache/<marketplace>/<plugin>/<version>/ (codex 0.166.0's store layout).
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { isTomlTable, type TomlTable } from "@codex-ts/json-to-toml";
import { type PluginManifest, readPluginManifestOrNull } from "./manifest.js";
import { type PluginId, parsePluginId, pluginIdKey } from "./plugin-id.js";

/** The store's version directory when a manifest names no version. */
export const DEFAULT_PLUGIN_VERSION = "local";
export const PLUGINS_CACHE_DIR = join("plugins", "cache");

/** A version directory name 0.166.0 accepts (so it is one path component, never `.` or `..`). */
export function pluginVersionError(version: string): string | null {
  if (version.length === 0) return "invalid plugin version: must not be empty";
  if (version === "." || version === "..") return "invalid plugin version: path traversal is not allowed";
  if (!/^[A-Za-z0-9._+-]+$/.test(version))
    return "invalid plugin version: only ASCII letters, digits, `.`, `+`, `_`, and `-` are allowed";
  return null;
}

/** `CODEX_HOME/plugins/cache/<marketplace>/<plugin>`: every version of one plugin. */
export const pluginBaseRoot = (codexHome: string, id: PluginId): string =>
  join(codexHome, PLUGINS_CACHE_DIR, id.marketplaceName, id.pluginName);

/** Semver-ish order: numeric dot parts compared as numbers, else bytewise (0.166.0 falls back to string order). */
function compareVersions(a: string, b: string): number {
  const semver = /^(\d+)\.(\d+)\.(\d+)$/;
  const ma = semver.exec(a);
  const mb = semver.exec(b);
  if (ma && mb) {
    for (let i = 1; i <= 3; i++) {
      const d = Number(ma[i]) - Number(mb[i]);
      if (d !== 0) return d;
    }
    return 0;
  }
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The version directory in use: `local` when there is one, else the highest; null when not installed. */
export async function activePluginVersion(codexHome: string, id: PluginId): Promise<string | null> {
  const entries = await readdir(pluginBaseRoot(codexHome, id), { withFileTypes: true }).catch(() => []);
  const versions = entries
    .filter((e) => e.isDirectory() && pluginVersionError(e.name) === null)
    .map((e) => e.name);
  if (versions.length === 0) return null;
  if (versions.includes(DEFAULT_PLUGIN_VERSION)) return DEFAULT_PLUGIN_VERSION;
  return versions.sort(compareVersions).at(-1) ?? null;
}

export async function activePluginRoot(codexHome: string, id: PluginId): Promise<string | null> {
  const version = await activePluginVersion(codexHome, id);
  return version === null ? null : join(pluginBaseRoot(codexHome, id), version);
}

/** Whether the config leaves the `plugins` feature on (0.166.0's default: on). */
export function pluginsFeatureEnabled(table: TomlTable): boolean {
  return !(isTomlTable(table.features) && table.features.plugins === false);
}

/** The `[plugins."<id>"]` entries of a config table: id → enabled (entries that are not ids are skipped). */
export function configuredPlugins(table: TomlTable): Map<string, boolean> {
  const out = new Map<string, boolean>();
  const plugins = table.plugins;
  if (!isTomlTable(plugins)) return out;
  for (const [key, entry] of Object.entries(plugins)) {
    if (!parsePluginId(key) || !isTomlTable(entry)) continue;
    out.set(key, entry.enabled !== false);
  }
  return out;
}

/** An installed, enabled plugin: its id, its cached copy and that copy's manifest. */
export interface ActivePlugin {
  id: PluginId;
  key: string;
  root: string;
  manifest: PluginManifest;
}

/**
 * The plugins a thread gets (their skills, their MCP servers): enabled in the config, present in the cache with a
 * readable manifest; none when the `plugins` feature is off. In the config's order.
 */
export async function activePlugins(codexHome: string, table: TomlTable): Promise<ActivePlugin[]> {
  if (!pluginsFeatureEnabled(table)) return [];
  const out: ActivePlugin[] = [];
  for (const [key, enabled] of configuredPlugins(table)) {
    const id = parsePluginId(key);
    if (!enabled || !id) continue;
    const root = await activePluginRoot(codexHome, id);
    const manifest = root ? await readPluginManifestOrNull(root) : null;
    if (root && manifest) out.push({ id, key: pluginIdKey(id), root, manifest });
  }
  return out;
}
