import { readFileSync } from "node:fs";
import { type AgentRoleConfig, parseToml } from "@codex-ts/config-loader";

/** The role a spawn runs when its call names none. */
export const DEFAULT_ROLE = "default";

/**
 * The roles every thread may name (0.166.0 has the same three), described in this server's words. A user's
 * `[agents.<role>]` table of the same name takes its place.
 */
const BUILT_IN_ROLES: Record<string, AgentRoleConfig> = {
  default: { description: "Default agent." },
  explorer: {
    description:
      "Answers specific, well-scoped questions about the codebase, fast; trust its answers rather than checking them again. Spawn several at once for independent questions, and reuse one for related questions.",
  },
  worker: {
    description:
      "Does execution and production work: part of a feature, a test or bug to fix, a slice of a large refactor. Tell it which files it owns, and that others edit the codebase beside it: it must not revert their changes.",
  },
};

/** What a role's config file sets for its agents (the keys this server applies; others are ignored). */
export interface RoleSettings {
  model?: string;
  reasoningEffort?: string;
  developerInstructions?: string;
}

/** A role a spawn named: its name and its settings. */
export interface ResolvedRole {
  name: string;
  settings: RoleSettings;
}

/** The role named `name` (the user's, else a built-in one), or null when there is none. */
export function findRole(roles: Record<string, AgentRoleConfig>, name: string): AgentRoleConfig | null {
  return roles[name] ?? BUILT_IN_ROLES[name] ?? null;
}

/**
 * The settings of a role's config file (none without one). Throws when the file cannot be read or parsed: the
 * spawn is refused then, as 0.166.0 refuses it (`agent type is currently not available`).
 */
export function roleSettings(role: AgentRoleConfig): RoleSettings {
  if (!role.configFile) return {};
  const table = parseToml(readFileSync(role.configFile, "utf8"), role.configFile) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const model = str(table.model);
  const reasoningEffort = str(table.model_reasoning_effort);
  const developerInstructions = str(table.developer_instructions);
  return {
    ...(model ? { model } : {}),
    ...(reasoningEffort ? { reasoningEffort } : {}),
    ...(developerInstructions ? { developerInstructions } : {}),
  };
}

/**
 * The `agent_type` parameter's description: the roles the model may name, the user's first (by name), then the
 * built-in ones, each as `<name>: {<description>}` with what its config file fixes (model, effort) — the list 0.166.0
 * gives, in this server's words around it.
 */
export function agentTypeDescription(roles: Record<string, AgentRoleConfig>): string {
  const listed: string[] = [];
  const seen = new Set<string>();
  const add = (name: string, role: AgentRoleConfig) => {
    if (seen.has(name)) return;
    seen.add(name);
    listed.push(`${name}: {\n${role.description}${fixedSettingsNote(role)}\n}`);
  };
  for (const name of Object.keys(roles).sort()) add(name, roles[name] as AgentRoleConfig);
  for (const name of Object.keys(BUILT_IN_ROLES).sort()) add(name, BUILT_IN_ROLES[name] as AgentRoleConfig);
  return `The role of the new agent; \`${DEFAULT_ROLE}\` when left out.\nAvailable roles:\n${listed.join("\n")}`;
}

/** What a role's file fixes, so the model does not ask for another model or effort (nothing when unreadable). */
function fixedSettingsNote(role: AgentRoleConfig): string {
  let settings: RoleSettings;
  try {
    settings = roleSettings(role);
  } catch {
    return "";
  }
  const { model, reasoningEffort } = settings;
  if (model && reasoningEffort)
    return `\n- Runs model \`${model}\` at reasoning effort \`${reasoningEffort}\`; neither can be changed.`;
  if (model) return `\n- Runs model \`${model}\`, which cannot be changed.`;
  if (reasoningEffort) return `\n- Runs at reasoning effort \`${reasoningEffort}\`, which cannot be changed.`;
  return "";
}
