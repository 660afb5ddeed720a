import { type Config, isMissingPath } from "@codex-ts/config-loader";
import { type AuthSource, ModelClient } from "../client/model-client.js";
import { normalizeResponseItem } from "../client/response-item.js";
import { historyFromRollout } from "../compact/history.js";
import type { CodexEventMsg } from "../events/types.js";
import { ExecPolicyStore } from "../execpolicy/files.js";
import { McpConnectionManager, type McpWording } from "../mcp/connection-manager.js";
import { collectGitInfo } from "../rollout/git-info.js";
import { type LoadedRollout, RolloutLoadError } from "../rollout/history.js";
import { initialMessagesOf } from "../rollout/initial-messages.js";
import { type RolloutItem, responseItemLine } from "../rollout/line.js";
import { ThreadNotFoundError } from "../rollout/lookup.js";
import { memoryRecorder, type RolloutRecorder } from "../rollout/recorder.js";
import type { DeferredResume } from "../rollout/resume.js";
import type { SessionMetaInput, SessionsStore } from "../rollout/store.js";
import { RolloutChangedError } from "../rollout/turn-index.js";
import { type SkillCatalog, threadSkillSnapshot } from "../skills/index.js";
import { DEFAULT_BASE_INSTRUCTIONS, initialContext, type TurnSettings } from "./context.js";
import { Conversation } from "./conversation.js";
import { uuidV7 } from "./ids.js";
import { messageHistoryMetadata } from "./message-history.js";
import { withProjectDocs } from "./project-doc.js";
import { threadSkillsInstructions } from "./skills-context.js";

/**
 * Whose MCP start-up a conversation follows: `0.58` waits for its servers before the conversation is answered and
 * words failures as 0.58.0; `0.166` starts them in the background and words failures as 0.166.0.
 */
export type McpStartup = McpWording;

/**
 * Who a thread's model requests and session_meta name: the `originator` header and session_meta field, and the
 * `User-Agent`. By default the manager's; a 0.166 connection's threads name its client (as 0.166.0 does).
 */
export interface ConversationIdentity {
  originator: string;
  userAgent: () => string;
}

export interface ConversationManagerOptions {
  sessions: SessionsStore;
  auth?: AuthSource | undefined;
  originator: string;
  cliVersion: string;
  /** Session source recorded in session_meta (`vscode` for the app server, `mcp` for the MCP server). */
  source: string;
  userAgent: () => string;
}

export interface NewConversation {
  conversationId: string;
  conversation: Conversation;
  sessionConfigured: Record<string, unknown> & {
    model: string;
    reasoning_effort: string | null;
    rollout_path: string;
  };
  rolloutPath: string;
  modelProvider: string;
  /** The turn settings the conversation starts with (cwd, approval and sandbox policies, model, effort, summary). */
  settings: TurnSettings;
}

function settingsFrom(config: Config): TurnSettings {
  return {
    cwd: config.cwd,
    approvalPolicy: config.approvalPolicy,
    ...(config.approvalsReviewer !== "user" ? { approvalsReviewer: config.approvalsReviewer } : {}),
    sandboxPolicy: config.sandboxPolicy,
    model: config.model,
    effort: config.modelReasoningEffort,
    summary: config.modelReasoningSummary,
    ...(config.modelReasoningSummaryDefaulted ? { summaryDefaulted: true } : {}),
  };
}

/** Whose thread it is: how its MCP servers start (and so whose requests it gets) and who it names. */
interface ThreadOptions {
  mcp?: McpStartup | undefined;
  identity?: ConversationIdentity | undefined;
}

/** A 0.166 thread's skill catalog and the section its initial context lists them in. */
interface ThreadSkillsSetup {
  catalog: SkillCatalog;
  instructions: string | null;
}

async function skillsSetup(
  catalog: SkillCatalog | undefined,
  config: Config,
): Promise<ThreadSkillsSetup | undefined> {
  if (!catalog) return undefined;
  const own = threadSkillSnapshot(catalog);
  return { catalog: own, instructions: await threadSkillsInstructions(own, config) };
}

/** Creates, resumes and tracks conversations (DESIGN.md `ConversationManager`). */
export class ConversationManager {
  private readonly conversations = new Map<string, Conversation>();

  constructor(private readonly o: ConversationManagerOptions) {}

  private client(
    config: Config,
    onRetry: (message: string) => void,
    identity: ConversationIdentity | undefined,
  ): ModelClient {
    return new ModelClient({
      provider: config.modelProvider,
      auth: this.o.auth,
      originator: identity?.originator ?? this.o.originator,
      userAgent: identity?.userAgent ?? this.o.userAgent,
      showRawAgentReasoning: config.showRawAgentReasoning,
      onRetry,
    });
  }

  private open(
    config: Config,
    id: string,
    recorder: RolloutRecorder,
    history: Record<string, unknown>[],
    initialMessages: CodexEventMsg[] | null,
    mcp: McpConnectionManager,
    messageHistory: { logId: number; entryCount: number },
    deferredHistory: (() => Promise<Record<string, unknown>[]>) | undefined,
    skills: ThreadSkillsSetup | undefined,
    thread: ThreadOptions,
  ): NewConversation {
    // The client reports retries to the conversation, which tells its subscribers (stream_error).
    let notify: (message: string) => void = () => {};
    const c = new Conversation({
      id,
      config,
      client: this.client(config, (message) => notify(message), thread.identity),
      // A 0.166 thread (its MCP servers start 0.166.0's way) gets 0.166.0's requests.
      generation: thread.mcp === "0.166" ? "0.166" : "0.58",
      recorder,
      instructions: config.baseInstructions ?? DEFAULT_BASE_INSTRUCTIONS,
      history,
      ...(deferredHistory ? { deferredHistory } : {}),
      settings: settingsFrom(config),
      mcp,
      ...(skills ? { skills: skills.catalog, skillsInstructions: skills.instructions } : {}),
    });
    notify = (message) => c.streamError(message);
    this.conversations.set(id, c);
    return {
      conversationId: id,
      conversation: c,
      rolloutPath: recorder.path,
      modelProvider: config.modelProviderId,
      settings: settingsFrom(config),
      sessionConfigured: {
        session_id: id,
        model: config.model,
        reasoning_effort: config.modelReasoningEffort ?? null,
        history_log_id: messageHistory.logId,
        history_entry_count: messageHistory.entryCount,
        initial_messages: initialMessages,
        rollout_path: recorder.path,
      },
    };
  }

  /**
   * Starts a conversation. With `history` (a fork, or a v1/v2 resume by history) those response items are its
   * history and are recorded instead of the initial context, as Codex does for forked sessions.
   */
  async newConversation(
    requested: Config,
    opts: {
      history?: Record<string, unknown>[];
      /**
       * What the session_meta records besides the config's (0.166's thread source and workspace roots; a spawned
       * agent's `source`, instead of the manager's).
       */
      meta?: Partial<Pick<SessionMetaInput, "threadSource" | "runtimeWorkspaceRoots" | "source">>;
      /** A 0.166 thread's skills: its initial context lists them, its input may mention them. */
      skills?: SkillCatalog | undefined;
      /** How its MCP servers start (see `McpStartup`; default 0.58.0's); `0.166` also gives it 0.166.0's requests. */
      mcp?: McpStartup | undefined;
      /** Who it names (default the manager's originator and user agent). */
      identity?: ConversationIdentity | undefined;
    } = {},
  ): Promise<NewConversation> {
    const config = await withProjectDocs(requested);
    const skills = await skillsSetup(opts.skills, config);
    const id = uuidV7();
    const git = await collectGitInfo(config.cwd);
    const recorder = await this.o.sessions.createRecorder({
      id,
      cwd: config.cwd,
      originator: opts.identity?.originator ?? this.o.originator,
      cliVersion: this.o.cliVersion,
      instructions: config.userInstructions ?? null,
      source: this.o.source,
      modelProvider: config.modelProviderId,
      ...(git ? { git } : {}),
      ...opts.meta,
    });
    // A given history is stored the way 0.58.0 stores every item it parsed: without Responses item ids.
    const initial =
      opts.history?.map(normalizeResponseItem) ??
      initialContext(
        settingsFrom(config),
        config.developerInstructions,
        config.userInstructions,
        skills?.instructions,
      );
    recorder.record(initial.map(responseItemLine));
    await recorder.flush();
    // 0.58.0 starts the MCP servers while the session is set up: the first turn already sees their tools.
    const [mcp, messageHistory] = await this.startServices(config, opts.mcp);
    return this.open(config, id, recorder, initial, null, mcp, messageHistory, undefined, skills, opts);
  }

  /**
   * Starts an ephemeral conversation: no rollout, its history only in memory (0.166's `ephemeral: true`). With
   * `records` (an ephemeral fork: the source's records up to the cut, `SessionsStore.forkRecords`) its history is
   * rebuilt from them as a resume rebuilds it, compactions included; without, it starts from the initial context.
   */
  async newEphemeralConversation(
    requested: Config,
    records?: RolloutItem[],
    catalog?: SkillCatalog,
    mcpStartup?: McpStartup,
    identity?: ConversationIdentity,
  ): Promise<NewConversation> {
    const config = await withProjectDocs(requested);
    const skills = await skillsSetup(catalog, config);
    const context = () =>
      initialContext(
        settingsFrom(config),
        config.developerInstructions,
        config.userInstructions,
        skills?.instructions,
      );
    const history = records ? historyFromRollout(records, context) : context();
    const [mcp, messageHistory] = await this.startServices(config, mcpStartup);
    return this.open(
      config,
      uuidV7(),
      memoryRecorder(),
      history,
      null,
      mcp,
      messageHistory,
      undefined,
      skills,
      { mcp: mcpStartup, identity },
    );
  }

  /**
   * Continues a rollout: history rebuilt from its response items and `compacted` lines; new items append to the same
   * file. `preloaded` is what was read already; a `DeferredResume` (0.166's `thread/resume`, whose answer carries no
   * history) is read when the conversation first needs its history, so resuming a long rollout answers at once and
   * its first turn sends exactly what an eager resume would have.
   */
  async resumeConversation(
    path: string,
    requested: Config,
    preloaded?: LoadedRollout | DeferredResume,
    catalog?: SkillCatalog,
    mcpStartup?: McpStartup,
    identity?: ConversationIdentity,
  ): Promise<NewConversation & { initialMessages: CodexEventMsg[] }> {
    const config = await withProjectDocs(requested);
    const skills = await skillsSetup(catalog, config);
    // The initial context a compaction in the rollout is replayed with: the resuming session's (compact/history.ts).
    const context = () =>
      initialContext(
        settingsFrom(config),
        config.developerInstructions,
        config.userInstructions,
        skills?.instructions,
      );
    const deferred = preloaded && "load" in preloaded ? preloaded : null;
    // Only what the model's history needs is replayed (from the latest compactions of a huge rollout).
    const loaded = deferred
      ? null
      : ((preloaded as LoadedRollout | undefined) ??
        (await this.o.sessions.loadForResume({ path }, { events: true })));
    // A `compacted` line replaces the history before it, as the compaction did (compact/history.ts).
    const history = loaded ? historyFromRollout(loaded.items, context) : [];
    // 0.58.0's initialMessages: read with a deferred plan when it was asked for them (rollout/events.ts).
    const initialMessages = deferred ? (deferred.events ?? []) : initialMessagesOf(loaded!.items);
    // A rollout keeps the format it was started in (0.166.0's threads stay paginated, 0.58.0's legacy).
    const mode = (deferred ?? loaded)!.meta.history_mode === "paginated" ? "paginated" : "legacy";
    const recorder = await this.o.sessions.resumeRecorder(path, mode);
    const [mcp, messageHistory] = await this.startServices(config, mcpStartup);
    const id = (deferred ?? loaded)!.conversationId;
    const later = deferred
      ? async () => historyFromRollout((await this.readDeferred(path, id, deferred)).items, context)
      : undefined;
    const opened = this.open(
      config,
      id,
      recorder,
      history,
      initialMessages,
      mcp,
      messageHistory,
      later,
      skills,
      { mcp: mcpStartup, identity },
    );
    return { ...opened, initialMessages };
  }

  /**
   * A deferred resume's read. When the rollout changed since the resume (truncated or rewritten by another
   * process), the history is rebuilt from the file as it is now, which then is the thread's history (nothing of
   * the model's history was recorded since: tasks read it first); a file that no longer holds this thread is
   * refused. A rollout moved since (archived, or renamed by another process: the recorder's open file moved with
   * it) is read where the store finds the thread now; one deleted or moved out of the store fails with words that
   * say so, not the OS's ENOENT.
   */
  private async readDeferred(path: string, id: string, deferred: DeferredResume): Promise<LoadedRollout> {
    try {
      return await deferred.load();
    } catch (err) {
      if (isMissingPath(err)) return this.readMoved(path, id);
      if (!(err instanceof RolloutChangedError)) throw err;
      const now = await this.o.sessions.loadForResume({ path });
      if (now.conversationId !== id) {
        throw new RolloutLoadError(`rollout ${path} no longer holds thread ${id}: resume the thread again`);
      }
      return now;
    }
  }

  /** The history of a thread whose rollout is gone from `path`, from where the store finds it now. */
  private async readMoved(path: string, id: string): Promise<LoadedRollout> {
    const now = await this.o.sessions.loadForResume({ threadId: id }).catch((err: unknown) => {
      if (err instanceof ThreadNotFoundError || isMissingPath(err)) return null;
      throw err;
    });
    if (now?.conversationId === id) return now;
    throw new RolloutLoadError(
      `the rollout of thread ${id} is gone: ${path} was deleted or moved out of the sessions directories since the thread was resumed, so its history cannot be read`,
    );
  }

  /**
   * The conversation's MCP servers: 0.58.0 has them started (or failed) before the conversation is answered;
   * 0.166.0 answers at once and they join as each starts (a turn before then runs without their tools).
   */
  /**
   * What a conversation starts with besides its history: its MCP servers, the message history's metadata, and the
   * rules files read again (execpolicy/files.ts), so rules written since the last thread started apply.
   */
  private async startServices(config: Config, mcpStartup: McpStartup | undefined) {
    const [mcp, messageHistory] = await Promise.all([
      this.startMcp(config, mcpStartup),
      messageHistoryMetadata(this.o.sessions.codexHome),
      ExecPolicyStore.for(config.codexHome).reload(),
    ]);
    return [mcp, messageHistory] as const;
  }

  private async startMcp(config: Config, startup: McpStartup = "0.58"): Promise<McpConnectionManager> {
    if (Object.keys(config.mcpServers).length === 0) return McpConnectionManager.empty();
    const o = {
      clientVersion: this.o.cliVersion,
      wording: startup,
      oauth: { codexHome: config.codexHome, mode: config.mcpOauthCredentialsStore },
    };
    // A 0.166 thread's servers start when its request has been answered (`Conversation.startMcpServers`).
    return startup === "0.166"
      ? McpConnectionManager.deferred(config.mcpServers, o)
      : McpConnectionManager.start(config.mcpServers, o);
  }

  get(id: string): Conversation | undefined {
    return this.conversations.get(id);
  }

  async remove(id: string): Promise<void> {
    const c = this.conversations.get(id);
    this.conversations.delete(id);
    await c?.shutdown();
  }

  async shutdownAll(): Promise<void> {
    const all = [...this.conversations.values()];
    this.conversations.clear();
    await Promise.all(all.map((c) => c.shutdown().catch(() => undefined)));
  }
}
