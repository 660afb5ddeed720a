import {
  type gen0166,
  internalError,
  invalidRequest,
  type Protocol0166,
} from "@codex-ts/app-server-protocol";
import { readPluginManifestOrNull } from "@codex-ts/config-loader";
import type { Handlers } from "../../handler.js";
import { clientPath } from "../fs-0166/paths.js";
import type { PluginCatalogBackend } from "./backend.js";
import { remotePluginSummary } from "./remote-plugin.js";

type Methods =
  | "plugin/search"
  | "plugin/share/save"
  | "plugin/share/updateTargets"
  | "plugin/share/list"
  | "plugin/share/checkout"
  | "plugin/share/delete";

export interface PluginCatalogServices {
  /** The catalog; without one (no account store) every method answers as without a ChatGPT login. */
  catalog: PluginCatalogBackend | undefined;
  requireExperimental(method: string): void;
  /** Whether the `plugins` feature is on (0.166.0's default); off, the catalog is not used. */
  pluginsEnabled(): Promise<boolean>;
}

/** A search asks for this many results unless the client names a number (0.166.0's default). */
const DEFAULT_SEARCH_LIMIT = 16;
/** How many of the plugins one created the share listing asks for (0.166.0's page). */
const SHARE_LIST_LIMIT = 200;
/** The share listing reads at most this many pages: a backend that always names a next page cannot hold it. */
const MAX_SHARE_LIST_PAGES = 50;
/** The catalog's plugin ids (0.166.0 refuses others before any request: `invalid remote plugin id`). */
const REMOTE_PLUGIN_ID = /^[A-Za-z0-9_-]+$/;

const SEARCH_SCOPES = { global: "GLOBAL", workspace: "WORKSPACE", personal: "USER" } as const;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function remotePluginId(id: string): string {
  if (!REMOTE_PLUGIN_ID.test(id)) throw invalidRequest("invalid remote plugin id");
  return encodeURIComponent(id);
}

/** A catalog page's `pagination.next_page_token` (required, possibly null); undefined when it is missing. */
function nextPageToken(body: Record<string, unknown>): string | null | undefined {
  if (!isObject(body.pagination)) return undefined;
  const token = body.pagination.next_page_token;
  return typeof token === "string" ? token : token == null ? null : undefined;
}

/**
 * The remote plugin catalog of the ChatGPT backend, as 0.166.0 serves it; every method needs the `plugins` feature
 * (a search finds nothing without it, sharing is refused: `plugin sharing is not enabled`) and a ChatGPT login
 * (`<operation>: chatgpt authentication required for remote plugin catalog`):
 * - `plugin/search {searchTerm, scope?, cursor?, limit?}` (experimental): the catalog's search (`GET
 *   ps/plugins/search?q=…&scope=…&limit=…&pageToken=…`), whose plugins are reported with their marketplace. It
 *   searches the remote catalog only: a blank term, or no ChatGPT login, finds nothing (`data: []`), as in 0.166.0,
 *   whose local marketplaces `plugin/list` shows instead.
 * - `plugin/share/updateTargets` (`PUT ps/plugins/<id>/shares`), `plugin/share/delete` (`DELETE
 *   public/plugins/workspace/<id>`), `plugin/share/list` (`GET ps/plugins/workspace/created`, every page; a login
 *   that created plugins is refused: their share contexts are not read here).
 * - `plugin/share/save` and `plugin/share/checkout` upload and download plugin archives, which this server does not
 *   do: with a ChatGPT login they are refused after 0.166.0's own checks (see the README).
 */
export function createPluginCatalogHandlers0166(s: PluginCatalogServices): Handlers<Protocol0166, Methods> {
  const call = (...args: Parameters<PluginCatalogBackend["call"]>) => {
    if (!s.catalog)
      throw invalidRequest(`${args[0].operation}: chatgpt authentication required for remote plugin catalog`);
    return s.catalog.call(...args);
  };
  const loggedIn = async () => (await s.catalog?.hasChatgptLogin()) === true;
  // 0.166.0 refuses every sharing method without the `plugins` feature, before looking at the plugin named.
  const requireSharing = async () => {
    if (!(await s.pluginsEnabled())) throw invalidRequest("plugin sharing is not enabled");
  };
  return {
    async "plugin/search"(p) {
      // The cwds are paths 0.166.0 reads while decoding (before anything else is looked at); they choose nothing here.
      for (const cwd of p.cwds ?? []) clientPath(cwd);
      s.requireExperimental("plugin/search");
      const term = p.searchTerm.trim();
      if (term === "" || !(await s.pluginsEnabled()) || !(await loggedIn()))
        return { data: [], nextCursor: null };
      const query = new URLSearchParams({ q: term });
      if (p.scope) query.set("scope", SEARCH_SCOPES[p.scope]);
      query.set("limit", String(Math.max(1, p.limit ?? DEFAULT_SEARCH_LIMIT)));
      if (p.cursor != null) query.set("pageToken", p.cursor);
      return (await call(
        {
          method: "GET",
          path: `ps/plugins/search?${query}`,
          shownPath: "ps/plugins/search",
          operation: "search remote plugin catalog",
        },
        (body) => {
          if (!isObject(body) || !Array.isArray(body.plugins)) return undefined;
          const next = nextPageToken(body);
          if (next === undefined) return undefined;
          const data: gen0166.PluginSearchResult[] = [];
          for (const plugin of body.plugins) {
            const found = remotePluginSummary(plugin);
            if (!found) return undefined;
            data.push({
              plugin: found.summary,
              marketplaceName: found.marketplaceName,
              marketplacePath: null,
            });
          }
          return { data, nextCursor: next };
        },
      )) as gen0166.PluginSearchResponse;
    },

    async "plugin/share/save"(p) {
      const operation = "save remote plugin share";
      const pluginPath = clientPath(p.pluginPath);
      await requireSharing();
      if (!(await loggedIn()))
        throw invalidRequest(`${operation}: chatgpt authentication required for remote plugin catalog`);
      if (!(await readPluginManifestOrNull(pluginPath)))
        throw invalidRequest(
          `${operation}: invalid plugin path \`${p.pluginPath}\`: expected a plugin directory`,
        );
      throw invalidRequest(`${operation}: uploading plugin archives is not supported by this server`);
    },

    async "plugin/share/updateTargets"(p) {
      await requireSharing();
      const id = remotePluginId(p.remotePluginId);
      if (p.shareTargets.some((t) => t.principalType === "workspace"))
        throw invalidRequest(
          "shareTargets cannot include workspace principals; use discoverability UNLISTED for workspace link access",
        );
      const targets = p.shareTargets.map((t) => ({
        principal_type: t.principalType,
        principal_id: t.principalId,
        role: t.role,
      }));
      // An unlisted plugin is readable by whoever in the workspace has its link: the workspace is made a reader.
      const workspace = p.discoverability === "UNLISTED" ? await s.catalog?.accountId() : null;
      if (workspace) targets.push({ principal_type: "workspace", principal_id: workspace, role: "reader" });
      return (await call(
        {
          method: "PUT",
          path: `ps/plugins/${id}/shares`,
          body: { discoverability: p.discoverability, targets },
          operation: "update remote plugin share targets",
        },
        (body) => {
          if (!isObject(body) || typeof body.discoverability !== "string" || !Array.isArray(body.principals))
            return undefined;
          const principals: gen0166.PluginSharePrincipal[] = [];
          for (const q of body.principals) {
            if (!isObject(q)) return undefined;
            const { principal_type, principal_id, role, name } = q;
            if (typeof principal_id !== "string" || typeof name !== "string") return undefined;
            principals.push({
              principalType: principal_type as gen0166.PluginSharePrincipalType,
              principalId: principal_id,
              role: role as gen0166.PluginSharePrincipalRole,
              name,
            });
          }
          return {
            principals,
            discoverability: body.discoverability as gen0166.PluginShareDiscoverability,
          };
        },
      )) as gen0166.PluginShareUpdateTargetsResponse;
    },

    async "plugin/share/list"() {
      await requireSharing();
      const operation = "list remote plugin shares";
      // Every page of the plugins this login created (as 0.166.0 reads them), up to a bound a backend cannot push.
      let created = 0;
      let token: string | null = null;
      for (let page = 0; page < MAX_SHARE_LIST_PAGES; page++) {
        const query = new URLSearchParams({ limit: String(SHARE_LIST_LIMIT) });
        if (token !== null) query.set("pageToken", token);
        const read = (await call(
          { method: "GET", path: `ps/plugins/workspace/created?${query}`, operation },
          (body) => {
            if (!isObject(body) || !Array.isArray(body.plugins)) return undefined;
            const next = nextPageToken(body);
            return next === undefined ? undefined : { count: body.plugins.length, next };
          },
        )) as { count: number; next: string | null };
        created += read.count;
        token = read.next;
        if (token === null) break;
      }
      // Shared plugins are reported with their share context and local checkout, which this server does not keep.
      if (created > 0)
        throw internalError(`${operation}: listing shared plugins is not supported by this server`);
      return { data: [] };
    },

    async "plugin/share/checkout"(p) {
      await requireSharing();
      const operation = "checkout plugin share";
      const id = remotePluginId(p.remotePluginId);
      await call(
        { method: "GET", path: `ps/plugins/${id}?includeDownloadUrls=true`, operation },
        (body) => body,
      );
      throw invalidRequest(`${operation}: downloading plugin archives is not supported by this server`);
    },

    async "plugin/share/delete"(p) {
      await requireSharing();
      const id = remotePluginId(p.remotePluginId);
      await call(
        {
          method: "DELETE",
          path: `public/plugins/workspace/${id}`,
          operation: "delete remote plugin share",
          // 0.166.0 takes only 204 No Content as the deletion.
          ok: (status) => status === 204,
        },
        () => ({}),
      );
      return {};
    },
  };
}
