// The marketplaces a plugin method sees and their plugins in 0.166.0's wire shape: the home marketplace, the ones
// `[marketplaces.*]` names, and those of the client's cwds (the cwd itself, else its repository's root).
import { join, resolve } from "node:path";
import type { gen0166 } from "@codex-ts/app-server-protocol";
import {
  activePluginVersion,
  configuredPlugins,
  isTomlTable,
  type PluginManifest,
  parsePluginId,
  pluginIdKey,
  readPluginManifestOrNull,
  type TomlTable,
} from "@codex-ts/config-loader";
import {
  findMarketplaceManifest,
  loadMarketplace,
  type Marketplace,
  type MarketplacePlugin,
  projectRoot,
} from "@codex-ts/core";

/** Where `[marketplaces.<name>]` entries of a git source were installed (0.166.0: CODEX_HOME/.tmp/marketplaces). */
export const installedMarketplacesDir = (codexHome: string) => join(codexHome, ".tmp", "marketplaces");

export interface ConfiguredMarketplace {
  name: string;
  sourceType: string;
  source: string;
  /** The marketplace's root: a local source itself, else its installed copy. */
  root: string;
}

/** The `[marketplaces.<name>]` entries of a config table, in its order. */
export function configuredMarketplaces(codexHome: string, table: TomlTable): ConfiguredMarketplace[] {
  const entries = isTomlTable(table.marketplaces) ? table.marketplaces : {};
  const out: ConfiguredMarketplace[] = [];
  for (const [name, entry] of Object.entries(entries)) {
    if (!isTomlTable(entry)) continue;
    const sourceType = typeof entry.source_type === "string" ? entry.source_type : "git";
    const source = typeof entry.source === "string" ? entry.source : "";
    const root =
      sourceType === "local" && source !== "" ? source : join(installedMarketplacesDir(codexHome), name);
    out.push({ name, sourceType, source, root });
  }
  return out;
}

export interface MarketplaceListing {
  marketplaces: Marketplace[];
  errors: gen0166.MarketplaceLoadErrorInfo[];
}

/** Every marketplace seen from `cwds`, each file once; one that fails to load is reported, not fatal. */
export async function listMarketplaces(
  o: { codexHome: string; homeDir: string | undefined; table: TomlTable },
  cwds: readonly string[],
): Promise<MarketplaceListing> {
  const files: string[] = [];
  const add = (file: string | null) => {
    if (file && !files.includes(file)) files.push(file);
  };
  if (o.homeDir) add(await findMarketplaceManifest(o.homeDir));
  for (const m of configuredMarketplaces(o.codexHome, o.table)) add(await findMarketplaceManifest(m.root));
  for (const cwd of cwds) {
    const own = await findMarketplaceManifest(cwd);
    add(own ?? (await findMarketplaceManifest(await projectRoot(resolve(cwd), [".git"]))));
  }
  const out: MarketplaceListing = { marketplaces: [], errors: [] };
  for (const file of files) {
    try {
      out.marketplaces.push(await loadMarketplace(file));
    } catch (err) {
      out.errors.push({ marketplacePath: file, message: (err as Error).message });
    }
  }
  return out;
}

/** A manifest's interface in 0.166.0's wire shape, the marketplace's category winning; null when there is none. */
function wireInterface(
  manifest: PluginManifest | null,
  category: string | null,
): gen0166.PluginInterface | null {
  const i = manifest?.interface;
  if (!i && category === null) return null;
  return {
    displayName: i?.displayName ?? null,
    shortDescription: i?.shortDescription ?? null,
    longDescription: i?.longDescription ?? null,
    developerName: i?.developerName ?? null,
    category: category ?? i?.category ?? null,
    capabilities: i?.capabilities ?? [],
    websiteUrl: i?.websiteUrl ?? null,
    privacyPolicyUrl: i?.privacyPolicyUrl ?? null,
    termsOfServiceUrl: i?.termsOfServiceUrl ?? null,
    defaultPrompt: i?.defaultPrompt ?? null,
    brandColor: i?.brandColor ?? null,
    composerIcon: i?.composerIcon ?? null,
    composerIconUrl: null,
    logo: i?.logo ?? null,
    logoDark: i?.logoDark ?? null,
    logoUrl: null,
    logoUrlDark: null,
    screenshots: i?.screenshots ?? [],
    screenshotUrls: [],
  };
}

function wireSource(p: MarketplacePlugin): gen0166.PluginSource {
  const s = p.source;
  if (s.type === "local") return { type: "local", path: s.path };
  if (s.type === "git") return { type: "git", url: s.url, path: s.path, refName: s.refName, sha: s.sha };
  return { type: "npm", package: s.package, version: s.version, registry: s.registry };
}

/** One marketplace plugin as 0.166.0 summarizes it, with its local manifest (null for a remote source). */
export async function pluginSummary(
  o: { codexHome: string; table: TomlTable },
  marketplace: Marketplace,
  plugin: MarketplacePlugin,
): Promise<{ summary: gen0166.PluginSummary; manifest: PluginManifest | null }> {
  const manifest = plugin.source.type === "local" ? await readPluginManifestOrNull(plugin.source.path) : null;
  const id = { pluginName: plugin.name, marketplaceName: marketplace.name };
  const key = pluginIdKey(id);
  const installed = (await activePluginVersion(o.codexHome, id)) !== null;
  const enabled = installed && configuredPlugins(o.table).get(key) === true;
  return {
    manifest,
    summary: {
      id: key,
      remotePluginId: null,
      version: null,
      localVersion: manifest?.version ?? null,
      name: plugin.name,
      shareContext: null,
      source: wireSource(plugin),
      installed,
      installedAt: null,
      enabled,
      installPolicy: plugin.installPolicy,
      installPolicySource: null,
      mustShowInstallationInterstitial: null,
      authPolicy: plugin.authPolicy,
      availability: "AVAILABLE",
      disabledReason: null,
      eligiblePlanTypes: null,
      interface: wireInterface(manifest, plugin.category),
      keywords: manifest?.keywords ?? [],
    },
  };
}

/** A marketplace entry of `plugin/list` / `plugin/installed`, keeping the plugins `keep` accepts. */
export async function marketplaceEntry(
  o: { codexHome: string; table: TomlTable },
  marketplace: Marketplace,
  keep: (summary: gen0166.PluginSummary) => boolean = () => true,
): Promise<gen0166.PluginMarketplaceEntry> {
  const plugins: gen0166.PluginSummary[] = [];
  for (const plugin of marketplace.plugins) {
    const { summary } = await pluginSummary(o, marketplace, plugin);
    if (keep(summary)) plugins.push(summary);
  }
  return {
    name: marketplace.name,
    path: marketplace.path,
    interface: marketplace.displayName !== null ? { displayName: marketplace.displayName } : null,
    plugins,
  };
}

export { parsePluginId };
