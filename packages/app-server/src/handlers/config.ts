import { join } from "node:path";
import { internalError, invalidRequest } from "@codex-ts/app-server-protocol";
import { ConfigWriter, readTomlFile } from "@codex-ts/config-loader";
import { object, optionalString } from "../params.js";
import type { RequestHandler } from "../server.js";

const EFFORTS = ["none", "minimal", "low", "medium", "high"] as const;
type Effort = (typeof EFFORTS)[number];

/** `setDefaultModel {model, reasoningEffort}` → `{}`: persists through the one config writer (atomic, locked). */
export function createSetDefaultModelHandler(codexHome: string, profile?: string) {
  const writer = new ConfigWriter(codexHome);
  const handler: RequestHandler<{ model: string | null; effort: string | null }> = {
    decode(params) {
      const p = object(params, "struct SetDefaultModelParams");
      const effort = optionalString(p, "reasoningEffort");
      if (effort !== null && !(EFFORTS as readonly string[]).includes(effort)) {
        const expected = EFFORTS.map((e) => `\`${e}\``).join(", ");
        throw invalidRequest(`Invalid request: unknown variant \`${effort}\`, expected one of ${expected}`);
      }
      return { model: optionalString(p, "model"), effort };
    },
    async handle({ model, effort }) {
      try {
        await writer.apply(
          [{ type: "setModel", model, effort: effort as Effort | null }],
          profile ? { profile } : {},
        );
      } catch (err) {
        throw internalError(`failed to persist model selection: ${(err as Error).message}`);
      }
      return {};
    },
  };
  return handler;
}

type Table = Record<string, unknown>;
const table = (v: unknown): Table | null =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Table) : null;
const orNull = (v: unknown) => (v === undefined ? null : v);

/** One `[profiles.<name>]` table as `Profile`. */
function savedProfile(p: Table) {
  return {
    model: orNull(p.model),
    modelProvider: orNull(p.model_provider),
    approvalPolicy: orNull(p.approval_policy),
    modelReasoningEffort: orNull(p.model_reasoning_effort),
    modelReasoningSummary: orNull(p.model_reasoning_summary),
    modelVerbosity: orNull(p.model_verbosity),
    chatgptBaseUrl: orNull(p.chatgpt_base_url),
  };
}

/** `config.toml` as the user saved it (no defaults, no managed layers, no overrides) → `UserSavedConfig`. */
export function userSavedConfig(toml: Table) {
  const ws = table(toml.sandbox_workspace_write);
  const tools = table(toml.tools);
  const profiles: Record<string, ReturnType<typeof savedProfile>> = {};
  for (const [name, p] of Object.entries(table(toml.profiles) ?? {})) {
    const t = table(p);
    if (t) profiles[name] = savedProfile(t);
  }
  return {
    approvalPolicy: orNull(toml.approval_policy),
    sandboxMode: orNull(toml.sandbox_mode),
    // Codex reads the workspace-write table with defaults, so unset flags come back as false.
    sandboxSettings: ws
      ? {
          writableRoots: (ws.writable_roots as string[] | undefined) ?? [],
          networkAccess: (ws.network_access as boolean | undefined) ?? false,
          excludeTmpdirEnvVar: (ws.exclude_tmpdir_env_var as boolean | undefined) ?? false,
          excludeSlashTmp: (ws.exclude_slash_tmp as boolean | undefined) ?? false,
        }
      : null,
    forcedChatgptWorkspaceId: orNull(toml.forced_chatgpt_workspace_id),
    forcedLoginMethod: orNull(toml.forced_login_method),
    model: orNull(toml.model),
    modelReasoningEffort: orNull(toml.model_reasoning_effort),
    modelReasoningSummary: orNull(toml.model_reasoning_summary),
    modelVerbosity: orNull(toml.model_verbosity),
    tools: tools ? { webSearch: orNull(tools.web_search), viewImage: orNull(tools.view_image) } : null,
    profile: orNull(toml.profile),
    profiles,
  };
}

/** `getUserSavedConfig` → `{config}`: read fresh on every call, so edits to config.toml show at once. */
export function createGetUserSavedConfigHandler(codexHome: string): RequestHandler<void> {
  return {
    decode: () => undefined,
    async handle() {
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
