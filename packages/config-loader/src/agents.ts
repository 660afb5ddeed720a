import { isAbsolute, join } from "node:path";
import { ConfigError } from "./errors.js";

/**
 * 0.166.0's `[agents]` table (its v1 multi-agent settings), resolved: whether the multi-agent tools are offered, how
 * many agents a root thread may have open, how deep they nest, and what a spawn runs when it names no model or
 * effort, and the roles a spawn may name (`[agents.<role>]` tables). `job_max_runtime_seconds` (a no-op in 0.166.0)
 * is not read.
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
  /** The `[agents.<role>]` tables with a `description`, by role name (0.166.0 lists no role without one). */
  roles: Record<string, AgentRoleConfig>;
}

/** One `[agents.<role>]` table: what `spawn_agent` tells the model of the role, and its config file. */
export interface AgentRoleConfig {
  description: string;
  /** `config_file`, absolute (a relative one is taken from CODEX_HOME): a config layer for the role's agents. */
  configFile?: string;
}

export const DEFAULT_AGENTS_CONFIG: AgentsConfig = { enabled: true, maxThreads: 6, maxDepth: 1, roles: {} };

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

/**
 * The `[agents]` table of a merged config, as 0.166.0 reads it: the canonical `max_concurrent_threads_per_session`
 * wins over `max_threads`; a limit under 1 is refused in 0.166.0's words (the thread does not start). Values of
 * the wrong type fall back to the defaults.
 */
export function resolveAgentsConfig(raw: unknown, codexHome = ""): AgentsConfig {
  const table = (raw as { agents?: unknown } | null)?.agents;
  if (!table || typeof table !== "object" || Array.isArray(table))
    return { ...DEFAULT_AGENTS_CONFIG, roles: {} };
  const t = table as Record<string, unknown>;
  const threads = t.max_concurrent_threads_per_session ?? t.max_threads;
  if (isInt(threads) && threads < 1)
    throw new ConfigError("agents.max_concurrent_threads_per_session must be at least 1");
  const out: AgentsConfig = {
    enabled: typeof t.enabled === "boolean" ? t.enabled : DEFAULT_AGENTS_CONFIG.enabled,
    maxThreads: isInt(threads) ? threads : DEFAULT_AGENTS_CONFIG.maxThreads,
    maxDepth: isInt(t.max_depth) ? t.max_depth : DEFAULT_AGENTS_CONFIG.maxDepth,
    roles: agentRoles(t, codexHome),
  };
  if (typeof t.default_subagent_model === "string" && t.default_subagent_model !== "")
    out.defaultSubagentModel = t.default_subagent_model;
  if (typeof t.default_subagent_reasoning_effort === "string" && t.default_subagent_reasoning_effort !== "")
    out.defaultSubagentReasoningEffort = t.default_subagent_reasoning_effort;
  return out;
}

/**
 * The role tables of `[agents]` (its sub-tables: the settings above are not tables). A role without a `description`
 * is left out, as 0.166.0 leaves it out of the roles it offers.
 */
function agentRoles(t: Record<string, unknown>, codexHome: string): Record<string, AgentRoleConfig> {
  const roles: Record<string, AgentRoleConfig> = {};
  for (const [name, value] of Object.entries(t)) {
    if (!value || typeof value !== "object" || Array.isArray(value)) continue;
    const role = value as Record<string, unknown>;
    if (typeof role.description !== "string" || role.description === "") continue;
    const file = typeof role.config_file === "string" && role.config_file !== "" ? role.config_file : null;
    roles[name] = {
      description: role.description,
      ...(file ? { configFile: isAbsolute(file) ? file : join(codexHome, file) } : {}),
    };
  }
  return roles;
}
