import {
  type gen0166,
  internalError,
  invalidRequest,
  type Protocol0166,
  type RpcError,
} from "@codex-ts/app-server-protocol";
import {
  type Config,
  type ConfigLayer,
  type ConfigRequirements,
  enabledLayers,
  isTomlTable,
  mergeTables,
} from "@codex-ts/config-loader";
import type { Handlers } from "../../handler.js";
import { parseThreadId, type ThreadRegistry } from "../../threads/registry.js";
import { FEATURES_0166 } from "./features-0166.js";
import { saveFeedback } from "./feedback-save.js";
import { runtimeFeatures } from "./runtime-features.js";

export type ConfigInfoMethod0166 =
  | "configRequirements/read"
  | "experimentalFeature/list"
  | "experimentalFeature/enablement/set"
  | "modelProvider/capabilities/read"
  | "feedback/save";

export interface ConfigInfoServices0166 {
  /** The config layers (the merged `[features]`); absent without a runtime (the defaults are listed). */
  layers: ((cwd?: string) => Promise<ConfigLayer[]>) | undefined;
  /** The managed requirements (`configRequirements/read`); absent without a runtime (none are reported). */
  requirements: (() => Promise<ConfigRequirements | null>) | undefined;
  /** The effective config (the model provider); absent without a runtime. */
  currentConfig: (() => Promise<Config>) | undefined;
  threads: ThreadRegistry;
  /** The version reports carry (`cli_version`). */
  cliVersion: string;
}

/** A config that cannot be read, in 0.166.0's words for `what` (the runtime's own prefix taken off). */
function configFailure(what: string, err: unknown): RpcError {
  const message = (err as Error).message.replace(/^error deriving config: /, "");
  return internalError(`${what}: ${message}`);
}

/**
 * The managed requirements as 0.166.0 reports them: every field it knows, null where nothing restricts it. The
 * ones this server enforces are filled in (approval policies, sandbox modes, web search modes, reviewers); the
 * login methods follow the config's `forced_login_method` (both when unset); `disabled` is always an allowed web
 * search mode, as 0.166.0 adds it.
 */
function requirements0166(
  r: ConfigRequirements | null,
  forcedLoginMethod: "api" | "chatgpt" | undefined,
): gen0166.ConfigRequirements | null {
  if (!r) return null;
  const webSearch = r.webSearchMode?.allowed;
  return {
    modelProvider: null,
    modelProviders: null,
    allowedLoginMethods: forcedLoginMethod ? [forcedLoginMethod] : ["api", "chatgpt"],
    cliAuthCredentialsStore: null,
    chatgptBaseUrl: null,
    additionalDeveloperInstructions: null,
    allowedApprovalPolicies: r.approvalPolicy?.allowed ?? null,
    allowedApprovalsReviewers:
      (r.approvalsReviewer?.allowed as gen0166.ApprovalsReviewer[] | undefined) ?? null,
    allowedSandboxModes: r.sandboxMode?.allowed ?? null,
    allowedWindowsSandboxImplementations: null,
    allowedPermissionProfiles: r.permissionProfiles?.allowed ?? null,
    defaultPermissions: r.defaultPermissions?.profile ?? null,
    allowedWebSearchModes: webSearch
      ? [...webSearch, ...(webSearch.includes("disabled") ? [] : (["disabled"] as const))]
      : null,
    allowManagedHooksOnly: null,
    allowBrowserAndComputerUse: null,
    allowAppshots: null,
    allowRemoteControl: null,
    computerUse: null,
    browserUse: null,
    inAppBrowser: null,
    featureRequirements: r.features?.pinned ?? null,
    hooks: null,
    enforceResidency: null,
    network: r.network?.policy ?? null,
    application: null,
    autoReview: null,
    models: null,
    sqliteHome: null,
    logDir: null,
    modelCatalogJson: null,
    checkForUpdateOnStartup: null,
    allowLoginShell: null,
    feedback: null,
    otel: null,
  } as gen0166.ConfigRequirements;
}

/** `cursor` as 0.166.0 reads it: an unsigned integer at most `total`. */
function cursorIndex(cursor: string, total: number): number {
  if (!/^\+?\d{1,20}$/.test(cursor) || BigInt(cursor) > 0xffff_ffff_ffff_ffffn)
    throw invalidRequest(`invalid cursor: ${cursor}`);
  const index = Number(BigInt(cursor));
  if (index > total) throw invalidRequest(`cursor ${cursor} exceeds total feature flags ${total}`);
  return index;
}

/**
 * 0.166.0's config-information methods, answered from this server's config as 0.166.0 answers them offline:
 * the managed requirements (requirements.toml and the legacy managed layers), feature flags (0.166.0's table, the config's
 * `[features]` and the run-time enablement), the provider's capabilities, and feedback saved as a ZIP.
 */
export function createConfigInfoHandlers0166(
  s: ConfigInfoServices0166,
): Handlers<Protocol0166, ConfigInfoMethod0166> {
  /** The merged `[features]`; with a thread's `cwd`, its trusted project layers' too (as 0.166.0 reads them). */
  const configuredFeatures = async (cwd?: string): Promise<Record<string, unknown>> => {
    if (!s.layers) return {};
    try {
      const merged = enabledLayers(await s.layers(cwd))
        .map((l) => l.table)
        .reduce(mergeTables, {});
      return isTomlTable(merged.features) ? merged.features : {};
    } catch (err) {
      throw configFailure("failed to reload config", err);
    }
  };
  /** The features requirements.toml pins (none without requirements). */
  const pinnedFeatures = async (): Promise<Record<string, boolean>> => {
    if (!s.requirements) return {};
    try {
      return (await s.requirements())?.features?.pinned ?? {};
    } catch (err) {
      throw configFailure("failed to read configuration layers", err);
    }
  };
  return {
    async "configRequirements/read"() {
      if (!s.requirements || !s.layers) return { supportsIndependentSpeedModes: true, requirements: null };
      let requirements: ConfigRequirements | null;
      let merged: Record<string, unknown>;
      try {
        requirements = await s.requirements();
        merged = enabledLayers(await s.layers())
          .map((l) => l.table)
          .reduce(mergeTables, {});
      } catch (err) {
        throw configFailure("failed to read configuration layers", err);
      }
      const forced = merged.forced_login_method;
      const login = forced === "api" || forced === "chatgpt" ? forced : undefined;
      return { supportsIndependentSpeedModes: true, requirements: requirements0166(requirements, login) };
    },

    async "experimentalFeature/list"(p) {
      let cwd: string | undefined;
      if (p.threadId != null) {
        const id = parseThreadId(p.threadId);
        const thread = s.threads.get(id);
        if (!thread) throw invalidRequest(`thread not found: ${id}`);
        cwd = thread.settings.cwd;
      }
      const configured = await configuredFeatures(cwd);
      const pinned = await pinnedFeatures();
      const total = FEATURES_0166.length;
      const start = p.cursor != null ? cursorIndex(p.cursor, total) : 0;
      const end = Math.min(total, start + Math.max(1, p.limit ?? total));
      const data: gen0166.ExperimentalFeature[] = FEATURES_0166.slice(start, end).map(
        ([name, stage, defaultEnabled, displayName, description, announcement]) => {
          // The config's value, else the run-time one, else the default; a removed flag's config value is ignored
          // (0.166.0 keeps the name only so that old configs still load).
          // A feature the managed requirements pin (`[features]` of requirements.toml) is as they say, as 0.166.0 shows it.
          const set = pinned[name] ?? (stage === "removed" ? undefined : configured[name]);
          const enabled = typeof set === "boolean" ? set : (runtimeFeatures.get(name) ?? defaultEnabled);
          return { name, stage, displayName, description, announcement, enabled, defaultEnabled };
        },
      );
      return { data, nextCursor: end < total ? String(end) : null };
    },

    async "experimentalFeature/enablement/set"(p) {
      return { enablement: runtimeFeatures.set(p.enablement) };
    },

    async "modelProvider/capabilities/read"() {
      if (!s.currentConfig) throw internalError("failed to resolve feature override precedence: no config");
      let config: Config;
      try {
        config = await s.currentConfig();
      } catch (err) {
        throw configFailure("failed to resolve feature override precedence", err);
      }
      // 0.166.0's providers all search the web; Bedrock's models generate no images.
      return { imageGeneration: config.modelProviderId !== "amazon-bedrock", webSearch: true };
    },

    async "feedback/save"(p, { server }) {
      return saveFeedback(p, { logs: server.recentLogs(), cliVersion: s.cliVersion });
    },
  };
}
