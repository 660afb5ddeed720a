import { join } from "node:path";
import {
  AskForApproval,
  ForcedLoginMethod,
  internalError,
  invalidRequest,
  type Profile,
  type Protocol058,
  ReasoningEffort,
  ReasoningSummary,
  SandboxMode,
  type UserSavedConfig,
  Verbosity,
} from "@codex-ts/app-server-protocol";
import { ConfigError, ConfigWriter, checkRequestValue, readTomlFile } from "@codex-ts/config-loader";
import type { z } from "zod";
import type { Handlers } from "../handler.js";

type Table = Record<string, unknown>;
const table = (v: unknown): Table | null =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Table) : null;

/** A saved value of the wire type, or null when the file has none (or something else: the schema decides). */
function saved<S extends z.ZodType>(schema: S, value: unknown): z.output<S> | null {
  if (value === undefined) return null;
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
const text = (v: unknown) => (typeof v === "string" ? v : null);
const flag = (v: unknown) => (typeof v === "boolean" ? v : null);

/** One `[profiles.<name>]` table as `Profile`. */
function savedProfile(p: Table): Profile {
  return {
    model: text(p.model),
    modelProvider: text(p.model_provider),
    approvalPolicy: saved(AskForApproval, p.approval_policy),
    modelReasoningEffort: saved(ReasoningEffort, p.model_reasoning_effort),
    modelReasoningSummary: saved(ReasoningSummary, p.model_reasoning_summary),
    modelVerbosity: saved(Verbosity, p.model_verbosity),
    chatgptBaseUrl: text(p.chatgpt_base_url),
  };
}

/**
 * `config.toml` as the user saved it (no defaults, no managed layers, no overrides) → `UserSavedConfig`. A value
 * the wire type cannot carry (the file was edited after the server checked it at start) reads as unset.
 */
export function userSavedConfig(toml: Table): UserSavedConfig {
  const ws = table(toml.sandbox_workspace_write);
  const tools = table(toml.tools);
  const profiles: Record<string, Profile> = {};
  for (const [name, p] of Object.entries(table(toml.profiles) ?? {})) {
    const t = table(p);
    if (t) profiles[name] = savedProfile(t);
  }
  const roots = Array.isArray(ws?.writable_roots)
    ? ws.writable_roots.filter((r) => typeof r === "string")
    : [];
  return {
    approvalPolicy: saved(AskForApproval, toml.approval_policy),
    sandboxMode: saved(SandboxMode, toml.sandbox_mode),
    // Codex reads the workspace-write table with defaults, so unset flags come back as false.
    sandboxSettings: ws
      ? {
          writableRoots: roots,
          networkAccess: flag(ws.network_access) ?? false,
          excludeTmpdirEnvVar: flag(ws.exclude_tmpdir_env_var) ?? false,
          excludeSlashTmp: flag(ws.exclude_slash_tmp) ?? false,
        }
      : null,
    forcedChatgptWorkspaceId: text(toml.forced_chatgpt_workspace_id),
    forcedLoginMethod: saved(ForcedLoginMethod, toml.forced_login_method),
    model: text(toml.model),
    modelReasoningEffort: saved(ReasoningEffort, toml.model_reasoning_effort),
    modelReasoningSummary: saved(ReasoningSummary, toml.model_reasoning_summary),
    modelVerbosity: saved(Verbosity, toml.model_verbosity),
    tools: tools ? { webSearch: flag(tools.web_search), viewImage: flag(tools.view_image) } : null,
    profile: text(toml.profile),
    profiles,
  };
}

/**
 * `setDefaultModel {model, reasoningEffort}` → `{}`: persists through the one config writer (atomic, locked);
 * `getUserSavedConfig` → `{config}`: read fresh on every call, so edits to config.toml show at once.
 */
export function createConfigHandlers(
  codexHome: string,
  profile?: string,
  writer: ConfigWriter = new ConfigWriter(codexHome),
): Handlers<Protocol058, "setDefaultModel" | "getUserSavedConfig"> {
  return {
    async setDefaultModel(p) {
      // A name TOML cannot store (a lone surrogate) is the client's mistake; the writer's own failures are ours.
      try {
        if (p.model != null) checkRequestValue(null, "model", p.model);
      } catch (err) {
        if (err instanceof ConfigError)
          throw invalidRequest(`failed to persist model selection: ${err.message}`);
        throw err;
      }
      try {
        await writer.apply(
          [{ type: "setModel", model: p.model ?? null, effort: p.reasoningEffort ?? null }],
          profile ? { profile } : {},
        );
      } catch (err) {
        throw internalError(`failed to persist model selection: ${(err as Error).message}`);
      }
      return {};
    },
    async getUserSavedConfig() {
      let toml: Table;
      try {
        toml = (await readTomlFile(join(codexHome, "config.toml"))) ?? {};
      } catch (err) {
        throw internalError(`failed to load user saved config: ${(err as Error).message}`);
      }
      return { config: userSavedConfig(toml) };
    },
  };
}
