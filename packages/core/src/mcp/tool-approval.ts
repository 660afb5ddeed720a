import { ConfigError, ConfigWriter, isTomlTable } from "@codex-ts/config-loader";
import type { GuardianMcpAction } from "../guardian/index.js";
import type { McpElicitationRequest, McpElicitationResponse, McpToolInfo } from "./types.js";

/**
 * Codex 0.166.0's approval of MCP tool calls (its `mcp_tool_call.rs`, checked against the binary): which calls ask
 * the user, the message-only form it asks with (`mcpServer/elicitation/request`), how the answer reads, and the
 * texts a refused call ends with.
 */

/** An MCP tool's annotations (MCP's ToolAnnotations), as far as approvals read them. */
interface ToolHints {
  readOnlyHint?: unknown;
  destructiveHint?: unknown;
  openWorldHint?: unknown;
}

/**
 * Whether a call of a tool with these annotations needs the user's approval: a destructive tool does, a read-only one
 * does not, and otherwise one that may be destructive or reach the open world does (an unstated hint counts as
 * yes — so does a tool without annotations).
 */
export function requiresMcpToolApproval(annotations: ToolHints | undefined): boolean {
  if (annotations?.destructiveHint === true) return true;
  if (annotations?.readOnlyHint === true) return false;
  return annotations?.destructiveHint !== false || annotations?.openWorldHint !== false;
}

/** The user's verdict on one call. */
export type McpToolApprovalDecision =
  | "accept"
  | "acceptForSession"
  | "acceptAndRemember"
  | "decline"
  | "cancel";

/** What a call the user did not allow ends with (the `mcp_tool_call_end` error and the model's output). */
export const MCP_TOOL_CALL_REFUSED: Record<"decline" | "cancel" | "never", string> = {
  decline: "user rejected MCP tool call",
  cancel: "user cancelled MCP tool call",
  never: "MCP tool call requires approval, but approval policy is never",
};

/** `[mcp_servers.<server>.tools.<tool>] approval_mode`: `auto` (by annotations), `prompt` (always), `approve`. */
export type McpToolApprovalMode = "auto" | "prompt" | "approve";

/**
 * The form 0.166.0 asks before a call: a message-only form (no fields) whose `_meta` says what it is for
 * (`codex_approval_kind: mcp_tool_call`), which answers may be remembered (`persist`: only for `auto` tools), and
 * the tool and its arguments. `_meta` keys in 0.166.0's (alphabetical) order.
 */
export function mcpToolApprovalRequest(
  server: string,
  tool: string,
  args: Record<string, unknown> | null,
  info: McpToolInfo | undefined,
  mode: McpToolApprovalMode,
): McpElicitationRequest {
  const meta: Record<string, unknown> = { codex_approval_kind: "mcp_tool_call" };
  if (mode === "auto") meta.persist = ["session", "always"];
  const description = info?.definition.description;
  if (typeof description === "string") meta.tool_description = description;
  if (args !== null) {
    meta.tool_params = args;
    meta.tool_params_display = Object.keys(args)
      .sort()
      .map((name) => ({ name, value: args[name], display_name: name }));
  }
  const title = info?.definition.title;
  if (typeof title === "string") meta.tool_title = title;
  return {
    mode: "form",
    _meta: meta,
    message: `Allow the ${server} MCP server to run tool "${tool}"?`,
    requestedSchema: { type: "object", properties: {} },
  };
}

/**
 * What the automatic approval reviewer is shown of a call (0.166.0's `GuardianApprovalRequest::McpToolCall`): the
 * tool's title and description and those of its hints that are booleans (a tool without annotations shows none).
 */
export function guardianMcpAction(
  server: string,
  tool: string,
  args: Record<string, unknown> | null,
  info: McpToolInfo | undefined,
): GuardianMcpAction {
  const d = info?.definition ?? {};
  const hints = d.annotations as Record<string, unknown> | undefined;
  const hint = (key: string) => (typeof hints?.[key] === "boolean" ? { [key]: hints[key] as boolean } : {});
  return {
    type: "mcpToolCall",
    server,
    toolName: tool,
    toolTitle: typeof d.title === "string" ? d.title : null,
    arguments: args,
    annotations:
      hints !== undefined && hints !== null
        ? { ...hint("destructiveHint"), ...hint("openWorldHint"), ...hint("readOnlyHint") }
        : null,
    toolDescription: typeof d.description === "string" ? d.description : null,
  };
}

/**
 * The decision an answer to the approval form stands for: accepting with `_meta.persist` `session` or `always`
 * remembers it (a `prompt` tool is asked every time, so there it is a plain accept); no answer cancels.
 */
export function mcpToolApprovalDecision(
  answer: McpElicitationResponse | null,
  mode: McpToolApprovalMode,
): McpToolApprovalDecision {
  if (!answer) return "cancel";
  if (answer.action !== "accept") return answer.action;
  const persist = answer._meta?.persist;
  if (mode === "prompt") return "accept";
  if (persist === "session") return "acceptForSession";
  if (persist === "always") return "acceptAndRemember";
  return "accept";
}

/**
 * Remembers "always allow" as 0.166.0 does: `approval_mode = "approve"` in the server's
 * `[mcp_servers.<server>.tools.<tool>]` table of CODEX_HOME/config.toml (an atomic, format-preserving write).
 * Refused when the server is not configured there (e.g. it comes from a profile or the command line); the caller
 * then remembers the choice for the session only.
 */
export async function persistMcpToolApproval(codexHome: string, server: string, tool: string): Promise<void> {
  await new ConfigWriter(codexHome).write(
    [{ type: "setPath", path: ["mcp_servers", server, "tools", tool, "approval_mode"], value: "approve" }],
    {
      validate: (table) => {
        const servers = table.mcp_servers;
        const entry = isTomlTable(servers) ? servers[server] : undefined;
        if (!isTomlTable(entry) || (entry.command === undefined && entry.url === undefined))
          throw new ConfigError(`MCP server \`${server}\` is not configured in config.toml`, codexHome);
      },
    },
  );
}
