import { isAbsolute, join } from "node:path";
import {
  type gen0166,
  internalError,
  invalidRequest,
  type Protocol0166,
  RpcError,
} from "@codex-ts/app-server-protocol";
import {
  type ActivePlugin,
  parsePluginId,
  pluginIdKey,
  pluginMcpServers,
  pluginsFeatureEnabled,
} from "@codex-ts/config-loader";
import {
  discoverSkills,
  installable,
  installPlugin,
  loadMarketplace,
  osErrorText,
  type SkillLoadOutcome,
  uninstallPlugin,
} from "@codex-ts/core";
import type { Handlers } from "../../handler.js";
import { listMarketplaces, marketplaceEntry, pluginSummary } from "./catalog.js";
import { mergedConfig, type PluginServices0166, removeEntry } from "./services.js";

/** 0.166.0 refuses a relative path in an `AbsolutePathBuf` field in serde's words. */
const RELATIVE_PATH = "Invalid request: AbsolutePathBuf deserialized without a base path";
/** How many cwds one listing may name (each is a walk up to its repository root). */
export const PLUGIN_LIST_MAX_CWDS = 64;
/** 0.166.0's remote plugin ids: ASCII letters, digits, `_`, `-` and `~`. */
const REMOTE_PLUGIN_ID = /^[A-Za-z0-9_~-]+$/;
/** What 0.166.0 answers for a remote catalog without a ChatGPT sign-in (this server has no plugin backend). */
const REMOTE_CATALOG = "chatgpt authentication required for remote plugin catalog";

function checkCwds(cwds: readonly string[] | null | undefined): readonly string[] {
  const list = cwds ?? [];
  if (!list.every((c) => isAbsolute(c))) throw invalidRequest(RELATIVE_PATH);
  if (new Set(list).size > PLUGIN_LIST_MAX_CWDS)
    throw invalidRequest(`plugin listings take at most ${PLUGIN_LIST_MAX_CWDS} distinct cwds`);
  return list;
}

/** `marketplacePath` xor `remoteMarketplaceName`, as 0.166.0 requires; the local path, or a remote refusal. */
function localMarketplacePath(
  method: string,
  p: { marketplacePath?: string | null | undefined; remoteMarketplaceName?: string | null | undefined },
  remoteAction: string,
): string {
  const local = p.marketplacePath ?? null;
  const remote = p.remoteMarketplaceName ?? null;
  if ((local === null) === (remote === null))
    throw invalidRequest(`${method} requires exactly one of marketplacePath or remoteMarketplaceName`);
  if (local === null) throw invalidRequest(`${remoteAction}: ${REMOTE_CATALOG}`);
  if (!isAbsolute(local)) throw invalidRequest(RELATIVE_PATH);
  return local;
}

/** A marketplace, manifest or store failure is the client's (-32600) with its message; anything else internal. */
function asRpcError(err: unknown): RpcError {
  if (err instanceof RpcError) return err;
  const name = (err as Error)?.name;
  if (name === "MarketplaceError" || name === "PluginManifestError" || name === "PluginStoreError")
    return invalidRequest((err as Error).message);
  return internalError(osErrorText(err));
}

async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw asRpcError(err);
  }
}

/** The marketplace at `path` and its entry named `name` (0.166.0's not-found message otherwise). */
async function findPlugin(path: string, name: string) {
  const marketplace = await loadMarketplace(path);
  const plugin = marketplace.plugins.find((p) => p.name === name);
  if (!plugin)
    throw invalidRequest(`plugin \`${name}\` was not found in marketplace \`${marketplace.name}\``);
  return { marketplace, plugin };
}

/** The skills of a plugin's source directory, named `<plugin>:<skill>` (what `plugin/read` shows before install). */
async function sourceSkills(root: string, pluginName: string, key: string, dirs: readonly string[]) {
  const out: SkillLoadOutcome = { skills: [], errors: [] };
  for (const path of dirs.length > 0 ? dirs : [join(root, "skills")])
    await discoverSkills({ path, scope: "user", plugin: { id: key, name: pluginName } }, out);
  return out.skills
    .sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))
    .map(
      (s): gen0166.SkillSummary => ({
        name: s.name,
        description: s.description,
        shortDescription: s.shortDescription ?? null,
        interface: null,
        path: s.path,
        enabled: true,
      }),
    );
}

export function createPluginMethodHandlers0166(
  s: PluginServices0166,
): Handlers<
  Protocol0166,
  | "plugin/list"
  | "plugin/installed"
  | "plugin/read"
  | "plugin/install"
  | "plugin/uninstall"
  | "plugin/reconcile"
  | "plugin/skill/read"
> {
  const context = async () => ({ codexHome: s.codexHome, homeDir: s.homeDir, table: await mergedConfig(s) });
  return {
    /**
     * 0.166.0 `plugin/list {cwds?, forceRefetch?, marketplaceKinds?}`: every local marketplace seen (the home one,
     * the configured ones, the cwds'), each plugin with its install state; none when the `plugins` feature is off.
     * There is no remote catalog here, so `featuredPluginIds` is empty and `forceRefetch` changes nothing.
     */
    async "plugin/list"(p) {
      const cwds = checkCwds(p.cwds);
      return guarded(async () => {
        const o = await context();
        if (!pluginsFeatureEnabled(o.table))
          return { marketplaces: [], marketplaceLoadErrors: [], featuredPluginIds: [] };
        const listing = await listMarketplaces(o, cwds);
        const marketplaces = [];
        for (const m of listing.marketplaces) marketplaces.push(await marketplaceEntry(o, m));
        return { marketplaces, marketplaceLoadErrors: listing.errors, featuredPluginIds: [] };
      });
    },

    /** 0.166.0 `plugin/installed`: `plugin/list` narrowed to installed plugins (and the suggestions named). */
    async "plugin/installed"(p) {
      const cwds = checkCwds(p.cwds);
      const suggested = new Set(p.installSuggestionPluginNames ?? []);
      return guarded(async () => {
        const o = await context();
        if (!pluginsFeatureEnabled(o.table)) return { marketplaces: [], marketplaceLoadErrors: [] };
        const listing = await listMarketplaces(o, cwds);
        const marketplaces = [];
        for (const m of listing.marketplaces) {
          const entry = await marketplaceEntry(
            o,
            m,
            (summary) => summary.installed || suggested.has(summary.name),
          );
          if (entry.plugins.length > 0) marketplaces.push(entry);
        }
        return { marketplaces, marketplaceLoadErrors: listing.errors };
      });
    },

    /**
     * 0.166.0 `plugin/read {marketplacePath | remoteMarketplaceName, pluginName}`: the plugin's summary with what its
     * source holds: description, skills (named `<plugin>:<skill>`), MCP server names. Needs the `plugins` feature.
     */
    async "plugin/read"(p) {
      const path = localMarketplacePath("plugin/read", p, "read remote plugin details");
      return guarded(async () => {
        const o = await context();
        if (!pluginsFeatureEnabled(o.table)) throw invalidRequest("plugins feature is disabled");
        const { marketplace, plugin } = await findPlugin(path, p.pluginName);
        const { summary, manifest } = await pluginSummary(o, marketplace, plugin);
        if (plugin.source.type === "local" && !manifest)
          throw invalidRequest("missing or invalid plugin.json");
        const key = pluginIdKey({ pluginName: plugin.name, marketplaceName: marketplace.name });
        let skills: gen0166.SkillSummary[] = [];
        let mcpServers: string[] = [];
        if (plugin.source.type === "local" && manifest) {
          const root = plugin.source.path;
          skills = await sourceSkills(root, plugin.name, key, manifest.skills);
          const active: ActivePlugin = {
            id: { pluginName: plugin.name, marketplaceName: marketplace.name },
            key,
            root,
            manifest,
          };
          mcpServers = Object.keys(await pluginMcpServers(active)).sort();
        }
        return {
          plugin: {
            marketplaceName: marketplace.name,
            marketplacePath: marketplace.path,
            summary,
            shareUrl: null,
            description: manifest?.description ?? null,
            skills,
            onboardingSkill: null,
            hooks: [],
            apps: [],
            appTemplates: [],
            mcpServers,
            scheduledTasks: null,
          },
        };
      });
    },

    /**
     * 0.166.0 `plugin/install`: copies the plugin's local source into CODEX_HOME/plugins/cache/<marketplace>/<plugin>/
     * <version>/ and writes `[plugins."<id>"] enabled = true`; its skills and MCP servers reach new threads. A git or
     * npm source would be fetched from the network, which this server never does: that is refused.
     */
    async "plugin/install"(p) {
      const path = localMarketplacePath("plugin/install", p, "read remote plugin details before install");
      return guarded(async () => {
        const { marketplace, plugin } = await findPlugin(path, p.pluginName);
        if (!installable(plugin))
          throw invalidRequest(
            `plugin \`${plugin.name}\` is not available for install in marketplace \`${marketplace.name}\``,
          );
        if (plugin.source.type !== "local")
          throw invalidRequest(
            `plugin \`${plugin.name}\` has a ${plugin.source.type} source; this server installs plugins from local sources only (it fetches nothing from the network)`,
          );
        const id = { pluginName: plugin.name, marketplaceName: marketplace.name };
        await installPlugin(s.codexHome, plugin.source.path, id);
        await s.writer.write([
          {
            type: "writeValue",
            path: ["plugins", pluginIdKey(id)],
            value: { enabled: true },
            merge: "upsert",
          },
        ]);
        return { authPolicy: plugin.authPolicy, appsNeedingAuth: [] };
      });
    },

    /** 0.166.0 `plugin/uninstall {pluginId}` → `{}`: the cached copy and the `[plugins."<id>"]` entry go (idempotent). */
    async "plugin/uninstall"(p) {
      const id = parsePluginId(p.pluginId);
      if (!id) {
        if (!REMOTE_PLUGIN_ID.test(p.pluginId)) throw invalidRequest("invalid remote plugin id");
        throw invalidRequest(`resolve remote plugin before uninstall: ${REMOTE_CATALOG}`);
      }
      return guarded(async () => {
        await uninstallPlugin(s.codexHome, id);
        await s.writer.write([await removeEntry(s, "plugins", pluginIdKey(id))]);
        return {};
      });
    },

    /** 0.166.0 `plugin/reconcile`: reconciles remote plugins with the backend; with none, nothing changes. */
    async "plugin/reconcile"() {
      return { changedPlugins: [], failedRemotePluginIds: [], failedMaterializationRemotePluginIds: [] };
    },

    /** 0.166.0 `plugin/skill/read`: a remote plugin's skill, from the backend this server does not have. */
    async "plugin/skill/read"(p) {
      if (!REMOTE_PLUGIN_ID.test(p.remotePluginId))
        throw invalidRequest(
          "invalid remote plugin id: only ASCII letters, digits, `_`, `-`, and `~` are allowed",
        );
      throw invalidRequest(`read remote plugin skill details: ${REMOTE_CATALOG}`);
    },
  };
}
