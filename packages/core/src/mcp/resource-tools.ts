import type { ToolSpec } from "../client/types.js";
import { jsonSyntaxError } from "../tools/json-syntax-error.js";
import { sortKeys } from "./call-output.js";
import type { McpConnectionManager } from "./connection-manager.js";
import type { McpWording } from "./startup-failure.js";

/**
 * The three MCP resource tools 0.58.0 offers every model (right after the shell tool, even with no MCP server),
 * and how their calls are answered — output texts, error wording and the `mcp_tool_call_begin`/`_end` invocation
 * as the real binary produced them against a resource-serving MCP server. Descriptions are our own wording.
 */
export const MCP_RESOURCE_TOOLS: ToolSpec[] = [
  listTool(
    "list_mcp_resources",
    "Lists the resources the MCP servers offer (files, documents, data).",
    "resources",
  ),
  listTool(
    "list_mcp_resource_templates",
    "Lists the parameterized resource URI templates the MCP servers offer.",
    "resource templates",
  ),
  {
    type: "function",
    name: "read_mcp_resource",
    description: "Reads one resource from an MCP server by its URI (from list_mcp_resources or a template).",
    strict: false,
    parameters: {
      type: "object",
      properties: {
        server: { type: "string", description: "The MCP server's name, as list_mcp_resources reports it." },
        uri: { type: "string", description: "The URI of the resource to read." },
      },
      required: ["server", "uri"],
      additionalProperties: false,
    },
  },
];

function listTool(name: string, description: string, what: string): ToolSpec {
  return {
    type: "function",
    name,
    description,
    strict: false,
    parameters: {
      type: "object",
      properties: {
        cursor: {
          type: "string",
          description: `The cursor a previous ${name} call returned for the same server.`,
        },
        server: { type: "string", description: `Only this MCP server's ${what}; all servers' when omitted.` },
      },
      additionalProperties: false,
    },
  };
}

export const MCP_RESOURCE_TOOL_NAMES: ReadonlySet<string> = new Set(
  MCP_RESOURCE_TOOLS.map((t) => ("name" in t ? t.name : "")),
);

/** What a resource tool call does: refused before it starts (no events), or run between begin/end events. */
export type ResourceToolCall =
  | { kind: "invalid"; output: string }
  | {
      kind: "run";
      invocation: { server: string; tool: string; arguments: unknown };
      run: () => Promise<{ Ok: string } | { Err: string }>;
    };

type Args = Record<string, unknown>;

/**
 * Parses a resource tool call's arguments as 0.58.0 does (`failed to parse function arguments: missing field
 * \`uri\``), and prepares the request to the server(s).
 */
export function resourceToolCall(
  mcp: McpConnectionManager | undefined,
  tool: string,
  rawArguments: string,
  wording: McpWording = "0.58",
): ResourceToolCall {
  let parsed: unknown = null;
  try {
    parsed = rawArguments.trim() === "" ? null : JSON.parse(rawArguments);
  } catch (err) {
    // serde_json's words and position, as for every function tool's arguments.
    const syntax = jsonSyntaxError(rawArguments) ?? (err as Error).message;
    return { kind: "invalid", output: `failed to parse function arguments: ${syntax}` };
  }
  const args: Args = parsed && typeof parsed === "object" ? (parsed as Args) : {};
  const fields = tool === "read_mcp_resource" ? ["server", "uri"] : ["server", "cursor"];
  for (const field of fields) {
    const value = args[field];
    if (value !== undefined && value !== null && typeof value !== "string")
      return {
        kind: "invalid",
        output: `failed to parse function arguments: invalid type: ${JSON.stringify(value)}, expected a string`,
      };
    if (tool === "read_mcp_resource" && typeof value !== "string")
      return { kind: "invalid", output: `failed to parse function arguments: missing field \`${field}\`` };
  }
  const server = typeof args.server === "string" ? args.server : undefined;
  const cursor = typeof args.cursor === "string" ? args.cursor : undefined;
  const invocation = { server: server ?? "codex", tool, arguments: parsed };
  const run = async (): Promise<{ Ok: string } | { Err: string }> => {
    if (tool === "read_mcp_resource") return readResource(mcp, server as string, String(args.uri), wording);
    if (cursor !== undefined && server === undefined)
      return { Err: "cursor can only be used when a server is specified" };
    const key = tool === "list_mcp_resources" ? "resources" : "resourceTemplates";
    return server === undefined ? listAll(mcp, key) : listOne(mcp, key, server, cursor, wording);
  };
  return { kind: "run", invocation, run };
}

type ListKey = "resources" | "resourceTemplates";

const METHOD: Record<ListKey | "read", string> = {
  resources: "resources/list",
  resourceTemplates: "resources/templates/list",
  read: "resources/read",
};

function page(mcp: McpConnectionManager | undefined, key: ListKey, server: string, cursor?: string) {
  if (!mcp) throw new Error(`unknown MCP server '${server}'`);
  return key === "resources" ? mcp.listResources(server, cursor) : mcp.listResourceTemplates(server, cursor);
}

/** Each item of a server, `server` first, then its own keys in alphabetical order. */
const withServer = (server: string, items: Record<string, unknown>[]) =>
  items.map((item) => ({ server, ...(sortKeys(item) as Args) }));

/** Every page of every server; a server that fails (or has no resources capability) is left out. */
async function listAll(mcp: McpConnectionManager | undefined, key: ListKey): Promise<{ Ok: string }> {
  const all: Args[] = [];
  for (const server of mcp?.serverNames() ?? []) {
    const items: Args[] = [];
    try {
      let cursor: string | undefined;
      do {
        const p = (await page(mcp, key, server, cursor)) as Args & { nextCursor?: string };
        items.push(...withServer(server, (p[key] as Args[] | undefined) ?? []));
        cursor = p.nextCursor;
      } while (cursor);
    } catch {
      continue;
    }
    all.push(...items);
  }
  return { Ok: JSON.stringify({ [key]: all }) };
}

async function listOne(
  mcp: McpConnectionManager | undefined,
  key: ListKey,
  server: string,
  cursor: string | undefined,
  wording: McpWording,
): Promise<{ Ok: string } | { Err: string }> {
  try {
    const p = (await page(mcp, key, server, cursor)) as Args & { nextCursor?: string };
    const items = withServer(server, (p[key] as Args[] | undefined) ?? []);
    return {
      Ok: JSON.stringify({ server, [key]: items, ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}) }),
    };
  } catch (err) {
    return { Err: failure(METHOD[key], server, null, err, wording) };
  }
}

async function readResource(
  mcp: McpConnectionManager | undefined,
  server: string,
  uri: string,
  wording: McpWording,
): Promise<{ Ok: string } | { Err: string }> {
  try {
    if (!mcp) throw new Error(`unknown MCP server '${server}'`);
    const result = await mcp.readResource(server, uri);
    // 0.58.0 shows each content's keys sorted, 0.166.0 as the server sent them.
    const contents = wording === "0.166" ? (result.contents ?? []) : (result.contents ?? []).map(sortKeys);
    return { Ok: JSON.stringify({ server, uri, contents }) };
  } catch (err) {
    return { Err: failure(METHOD.read, server, uri, err, wording) };
  }
}

/**
 * 0.58.0's wording: `<method> failed: unknown MCP server '<name>'`, or for the server's own error
 * `<method> failed: <method> failed for \`<server>\`[ (<uri>)]: <method> failed: Mcp error: <code>: <message>`.
 * 0.166.0's (checked with the native binary): `unknown MCP server '<name>'` alone, and the server's error without
 * the third `<method> failed: `.
 */
function failure(
  method: string,
  server: string,
  uri: string | null,
  err: unknown,
  wording: McpWording,
): string {
  const e = err as { code?: unknown; message?: string };
  const message = String(e?.message ?? err);
  const modern = wording === "0.166";
  if (typeof e?.code !== "number") return modern ? message : `${method} failed: ${message}`;
  // The SDK's McpError prefixes the server's message with "MCP error <code>: "; 0.58.0 shows the message as sent.
  const sent = message.replace(`MCP error ${e.code}: `, "");
  const where = uri === null ? `\`${server}\`` : `\`${server}\` (${uri})`;
  const inner = modern ? "" : `${method} failed: `;
  return `${method} failed: ${method} failed for ${where}: ${inner}Mcp error: ${e.code}: ${sent}`;
}
