/**
 * 0.166.0's multi-agent limits (its `[agents]` config: `max_threads`, `max_depth`) and the words it answers with
 * when one is reached (checked with the native binary: the seventh open agent of a thread is refused).
 */
export interface AgentLimits {
  /** Agents open at once under one root thread (a completed agent stays open until closed). */
  maxThreads: number;
  /** How deep agents nest: a thread at this depth is not offered the multi-agent tools. */
  maxDepth: number;
}

export const DEFAULT_AGENT_LIMITS: AgentLimits = { maxThreads: 6, maxDepth: 1 };

/** The limits of a config's raw `[agents]` table (positive integers only; the defaults otherwise). */
export function agentLimits(raw: unknown): AgentLimits {
  const agents = (raw as { agents?: Record<string, unknown> } | null)?.agents;
  const positive = (v: unknown, fallback: number) =>
    typeof v === "number" && Number.isInteger(v) && v > 0 ? v : fallback;
  return {
    maxThreads: positive(agents?.max_threads, DEFAULT_AGENT_LIMITS.maxThreads),
    maxDepth: positive(agents?.max_depth, DEFAULT_AGENT_LIMITS.maxDepth),
  };
}

export const THREAD_LIMIT_REACHED = "collab spawn failed: agent thread limit reached";
export const DEPTH_LIMIT_REACHED = "Agent depth limit reached. Solve the task yourself.";
export const notFound = (id: string) => `agent with id ${id} not found`;
