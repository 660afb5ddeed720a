import os from "node:os";
import {
  type Protocol0166,
  type ProtocolPeer,
  protocol058,
  protocol0166,
} from "@codex-ts/app-server-protocol";
import { ConfigWriter } from "@codex-ts/config-loader";
import {
  type AuthManager,
  type ConversationIdentity,
  ExecPolicyStore,
  GoalStore,
  QueueStore,
  ThreadStateStore,
} from "@codex-ts/core";
import { ConversationRegistry } from "../conversations.js";
import type { HandlerTables } from "../handler.js";
import type { ConversationRuntime } from "../runtime.js";
import type { AppServer } from "../server.js";
import { SkillExtraRoots } from "../skill-extra-roots.js";
import { soleConnectionFollows, type ThreadFollows } from "../threads/follows.js";
import { ThreadOrganization } from "../threads/organization.js";
import { ThreadRegistry } from "../threads/registry.js";
import type { ThreadSkillCatalog } from "../threads/session-settings.js";
import { ThreadMetadataStore } from "../threads/thread-metadata.js";
import { type AccountHandlerOptions, createAccountHandlers } from "./account.js";
import { AccountService } from "./account-service.js";
import { createBackgroundTerminalHandlers0166 } from "./background-terminals-0166.js";
import { basicHandlers, initialize0166 } from "./basic.js";
import { createCommandExecHandlers0166 } from "./command-exec-0166/index.js";
import { createConfigHandlers } from "./config.js";
import { createConfigInfoHandlers0166 } from "./config-info-0166/index.js";
import { createConversationHandlers } from "./conversations.js";
import { createEnvironmentHandlers0166 } from "./environments-0166/index.js";
import { createExecOneOffCommandHandler } from "./exec.js";
import { experimentalCheck } from "./experimental-api.js";
import { createExternalAgentHandlers0166 } from "./external-agent-0166/index.js";
import { createFeedbackHandler } from "./feedback.js";
import { createFsHandlers0166 } from "./fs-0166/index.js";
import { createFuzzySearchHandlers0166 } from "./fuzzy-search-0166.js";
import { createGoalHandlers0166 } from "./goals-0166.js";
import { createHistoryHandlers0166 } from "./history-0166.js";
import { createSearchHandlers0166 } from "./history-search-0166.js";
import { createLiveThreadHandlers0166 } from "./live-threads-0166/index.js";
import { createMcpCallHandlers0166 } from "./mcp-calls-0166.js";
import { createPermissionProfileHandler } from "./permission-profiles.js";
import {
  createAppHandlers0166,
  createPluginHandlers0166,
  PLUGIN_METHODS_0166,
} from "./plugins-0166/index.js";
import { createProcessHandlers0166 } from "./process-0166/index.js";
import { createOrganizationHandlers0166, ORGANIZATION_METHODS_0166 } from "./projects-0166/index.js";
import { AccountSessions, createRemoteHandlers0166 } from "./remote-0166/index.js";
import { createReviewHandlers0166 } from "./review-0166.js";
import { createServerInfoHandlers0166 } from "./server-info-0166.js";
import { createSessionHandlers, type SessionRuntime } from "./sessions.js";
import { createSettingsHandlers0166 } from "./settings-0166/index.js";
import { skillCatalog0166 } from "./settings-0166/skills.js";
import { createThreadQueueHandlers0166 } from "./thread-queue-0166/index.js";
import { createThreadSampleHandler0166 } from "./thread-sample-0166.js";
import {
  createThreadStateHandlers0166,
  memoriesInUse,
  memorySummaryPath,
  THREAD_STATE_METHODS_0166,
} from "./thread-state-0166/index.js";
import { createThreadHandlers0166 } from "./threads-0166.js";
import { createThreadAdminHandlers0166, unloadDelayMs } from "./threads-admin-0166/index.js";
import { createTurnHandlers0166 } from "./turns-0166.js";
import { unavailable } from "./unavailable.js";
import { createWorkspaceHandlers } from "./workspace.js";

/** The queue methods, refused together when their services are missing. */
const QUEUE_METHODS_0166 = [
  "thread/queue/add",
  "thread/queue/list",
  "thread/queue/update",
  "thread/queue/delete",
  "thread/queue/reorder",
  "thread/queue/start",
] as const;

/** What the handlers serve from; a method whose service is missing answers that it is not available. */
export interface ServerServices {
  /** The agent runtime: conversations and turns; with `sessions`/`resume`/`fork`/`remove` the session methods too. */
  conversations?: ConversationRuntime | undefined;
  /** Account state: the v1 auth methods and `account/*`. */
  auth?: AuthManager | undefined;
  /** `requires_openai_auth` of the configured model provider, reported by `account/read` and `getAuthStatus`. */
  requiresOpenaiAuth?: AccountHandlerOptions["requiresOpenaiAuth"];
  /** CODEX_HOME: `setDefaultModel`, `getUserSavedConfig`, `feedback/upload`. */
  codexHome?: string | undefined;
  /** Upload endpoint for feedback bundles; none by default. */
  feedbackEndpoint?: string | null | undefined;
  /** The version threads report (0.166 `Thread.cliVersion`); default "0.58.0". */
  cliVersion?: string | undefined;
  /** The originator rollouts record (0.166 `Thread.originator`); default "codex_cli_rs". */
  originator?: string | undefined;
  /** The 0.166 threads, when shared by several connections (a listening server); else this connection's own. */
  threads?: ThreadRegistry | undefined;
  /** The skill roots clients added, when shared by several connections (a listening server); else this one's own. */
  skillExtraRoots?: SkillExtraRoots | undefined;
  /** The threads this connection follows, when several connections share them (a listening server's). */
  follows?: ThreadFollows | undefined;
  /**
   * Where the notifications 0.166.0 sends every 0.166 connection go (a thread archived, renamed, unloaded, …):
   * a listening server's every connection; else this connection.
   */
  announcer?: ProtocolPeer<Protocol0166> | undefined;
}

function isSessionRuntime(rt: ConversationRuntime | undefined): rt is SessionRuntime {
  return !!(rt?.sessions && rt.resume && rt.fork && rt.remove);
}

/**
 * The handler tables `runAppServer` serves: every 0.58.0 method (from the services given) and the 0.166 methods
 * implemented so far. Adding a method is its schema in the protocol registry and its handler here: the table's
 * type does not compile without it.
 */
export function createHandlerTables(server: AppServer, s: ServerServices): HandlerTables {
  const peer = server.peers["0.58"];
  const warn = (m: string) => server.log("warn", m);
  const registry = new ConversationRegistry(peer, warn);
  const rt = s.conversations;
  const codexHome = s.codexHome;
  const currentConfig = rt?.currentConfig?.bind(rt);
  // One account service and one config writer per server, whichever generation the connection speaks.
  const account = s.auth ? new AccountService(s.auth, s.requiresOpenaiAuth ?? true, warn) : undefined;
  const accountSessions = s.auth ? new AccountSessions(s.auth) : undefined;
  const writer = codexHome ? new ConfigWriter(codexHome) : undefined;
  const layers = rt?.configLayers?.bind(rt);
  // 0.166 connections: their threads, and whether the client asked for the experimental API at `initialize`.
  const threads = s.threads ?? new ThreadRegistry(server.peers["0.166"], warn);
  const follows = s.follows ?? soleConnectionFollows(threads);
  const announcer = s.announcer ?? server.peers["0.166"];
  // One goals database per CODEX_HOME, shared by every connection's threads (0.166.0's `goals_1.sqlite`).
  if (codexHome && !threads.goals) threads.goals = new GoalStore(codexHome);
  if (codexHome && !threads.execPolicy) threads.execPolicy = ExecPolicyStore.for(codexHome);
  // Attachments, read receipts and memory modes: one database per CODEX_HOME, shared like the goals.
  if (codexHome && !threads.threadState) threads.threadState = new ThreadStateStore(codexHome);
  if (codexHome) threads.memorySummaryPath = memorySummaryPath(codexHome);
  const threadState = threads.threadState;
  const goalStore = threads.goals;
  // One queue database per CODEX_HOME too (0.166.0's `queue_1.sqlite`).
  if (codexHome && !threads.queue) threads.useQueue(new QueueStore(codexHome));
  const queueStore = threads.queue;
  // The metadata clients set on threads (`thread/metadata/update`), overlaid on what `thread/read` and `thread/list` show.
  const threadMetadata = codexHome ? new ThreadMetadataStore(codexHome) : undefined;
  // Projects and thread sections (`project/*`, `threadSection/*`), and where each thread is in them.
  const organization = codexHome ? new ThreadOrganization(codexHome, threads, rt?.sessions) : undefined;
  if (organization) server.onClose(() => organization.close());
  let experimentalApi = false;
  // A 0.166 connection's threads name its client, as 0.166.0 names it (`clientInfo.name` as the originator).
  const identity = (): ConversationIdentity => {
    const originator = server.clientInfo?.name ?? s.originator ?? "codex_cli_rs";
    return { originator, userAgent: () => server.userAgent(originator) };
  };
  // The roots clients added: the same list for `skills/list` and for the skills this connection's threads are offered.
  const skillExtraRoots = s.skillExtraRoots ?? new SkillExtraRoots();
  const skills: ThreadSkillCatalog | undefined =
    codexHome && layers
      ? (threadConfig) =>
          skillCatalog0166(
            { codexHome, homeDir: os.homedir(), layers, extraRoots: skillExtraRoots },
            threadConfig,
          )
      : undefined;
  return {
    "0.58": {
      ...basicHandlers,
      ...createWorkspaceHandlers(),
      ...(account
        ? createAccountHandlers(account, peer)
        : unavailable(
            protocol058,
            [
              "loginApiKey",
              "loginChatGpt",
              "cancelLoginChatGpt",
              "logoutChatGpt",
              "getAuthStatus",
              "userInfo",
              "account/read",
              "account/login/start",
              "account/login/cancel",
              "account/logout",
              "account/rateLimits/read",
            ],
            "an account store",
          )),
      ...(codexHome
        ? {
            ...createConfigHandlers(codexHome, undefined, writer),
            ...createFeedbackHandler({
              codexHome,
              endpoint: s.feedbackEndpoint,
              rolloutPathOf: (id) => registry.rolloutPathOf(id),
            }),
          }
        : unavailable(
            protocol058,
            ["setDefaultModel", "getUserSavedConfig", "feedback/upload"],
            "a CODEX_HOME",
          )),
      ...(rt
        ? createConversationHandlers(registry, (settings) => rt.open(settings), rt.execOutputSchema)
        : unavailable(
            protocol058,
            [
              "newConversation",
              "thread/start",
              "addConversationListener",
              "removeConversationListener",
              "sendUserMessage",
              "sendUserTurn",
              "interruptConversation",
              "turn/start",
              "thread/compact",
              "turn/interrupt",
            ],
            "an agent runtime",
          )),
      ...(isSessionRuntime(rt)
        ? createSessionHandlers(registry, rt)
        : unavailable(
            protocol058,
            [
              "listConversations",
              "thread/list",
              "getConversationSummary",
              "archiveConversation",
              "thread/archive",
              "resumeConversation",
              "thread/resume",
            ],
            "a sessions store",
          )),
      ...(rt?.processConfig
        ? createExecOneOffCommandHandler(
            rt.processConfig.sandboxPolicy,
            rt.processConfig.shellEnvironmentPolicy,
          )
        : unavailable(protocol058, ["execOneOffCommand"], "a process config")),
    },
    "0.166": {
      initialize: (p, ctx) => {
        experimentalApi = p.capabilities?.experimentalApi === true;
        return initialize0166(p, ctx);
      },
      ...createPermissionProfileHandler(currentConfig),
      ...createFsHandlers0166({
        peer: server.peers["0.166"],
        log: warn,
        onClose: (cleanup) => server.onClose(cleanup),
      }),
      ...createConfigInfoHandlers0166({
        layers,
        requirements: rt?.configRequirements?.bind(rt),
        currentConfig,
        threads,
        cliVersion: s.cliVersion ?? "0.58.0",
      }),
      ...createFuzzySearchHandlers0166({
        experimentalApi: () => experimentalApi,
        onConnectionClose: (hook) => server.onClose(hook),
      }),
      ...(rt?.processConfig
        ? createCommandExecHandlers0166({
            sandbox: rt.processConfig.sandboxPolicy,
            envPolicy: rt.processConfig.shellEnvironmentPolicy,
            experimentalApi: () => experimentalApi,
            onConnectionClose: (hook) => server.onClose(hook),
          })
        : unavailable(
            protocol0166,
            ["command/exec", "command/exec/write", "command/exec/terminate", "command/exec/resize"],
            "a process config",
          )),
      ...(rt?.processConfig
        ? createProcessHandlers0166({
            envPolicy: rt.processConfig.shellEnvironmentPolicy,
            experimentalApi: () => experimentalApi,
            onConnectionClose: (hook) => server.onClose(hook),
          })
        : unavailable(
            protocol0166,
            ["process/spawn", "process/writeStdin", "process/kill", "process/resizePty"],
            "a process config",
          )),
      ...createEnvironmentHandlers0166({ experimentalApi: () => experimentalApi }),
      ...createSettingsHandlers0166({
        account,
        config:
          writer && layers ? { layers, writer, requirements: rt?.configRequirements?.bind(rt) } : undefined,
        homeDir: os.homedir(),
        currentConfig,
        // A loaded 0.166 thread is known; its own connections' states are not tracked (runtimeStatus null).
        threadMcp: (id) => (threads.get(id) ? { status: () => null } : undefined),
        skillExtraRoots,
        notifySkillsChanged: () => server.peers["0.166"].notify("skills/changed", {}),
        threadCwd: (id) => threads.require(id).settings.cwd,
        reannounceMcpStartup: () => {
          for (const id of threads.ids()) threads.get(id)?.announceMcpStartup(true);
        },
        notifyOauthLoginCompleted: (end) =>
          void server.peers["0.166"].notify("mcpServer/oauthLogin/completed", end),
        threadMcpServer: (id, name) => threads.get(id)?.conversation.mcpServerConfig(name),
        restartThreadMcpServer: async (id, name) => {
          await threads.get(id)?.conversation.restartMcpServer(name);
        },
      }),
      ...(rt
        ? {
            ...createThreadHandlers0166({
              registry: threads,
              runtime: rt,
              follows,
              announcer,
              cliVersion: s.cliVersion ?? "0.58.0",
              identity,
              experimentalApi: () => experimentalApi,
              skills,
              organization,
            }),
            ...createTurnHandlers0166(threads),
            ...createThreadSampleHandler0166(
              threads,
              experimentalCheck(() => experimentalApi),
            ),
            ...createBackgroundTerminalHandlers0166(threads),
            ...createReviewHandlers0166(threads),
            ...createLiveThreadHandlers0166({
              registry: threads,
              experimentalApi: () => experimentalApi,
              metadata:
                rt.sessions && threadMetadata
                  ? { sessions: rt.sessions, metadata: threadMetadata, organization }
                  : undefined,
            }),
            ...createMcpCallHandlers0166({
              registry: threads,
              currentConfig,
              cliVersion: s.cliVersion ?? "0.58.0",
              experimentalApi: () => experimentalApi,
            }),
            ...(goalStore
              ? createGoalHandlers0166({
                  registry: threads,
                  goals: goalStore,
                  sessions: rt.sessions?.store,
                  announcer,
                })
              : unavailable(
                  protocol0166,
                  ["thread/goal/get", "thread/goal/set", "thread/goal/clear"],
                  "a CODEX_HOME",
                )),
            ...(queueStore && codexHome
              ? createThreadQueueHandlers0166({
                  registry: threads,
                  queue: queueStore,
                  sessions: rt.sessions?.store,
                  codexHome,
                  experimentalApi: () => experimentalApi,
                })
              : unavailable(protocol0166, QUEUE_METHODS_0166, "a CODEX_HOME")),
            ...createThreadAdminHandlers0166({
              registry: threads,
              runtime: rt,
              announcer,
              follows,
              cliVersion: s.cliVersion ?? "0.58.0",
              identity,
              unloadDelayMs: unloadDelayMs(rt.processConfig?.raw),
              skills,
              organization,
            }),
          }
        : unavailable(
            protocol0166,
            [
              "thread/start",
              "thread/resume",
              "thread/settings/update",
              "thread/backgroundTerminals/list",
              "thread/backgroundTerminals/terminate",
              "thread/backgroundTerminals/clean",
              "turn/start",
              "turn/steer",
              "turn/interrupt",
              "thread/sample",
              "thread/sample/cancel",
              "thread/fork",
              "thread/archive",
              "thread/unarchive",
              "thread/delete",
              "thread/name/set",
              "thread/loaded/list",
              "thread/unsubscribe",
              "thread/compact/start",
              "review/start",
              "thread/goal/get",
              "thread/goal/set",
              "thread/goal/clear",
              "thread/shellCommand",
              "thread/inject_items",
              "thread/metadata/update",
              "thread/revert",
              "collaborationMode/list",
              "turn/settings/update",
              "mcpServer/tool/call",
              "mcpServer/resource/read",
              "mcpServer/event/stream/start",
              "mcpServer/event/stream/stop",
              ...QUEUE_METHODS_0166,
            ],
            "an agent runtime",
          )),
      ...createAppHandlers0166(),
      ...(codexHome && writer && layers
        ? createPluginHandlers0166({ codexHome, homeDir: os.homedir(), layers, writer })
        : unavailable(protocol0166, PLUGIN_METHODS_0166, "a CODEX_HOME")),
      ...createServerInfoHandlers0166({
        experimentalApi: () => experimentalApi,
        requestsInFlight: () => server.requestsInFlight,
        accountSessions: accountSessions ? () => accountSessions.list() : undefined,
      }),
      ...(codexHome
        ? createExternalAgentHandlers0166({ codexHome, homeDir: os.homedir(), peer: server.peers["0.166"] })
        : unavailable(
            protocol0166,
            [
              "externalAgentConfig/detect",
              "externalAgentConfig/import",
              "externalAgentConfig/import/recordHistory",
              "externalAgentConfig/import/readHistories",
            ],
            "a CODEX_HOME",
          )),
      ...(rt?.sessions
        ? {
            ...createHistoryHandlers0166({
              ...rt.sessions,
              registry: threads,
              metadata: threadMetadata,
              readStates: threadState && ((ids) => threadState.readReceipts.getMany(ids)),
              organization,
              experimentalApi: () => experimentalApi,
            }),
            ...createSearchHandlers0166({ ...rt.sessions, registry: threads }),
          }
        : unavailable(
            protocol0166,
            [
              "thread/list",
              "thread/read",
              "thread/turns/list",
              "thread/items/list",
              "thread/search",
              "thread/searchOccurrences",
              "thread/items/read",
              "thread/timeline/list",
            ],
            "a sessions store",
          )),
      ...(codexHome && threadState
        ? createThreadStateHandlers0166({
            registry: threads,
            sessions: rt?.sessions?.store,
            state: threadState,
            codexHome,
            experimentalApi: () => experimentalApi,
            memoriesInUse: () => memoriesInUse(layers, rt?.configRequirements?.bind(rt)),
          })
        : unavailable(protocol0166, THREAD_STATE_METHODS_0166, "a CODEX_HOME")),
      ...createRemoteHandlers0166({
        auth: s.auth,
        sessions: accountSessions,
        registry: rt ? threads : undefined,
        currentConfig,
        experimentalApi: () => experimentalApi,
      }),
      ...(organization
        ? createOrganizationHandlers0166(organization, () => experimentalApi)
        : unavailable(protocol0166, ORGANIZATION_METHODS_0166, "a CODEX_HOME")),
    },
  };
}
