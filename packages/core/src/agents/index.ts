export { type AgentControl, offersAgentTools } from "./control.js";
export type { AgentThreadHost, SpawnedThread, SpawnRequest } from "./host.js";
export { type AgentLimits, agentLimits, DEFAULT_AGENT_LIMITS } from "./limits.js";
export { type AgentEntry, AgentRegistry } from "./registry.js";
export { type AgentStatus, collabState, statusJson } from "./status.js";
export { agentToolHandlers } from "./tool-handlers.js";
export { MULTI_AGENT_NAMESPACE, MULTI_AGENT_TOOLS } from "./tool-specs.js";
