import type { AgentRoleConfig, AgentsConfig } from "@codex-ts/config-loader";

/**
 * 0.166.0's multi-agent limits (its `[agents]` config: `max_concurrent_threads_per_session` / `max_threads`,
 * `max_depth`), what a spawn runs when it names no model or effort, and the words 0.166.0 answers with when a limit
 * is reached (checked with the native binary: the open agent past `max_threads` is refused).
 */
export interface AgentLimits {
  /** Agents open at once under one root thread (a completed agent stays open until closed). */
  maxThreads: number;
  /** How deep agents nest: a thread at this depth is not offered the multi-agent tools. */
  maxDepth: number;
  /** `default_subagent_model` / `default_subagent_reasoning_effort`: a spawn's defaults (null: the parent's). */
  defaultModel: string | null;
  defaultEffort: string | null;
  /** The `[agents.<role>]` roles a spawn may name (besides the built-in ones). */
  roles: Record<string, AgentRoleConfig>;
}

export const DEFAULT_AGENT_LIMITS: AgentLimits = {
  maxThreads: 6,
  maxDepth: 1,
  defaultModel: null,
  defaultEffort: null,
  roles: {},
};

/** The limits of a root thread's resolved `[agents]` config (the defaults without one). */
export function agentLimits(agents: AgentsConfig | undefined): AgentLimits {
  if (!agents) return DEFAULT_AGENT_LIMITS;
  return {
    maxThreads: agents.maxThreads,
    maxDepth: agents.maxDepth,
    defaultModel: agents.defaultSubagentModel ?? null,
    defaultEffort: agents.defaultSubagentReasoningEffort ?? null,
    roles: agents.roles ?? {},
  };
}

export const THREAD_LIMIT_REACHED = "collab spawn failed: agent thread limit reached";
export const DEPTH_LIMIT_REACHED = "Agent depth limit reached. Solve the task yourself.";
export const notFound = (id: string) => `agent with id ${id} not found`;
