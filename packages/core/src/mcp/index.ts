export { type McpCallOutcome, mcpFunctionOutput } from "./call-output.js";
export {
  DEFAULT_MCP_STARTUP_TIMEOUT_SEC,
  DEFAULT_MCP_STARTUP_TIMEOUT_SEC_0166,
  DEFAULT_MCP_TOOL_TIMEOUT_SEC,
  MCP_MAX_RESTARTS,
  type McpCallToolResult,
  McpConnectionManager,
  type McpElicitationHandler,
  type McpElicitationRequest,
  type McpElicitationResponse,
  type McpProgress,
  type McpServerDescription,
  type McpStartOptions,
  type McpStartupFailure,
  type McpStartupStatus,
  type McpToolInfo,
  type McpWording,
  progressMessage,
  rustDurationDebug,
} from "./connection-manager.js";
export {
  callToolDirectly,
  McpDirectCallError,
  readResourceDirectly,
  readResourceWithoutThread,
} from "./direct-calls.js";
export {
  DEFAULT_MCP_OAUTH_TIMEOUT_SEC,
  type McpOauthLogin,
  type McpOauthLoginOptions,
  startMcpOauthLogin,
} from "./oauth/login.js";
export { deleteStoredMcpOauth, hasStoredMcpOauth, type McpOauthStoreRef } from "./oauth/stored-provider.js";
export { MCP_PROGRESS_BURST, MCP_PROGRESS_PER_SECOND, throttleLatest } from "./progress-throttle.js";
export {
  limitCallToolResult,
  MCP_JSON_MAX_DEPTH,
  MCP_MESSAGE_MAX_BYTES,
  MCP_RESULT_MAX_BYTES,
  McpResultLimitError,
  nestedDeeperThan,
} from "./result-limits.js";
export {
  MCP_TOOL_CALL_REFUSED,
  type McpToolApprovalDecision,
  mcpToolApprovalDecision,
  mcpToolApprovalRequest,
  requiresMcpToolApproval,
} from "./tool-approval.js";
export {
  MAX_TOOL_NAME_LENGTH,
  MCP_TOOL_NAME_DELIMITER,
  qualifiedToolName,
  sanitizeToolName,
} from "./tool-names.js";
