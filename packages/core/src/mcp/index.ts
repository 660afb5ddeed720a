export { type McpCallOutcome, mcpFunctionOutput } from "./call-output.js";
export {
  DEFAULT_MCP_STARTUP_TIMEOUT_SEC,
  DEFAULT_MCP_TOOL_TIMEOUT_SEC,
  type McpCallToolResult,
  McpConnectionManager,
  type McpProgress,
  type McpStartOptions,
  type McpStartupFailure,
  type McpToolInfo,
  progressMessage,
} from "./connection-manager.js";
export {
  MAX_TOOL_NAME_LENGTH,
  MCP_TOOL_NAME_DELIMITER,
  qualifiedToolName,
  sanitizeToolName,
} from "./tool-names.js";
