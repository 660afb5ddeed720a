import { ConfigError } from "./errors.js";

/**
 * 0.166.0's `[agents]` table (its v1 multi-agent settings), resolved: whether the multi-agent tools are offered, how
 * many agents a root thread may have open, how deep they nest, and what a spawn runs when it names no model or
 * effort. `job_max_runtime_seconds` (a no-op in 0.166.0) and role tables (`[agents.<role>]`) are not read here.
 */
export interface AgentsConfig {
  /** `enabled` (default true): false offers no multi-agent tools. */
  enabled: boolean;
  /** `max_concurrent_threads_per_session`, or its alias `max_threads` (default 6): agents open at once. */
  maxThreads: number;
  /** `max_depth` (default 1): a thread at this depth or deeper is not offered the tools (0 or less: none is). */
  maxDepth: number;
  /** `default_subagent_model`: a spawn's model when the call names none. */
  defaultSubagentModel?: string;
  /** `default_subagent_reasoning_effort`: a spawn's effort when the call names none. */
  defaultSubagentReasoningEffort?: string;
}

export const DEFAULT_AGENTS_CONFIG: AgentsConfig = { enabled: true, maxThreads: 6, maxDepth: 1 };

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

/**
 * The `[agents]` table of a merged config, as 0.166.0 reads it: the canonical `max_concurrent_threads_per_session`
 * wins over `max_threads`; a limit under 1 is refused in 0.166.0's words (the thread does not start). Values of
 * the wrong type fall back to the defaults.
 */
export function resolveAgentsConfig(raw: unknown): AgentsConfig {
  const table = (raw as { agents?: unknown } | null)?.agents;
  if (!table || typeof table !== "object" || Array.isArray(table)) return { ...DEFAULT_AGENTS_CONFIG };
  const t = table as Record<string, unknown>;
  const threads = t.max_concurrent_threads_per_session ?? t.max_threads;
  if (isInt(threads) && threads < 1)
    throw new ConfigError("agents.max_concurrent_threads_per_session must be at least 1");
  const out: AgentsConfig = {
    enabled: typeof t.enabled === "boolean" ? t.enabled : DEFAULT_AGENTS_CONFIG.enabled,
    maxThreads: isInt(threads) ? threads : DEFAULT_AGENTS_CONFIG.maxThreads,
    maxDepth: isInt(t.max_depth) ? t.max_depth : DEFAULT_AGENTS_CONFIG.maxDepth,
  };
  if (typeof t.default_subagent_model === "string" && t.default_subagent_model !== "")
    out.defaultSubagentModel = t.default_subagent_model;
  if (typeof t.default_subagent_reasoning_effort === "string" && t.default_subagent_reasoning_effort !== "")
    out.defaultSubagentReasoningEffort = t.default_subagent_reasoning_effort;
  return out;
}
