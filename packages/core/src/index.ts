// @codex-ts/core: the sessions store; the agent runtime and auth manager join here as they land.

export * from "./agents/index.js";
export * from "./auth/index.js";
export * from "./client/index.js";
export * from "./compact/index.js";
export * from "./conversation/index.js";
export * from "./events/index.js";
export * from "./exec/index.js";
export * from "./execpolicy/index.js";
export * from "./ghost-snapshot/index.js";
export * from "./goals/index.js";
export * from "./guardian/index.js";
export * from "./mcp/index.js";
export * from "./organization/index.js";
export * from "./plugins/index.js";
export * from "./queue/index.js";
export * from "./review/index.js";
export * from "./rollout/index.js";
export * from "./skills/index.js";
export * from "./thread-state/index.js";
export * from "./tools/index.js";
export * from "./unified-exec/index.js";
export { buildUserAgent, osLabel, sanitizeUserAgent, terminalLabel } from "./user-agent.js";
