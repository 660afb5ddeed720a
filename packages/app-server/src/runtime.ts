import { resolve } from "node:path";
import { invalidRequest } from "@codex-ts/app-server-protocol";
import {
  type Config,
  ConfigError,
  type ConfigLayer,
  type ConfigOverride,
  type ConfigRequirements,
  type LoadConfigOptions,
  loadConfig,
  type ManagedSources,
  readConfigLayers,
  readRequirements,
  systemPaths,
} from "@codex-ts/config-loader";
import {
  type AuthSource,
  ConversationManager,
  type DeferredResume,
  type LoadedRollout,
  type RolloutItem,
  SessionsStore,
} from "@codex-ts/core";
import type { OpenedConversation, ResumedConversation } from "./conversations.js";
import { DEFAULT_MODEL_0166 } from "./handlers/settings-0166/model-catalog.js";
import { ThreadWriterLocks } from "./listen/thread-writer-lock.js";
import type { SessionSettings } from "./session-settings.js";

/**
 * What the server needs from the agent runtime. `open` is enough for the conversation and turn methods; the
 * session methods (list, summary, archive, resume) are served when `sessions` and `resume` are there too.
 */
export interface ConversationRuntime {
  /** A new conversation, recorded in a new rollout. */
  open(settings: SessionSettings): Promise<OpenedConversation>;
  /**
   * Continues a rollout already read by `sessions.store.loadForResume`, or planned by `planForResume` (its history
   * is then read on the conversation's first turn).
   */
  resume?(
    loaded: LoadedRollout | DeferredResume,
    path: string,
    settings: SessionSettings,
  ): Promise<ResumedConversation>;
  /** An ephemeral conversation (no rollout): a new one, or a fork from its source's records (0.166 `ephemeral`). */
  openEphemeral?(settings: SessionSettings, records?: RolloutItem[]): Promise<OpenedConversation>;
  /** Starts a new conversation whose history is the given response items (v1/v2 resume by `history`). */
  fork?(history: Record<string, unknown>[], settings: SessionSettings): Promise<OpenedConversation>;
  /** Shuts a loaded conversation down and forgets it (before its rollout is archived). */
  remove?(conversationId: string): Promise<void>;
  shutdownAll?(): Promise<void>;
  sessions?: { store: SessionsStore; defaultProvider: string } | undefined;
  /** The process-level config (CODEX_HOME config.toml, `-c`, `--profile`), for one-off commands. */
  processConfig?: Config | undefined;
  /**
   * The config as it is now (config.toml read again, as 0.166.0 loads it: with its system layer and requirements,
   * and with `cwd` that folder's project layers), for the 0.166 methods that report it (`permissionProfile/list`).
   */
  currentConfig?(cwd?: string): Promise<Config>;
  /** The managed requirements as they are now (0.166.0's `requirements.toml` and legacy managed layers), or null. */
  configRequirements?(): Promise<ConfigRequirements | null>;
  /**
   * The server's config layers as they are now, lowest precedence first, as 0.166.0 reads them (0.166 `config/read`):
   * `/etc/codex/config.toml`, the user's, with `cwd` that folder's project layers, `-c`, managed.
   */
  configLayers?(cwd?: string): Promise<ConfigLayer[]>;
  /**
   * `codex exec --output-schema`: the JSON schema v1 `sendUserMessage` turns answer in. 0.58.0's exec puts it on
   * its core `Op::UserTurn`; v1 has no field for it, so the in-process server exec runs is told once.
   */
  execOutputSchema?: unknown;
}

export interface AppServerRuntimeOptions {
  codexHome: string;
  /** The config of the process, loaded once at startup (a broken config.toml stops the server there). */
  processConfig: Config;
  /** Process `-c` / `--enable` / `--disable` overrides: they apply to every conversation, under the request's. */
  cliOverrides?: readonly ConfigOverride[];
  /** Process `--profile`; a v1 request's own `profile` wins. */
  profile?: string | undefined;
  env?: NodeJS.ProcessEnv;
  managed?: ManagedSources;
  cliVersion: string;
  originator: string;
  userAgent: () => string;
  auth?: AuthSource | undefined;
  /** `ConversationRuntime.execOutputSchema`. */
  execOutputSchema?: unknown;
}

/** The real runtime: config layering per request, the sessions store and the core conversation manager. */
export class AppServerRuntime implements ConversationRuntime {
  readonly sessions: { store: SessionsStore; defaultProvider: string };
  readonly manager: ConversationManager;
  readonly processConfig: Config;
  readonly execOutputSchema: unknown;
  /** One writer per thread across processes: the threads this server has loaded are locked under CODEX_HOME. */
  private readonly locks: ThreadWriterLocks;

  constructor(private readonly o: AppServerRuntimeOptions) {
    this.locks = new ThreadWriterLocks(o.codexHome);
    const store = new SessionsStore(o.codexHome);
    this.processConfig = o.processConfig;
    this.execOutputSchema = o.execOutputSchema;
    this.sessions = { store, defaultProvider: o.processConfig.modelProviderId };
    this.manager = new ConversationManager({
      sessions: store,
      auth: o.auth,
      originator: o.originator,
      cliVersion: o.cliVersion,
      source: "vscode",
      userAgent: o.userAgent,
    });
  }

  /** The effective config of one conversation; a config problem is the client's (-32600), as in 0.58.0. */
  async configFor(settings: SessionSettings, cwdFallback?: string): Promise<Config> {
    const overrides = { ...settings.overrides };
    if (overrides.cwd === undefined && cwdFallback !== undefined) overrides.cwd = cwdFallback;
    // A 0.166 thread reads the project layers of its cwd (the server's when it names none), as 0.166.0 does.
    // With no model named anywhere it gets 0.166.0's default (its catalogue's first model); 0.58 conversations keep
    // 0.58.0's (`DEFAULT_MODEL`).
    const modern = settings.config0166
      ? { projectCwd: resolve(overrides.cwd ?? process.cwd()), defaultModel: DEFAULT_MODEL_0166 }
      : undefined;
    return this.load({ ...settings, overrides }, modern);
  }

  private async load(settings: SessionSettings, modern: LoadConfigOptions["modern"]): Promise<Config> {
    const overrides = { ...settings.overrides };
    overrides.profile ??= this.o.profile;
    try {
      return await loadConfig({
        ...(modern ? { modern } : {}),
        codexHome: this.o.codexHome,
        ...(this.o.env ? { env: this.o.env } : {}),
        cliOverrides: this.o.cliOverrides ?? [],
        requestOverrides: settings.config,
        overrides,
        ...(this.o.managed ? { managed: this.o.managed } : {}),
        cliVersion: this.o.cliVersion,
      });
    } catch (err) {
      // 0.166.0's words for a 0.166 thread's config; 0.58.0's for the rest.
      const what = settings.config0166 ? "failed to load configuration" : "error deriving config";
      if (err instanceof ConfigError) throw invalidRequest(`${what}: ${err.message}`);
      throw err;
    }
  }

  /** 0.166.0's config of the server (no project layers), or as seen from `cwd` (that folder's project layers too). */
  currentConfig(cwd?: string): Promise<Config> {
    if (cwd === undefined) return this.load({ overrides: {}, config: null }, {});
    const projectCwd = resolve(cwd);
    return this.load({ overrides: { cwd: projectCwd }, config: null }, { projectCwd });
  }

  async configRequirements(): Promise<ConfigRequirements | null> {
    const layers = await this.configLayers();
    return readRequirements({
      requirementsPath: systemPaths(this.o.managed, this.o.env).requirements,
      legacy: layers.filter((l) => l.kind.startsWith("legacyManaged")),
    });
  }

  configLayers(cwd?: string): Promise<ConfigLayer[]> {
    return readConfigLayers({
      codexHome: this.o.codexHome,
      cliOverrides: this.o.cliOverrides,
      managed: this.o.managed,
      ...(this.o.env ? { env: this.o.env } : {}),
      systemLayer: true,
      ...(cwd !== undefined ? { projectCwd: resolve(cwd) } : {}),
    });
  }

  async open(settings: SessionSettings): Promise<OpenedConversation> {
    const meta = settings.sessionMeta;
    const config = await this.configFor(settings);
    return this.locked(
      withManaged(
        await this.manager.newConversation(config, {
          ...(meta ? { meta } : {}),
          skills: settings.skills,
          mcp: settings.mcpStartup,
          identity: settings.identity,
        }),
        config,
      ),
    );
  }

  /** An ephemeral thread (no rollout): a new one, or a fork from the source's records (core `forkRecords`). */
  async openEphemeral(settings: SessionSettings, records?: RolloutItem[]): Promise<OpenedConversation> {
    const config = await this.configFor(settings);
    return this.locked(
      withManaged(
        await this.manager.newEphemeralConversation(
          config,
          records,
          settings.skills,
          settings.mcpStartup,
          settings.identity,
        ),
        config,
      ),
    );
  }

  async resume(
    loaded: LoadedRollout | DeferredResume,
    path: string,
    settings: SessionSettings,
  ): Promise<ResumedConversation> {
    // Refused before anything is opened: another server writes this thread.
    const taken = this.locks.acquire(loaded.conversationId);
    // 0.58.0 runs a resumed thread in the server's own cwd unless told otherwise; users expect the thread's cwd.
    try {
      const config = await this.configFor(settings, loaded.meta.cwd || undefined);
      return withManaged(
        await this.manager.resumeConversation(
          path,
          config,
          loaded,
          settings.skills,
          settings.mcpStartup,
          settings.identity,
        ),
        config,
      );
    } catch (err) {
      if (taken) this.locks.release(loaded.conversationId);
      throw err;
    }
  }

  async fork(history: Record<string, unknown>[], settings: SessionSettings): Promise<OpenedConversation> {
    const config = await this.configFor(settings);
    return this.locked(
      withManaged(
        await this.manager.newConversation(config, {
          history,
          skills: settings.skills,
          mcp: settings.mcpStartup,
          identity: settings.identity,
        }),
        config,
      ),
    );
  }

  async remove(conversationId: string): Promise<void> {
    await this.manager.remove(conversationId);
    this.locks.release(conversationId);
  }

  async shutdownAll(): Promise<void> {
    await this.manager.shutdownAll();
    this.locks.releaseAll();
  }

  /** A new conversation's id is locked too, so that no other server resumes it while this one writes it. */
  private locked(opened: OpenedConversation): OpenedConversation {
    this.locks.acquire(opened.conversationId);
    return opened;
  }
}

/** The conversation with what the managed requirements decided for it (turn changes are checked against them). */
function withManaged<T extends object>(opened: T, config: Config): T & Managed {
  return Object.assign(opened, {
    requirements: config.requirements,
    configWarnings: config.configWarnings,
    permissionProfile: config.permissionProfile,
  });
}

type Managed = Pick<OpenedConversation, "requirements" | "configWarnings" | "permissionProfile">;
