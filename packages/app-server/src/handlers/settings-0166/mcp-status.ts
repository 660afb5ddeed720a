import {
  type gen0166,
  internalError,
  invalidRequest,
  type Protocol0166,
} from "@codex-ts/app-server-protocol";
import type { Config, McpServerConfig } from "@codex-ts/config-loader";
import {
  hasStoredMcpOauth,
  McpConnectionManager,
  type McpStartOptions,
  type McpStartupFailure,
} from "@codex-ts/core";
import type { Handlers } from "../../handler.js";
import { pageItems } from "../../model-list.js";
import { parseThreadId } from "../../threads/registry.js";

/** One `resources/list` or `resources/templates/list` request of a status probe may take this long. */
export const MCP_STATUS_LIST_TIMEOUT_MS = 10_000;
/** At most this many pages of resources (and of templates) are read per server. */
export const MCP_STATUS_MAX_PAGES = 20;
/** Reading stops once a server has listed this many resources (or templates); the answer keeps that many. */
export const MCP_STATUS_MAX_ITEMS = 10_000;

/** How a thread's own MCP connections are reported; the live thread methods provide it. */
export type ThreadMcpLookup = (
  threadId: string,
) => { status(server: string): gen0166.McpServerConnectionStatus | null } | undefined;

export interface McpStatusServices0166 {
  /** The config as it is now (the `mcp_servers` to report). */
  currentConfig(): Promise<Config>;
  /** Environment the stdio servers' variables come from. */
  env?: NodeJS.ProcessEnv | undefined;
  /**
   * With a `threadId`: that thread's connection state per server; unknown threads are refused. Provided by the live
   * thread methods; until then a `threadId` only has to be a valid id.
   */
  threadMcp?: ThreadMcpLookup | undefined;
}

type Status = gen0166.McpServerStatus;
type Detail = gen0166.McpServerStatusDetail;

/** 0.166.0's `McpAuthStatus` for a server, from its transport and how starting it went. */
function authStatus(
  config: McpServerConfig,
  failure: McpStartupFailure | undefined,
  signedIn: boolean,
): gen0166.McpAuthStatus {
  const t = config.transport;
  if (t.type === "stdio") return "unsupported";
  if (t.bearerTokenEnvVar) return "bearerToken";
  if (failure?.auth) return "notLoggedIn";
  if (signedIn) return "oAuth";
  if (!failure) return "unsupported";
  return /\b401\b/.test(failure.reason) ? "notLoggedIn" : "unknown";
}

/** Whether an OAuth sign-in is stored for a streamable HTTP server (an unreadable store counts as none). */
async function hasStoredSignIn(
  name: string,
  config: McpServerConfig,
  oauth: OauthStore | undefined,
): Promise<boolean> {
  if (!oauth || config.transport.type !== "streamable_http" || config.transport.bearerTokenEnvVar)
    return false;
  return hasStoredMcpOauth({ ...oauth, serverName: name, serverUrl: config.transport.url });
}

type OauthStore = NonNullable<McpStartOptions["oauth"]>;

/** The HTTP origin of a streamable-HTTP server (no credentials, path or query); null for stdio. */
function httpOrigin(config: McpServerConfig): string | null {
  if (config.transport.type !== "streamable_http") return null;
  try {
    return new URL(config.transport.url).origin;
  } catch {
    return null;
  }
}

/** MCP `Tool` fields 0.166.0 reports (its struct's); others a server adds (e.g. `execution`) are left out. */
const TOOL_FIELDS = [
  "name",
  "title",
  "description",
  "inputSchema",
  "outputSchema",
  "annotations",
  "icons",
  "_meta",
];

function toolDefinition(
  definition: Record<string, unknown>,
  name: string,
  inputSchema: unknown,
): gen0166.Tool {
  // Built in the struct's field order, as 0.166.0 serializes it; `name` and `inputSchema` are always there.
  const own: Record<string, unknown> = { ...definition, name, inputSchema };
  const fields: Record<string, unknown> = {};
  for (const key of TOOL_FIELDS) if (key in own) fields[key] = own[key];
  return { ...fields, name, inputSchema };
}

function serverInfo(info: Record<string, unknown> | null): gen0166.McpServerInfo | null {
  if (!info || typeof info.name !== "string" || typeof info.version !== "string") return null;
  const text = (v: unknown) => (typeof v === "string" ? v : null);
  return {
    name: info.name,
    title: text(info.title),
    version: info.version,
    description: text(info.description),
    icons: Array.isArray(info.icons) ? info.icons : null,
    websiteUrl: text(info.websiteUrl),
  };
}

/**
 * Every page of one MCP list, bounded in pages, items and time per page (a server's single message is bounded by
 * core's transport); what was read before a failure is kept.
 */
async function allPages<K extends "resources" | "resourceTemplates">(
  key: K,
  read: (cursor: string | undefined) => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let cursor: string | undefined;
  try {
    for (let page = 0; page < MCP_STATUS_MAX_PAGES; page++) {
      const result = await read(cursor);
      const list = result[key];
      if (Array.isArray(list))
        items.push(...(list as Record<string, unknown>[]).slice(0, MCP_STATUS_MAX_ITEMS - items.length));
      cursor = typeof result.nextCursor === "string" ? result.nextCursor : undefined;
      if (!cursor || items.length >= MCP_STATUS_MAX_ITEMS) break;
    }
  } catch {
    // A server that cannot list resources is reported with what it listed: its tools are what clients need.
  }
  return items;
}

/** Probes the given servers (started together, each within its startup timeout) and reports each. */
async function probe(
  servers: [string, McpServerConfig][],
  detail: Detail,
  env: NodeJS.ProcessEnv | undefined,
  runtime: ReturnType<ThreadMcpLookup> | undefined,
  oauth: OauthStore | undefined,
): Promise<Status[]> {
  const enabled = Object.fromEntries(servers.filter(([, c]) => c.enabled));
  const manager = await McpConnectionManager.start(enabled, {
    wording: "0.166",
    ...(env ? { env } : {}),
    ...(oauth ? { oauth } : {}),
  });
  try {
    return await Promise.all(
      servers.map(async ([name, config]): Promise<Status> => {
        const failure = manager.failures.find((f) => f.server === name);
        const described = manager.describe(name);
        const tools: Record<string, gen0166.Tool> = {};
        for (const t of manager.tools()) {
          if (t.server === name) tools[t.tool] = toolDefinition(t.definition, t.tool, t.inputSchema);
        }
        const listsResources = detail === "full" && !!described?.capabilities?.resources;
        const [resources, resourceTemplates] = listsResources
          ? await Promise.all([
              allPages("resources", (c) =>
                manager.listResources(name, c, { timeoutMs: MCP_STATUS_LIST_TIMEOUT_MS }),
              ),
              allPages("resourceTemplates", (c) =>
                manager.listResourceTemplates(name, c, { timeoutMs: MCP_STATUS_LIST_TIMEOUT_MS }),
              ),
            ])
          : [[], []];
        return {
          name,
          runtimeStatus: runtime?.status(name) ?? null,
          pluginId: config.pluginId ?? null,
          httpOrigin: httpOrigin(config),
          serverInfo: serverInfo(described?.serverInfo ?? null),
          serverCapabilities: described?.capabilities ?? null,
          toolListMeta: described?.toolListMeta ?? null,
          tools,
          toolsError: failure?.reason ?? null,
          resources: resources as gen0166.Resource[],
          resourceTemplates: resourceTemplates as gen0166.ResourceTemplate[],
          authStatus: authStatus(config, failure, await hasStoredSignIn(name, config, oauth)),
        };
      }),
    );
  } finally {
    await manager.close();
  }
}

/**
 * 0.166.0 `mcpServerStatus/list {cursor?, limit?, detail?, serverName?, threadId?}` → `{data, nextCursor}`: the
 * configured MCP servers (config read afresh), sorted by name and paged like `model/list`; the servers of the page
 * are started through core's `McpConnectionManager` (each within its `startup_timeout_sec`, default 30 s), asked
 * for their tools and, with `detail: "full"` (the default), their resources and resource templates, then stopped.
 * A server that fails to start is listed with `toolsError`; a disabled one with nothing. A `threadId` must be a
 * UUID (`invalid thread id: …`); with a `threadMcp` lookup, an unknown thread is refused (`thread not found: <id>`)
 * and a known one's connection states fill `runtimeStatus`; without one it is listed as if none were given.
 */
export function createMcpStatusHandler0166(
  s: McpStatusServices0166,
): Handlers<Protocol0166, "mcpServerStatus/list"> {
  return {
    async "mcpServerStatus/list"(p) {
      const threadId = p.threadId == null ? null : parseThreadId(p.threadId);
      const runtime = threadId !== null && s.threadMcp ? s.threadMcp(threadId) : undefined;
      if (threadId !== null && s.threadMcp && !runtime) throw invalidRequest(`thread not found: ${threadId}`);
      let config: Config;
      try {
        config = await s.currentConfig();
      } catch (err) {
        throw internalError(`failed to reload config: ${(err as Error).message}`);
      }
      const all = Object.entries(config.mcpServers)
        .filter(([name]) => p.serverName == null || name === p.serverName)
        .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      const page = pageItems(all, p, "MCP servers");
      const oauth = { codexHome: config.codexHome, mode: config.mcpOauthCredentialsStore };
      const data = await probe(page.data, p.detail ?? "full", s.env, runtime, oauth);
      return { data, nextCursor: page.nextCursor };
    },
  };
}
