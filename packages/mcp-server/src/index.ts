// @codex-ts/mcp-server: `codex mcp-server`, Codex as an MCP server (tools `codex` and `codex-reply`).
export { CodexTools, type CodexToolsOptions } from "./codex-tools.js";
export {
  type ApprovalElicitation,
  type ApprovalOrigin,
  type ApprovalRequest,
  approvalElicitation,
  decisionFrom,
  type ExecApprovalElicitation,
  type PatchApprovalElicitation,
} from "./elicitation.js";
export { type McpServerOptions, type RunMcpServerOptions, runMcpServer } from "./server.js";
export { APPROVAL_POLICIES, CODEX_REPLY_TOOL, CODEX_TOOL, SANDBOX_MODES, TOOLS } from "./tool-definitions.js";
export {
  type CodexReplyParams,
  type CodexToolParams,
  ParamsError,
  parseCodexReplyParams,
  parseCodexToolParams,
  parseConversationId,
} from "./tool-params.js";
export { runTurn, type ToolCall, type ToolResult } from "./turn-runner.js";
