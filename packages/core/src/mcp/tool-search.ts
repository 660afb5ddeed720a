import type { NamespacedFunction, ToolSpec } from "../client/types.js";
import { bm25Rank } from "./bm25.js";
import { sanitizeToolName } from "./tool-names.js";
import { toolInputSchema0166 } from "./tool-schema.js";
import type { McpToolInfo } from "./types.js";

/**
 * MCP tools the way codex 0.166.0 offers them to `gpt-5.5` (observed with the native binary): not in the request's
 * `tools` but deferred behind a `tool_search` tool whose description names the servers ("sources"); the model
 * calls it with a query, and the answer (`tool_search_output`) carries the best matching tools as one
 * `mcp__<server>` namespace per server, which the model then calls as `{namespace, name}`. The request's tool list
 * never changes: the found tools reach the model through the history.
 */

export const TOOL_SEARCH_DEFAULT_LIMIT = 8;

/** The namespace a server's tools are called under. */
export function mcpNamespace(server: string): string {
  return `mcp__${server}`;
}

/** The name a tool is called by inside its namespace (`search.notes` → `search_notes`). */
export function callableToolName(tool: string): string {
  return sanitizeToolName(tool);
}

/** The server's instructions (from its `initialize`), the namespace's and the search source's description. */
export type ServerInstructions = (server: string) => string | undefined;

function namespaceDescription(server: string, instructions: ServerInstructions): string {
  return instructions(server)?.trim() || `Tools in the ${mcpNamespace(server)} namespace.`;
}

/** The `tool_search` tool, listing the servers whose tools it searches (sorted, with their instructions). */
export function toolSearchSpec(tools: readonly McpToolInfo[], instructions: ServerInstructions): ToolSpec {
  const servers = [...new Set(tools.map((t) => t.server))].sort();
  const sources = servers.map((s) => {
    const about = instructions(s)?.trim();
    return about ? `- ${s}: ${about}` : `- ${s}`;
  });
  // The wording is this project's; the layout (a heading, then the sources one per line as `- name: about`) is
  // 0.166.0's, so a model trained on it reads the list the same way.
  const description = [
    "# Tool discovery",
    "",
    "Searches the deferred tools (ranked with BM25) and makes the matching ones callable from the next model call.",
    "",
    "Deferred tools come from these sources:",
    ...(sources.length > 0 ? sources : ["None currently enabled."]),
    "Their tools are not listed upfront: search with this tool (`tool_search`) to find the ones a task needs. To " +
      "discover MCP tools use `tool_search`, not `list_mcp_resources` or `list_mcp_resource_templates`.",
  ].join("\n");
  return {
    type: "tool_search",
    execution: "client",
    description,
    parameters: {
      type: "object",
      properties: {
        limit: {
          type: "number",
          description: `How many tools to return at most (default ${TOOL_SEARCH_DEFAULT_LIMIT}).`,
        },
        query: { type: "string", description: "Words describing the tool wanted." },
      },
      required: ["query"],
      additionalProperties: false,
    },
  };
}

/**
 * What a tool is found by: its callable name, its name, its server, title and description (0.166.0 finds no tool
 * by its flat `mcp__<server>__<tool>` name: checked with the native binary).
 */
function searchText(t: McpToolInfo): string {
  const title = typeof t.definition.title === "string" ? t.definition.title.trim() : "";
  return [callableToolName(t.tool), t.tool, t.server, title, t.description.trim()]
    .filter((part) => part !== "")
    .join(" ");
}

/** A tool as a found namespace member (`defer_loading`, the schema reduced as 0.166.0 reduces it). */
function deferredFunction(t: McpToolInfo): NamespacedFunction {
  const { parameters, ...head } = namespaceMember(t);
  // 0.166.0's key order: `defer_loading` before `parameters`.
  return { ...head, defer_loading: true, parameters };
}

/** A tool as a namespace member: its callable name and the schema reduced as 0.166.0 reduces it. */
function namespaceMember(t: McpToolInfo): NamespacedFunction {
  return {
    type: "function",
    name: callableToolName(t.tool),
    description: t.description,
    strict: false,
    parameters: toolInputSchema0166(t.inputSchema),
  };
}

/**
 * Every tool as 0.166.0 puts them in the request of a model outside its catalogue (observed with the native binary):
 * one `mcp__<server>` namespace per server, servers and tools in the order `tools` has them (sorted by qualified
 * name), the members without `defer_loading`.
 */
export function namespacedTools(tools: readonly McpToolInfo[], instructions: ServerInstructions): ToolSpec[] {
  return groupByServer(tools, namespaceMember, instructions);
}

function groupByServer(
  tools: readonly McpToolInfo[],
  member: (t: McpToolInfo) => NamespacedFunction,
  instructions: ServerInstructions,
): ToolSpec[] {
  const namespaces = new Map<string, NamespacedFunction[]>();
  for (const t of tools) {
    const members = namespaces.get(t.server) ?? [];
    members.push(member(t));
    namespaces.set(t.server, members);
  }
  return [...namespaces].map(([server, members]) => ({
    type: "namespace",
    name: mcpNamespace(server),
    description: namespaceDescription(server, instructions),
    tools: members,
  }));
}

/**
 * The query and limit of a `tool_search_call`'s arguments (an object, or its JSON text); null when 0.166.0 refuses
 * them — no query, an empty one, a limit that is not a positive whole number — and then answers that nothing was
 * found (checked with the native binary).
 */
export function toolSearchArguments(args: unknown): { query: string; limit: number } | null {
  const a = (typeof args === "string" ? safeParse(args) : args) as {
    query?: unknown;
    limit?: unknown;
  } | null;
  if (!a || typeof a !== "object" || typeof a.query !== "string") return null;
  const query = a.query.trim();
  if (query === "") return null;
  if (a.limit === undefined || a.limit === null) return { query, limit: TOOL_SEARCH_DEFAULT_LIMIT };
  if (typeof a.limit !== "number" || !Number.isInteger(a.limit) || a.limit <= 0) return null;
  return { query, limit: a.limit };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * The tools a search finds, as 0.166.0 returns them: the best `limit` matches, grouped into one namespace per
 * server in the order each server first appears among them.
 */
export function searchTools(
  tools: readonly McpToolInfo[],
  query: string,
  limit: number,
  instructions: ServerInstructions,
): ToolSpec[] {
  const ranked = bm25Rank(tools.map(searchText), query, limit).map((i) => tools[i] as McpToolInfo);
  return groupByServer(ranked, deferredFunction, instructions);
}
