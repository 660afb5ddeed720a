// @codex-ts/app-server

export {
  type ConversationHandle,
  ConversationRegistry,
  type Hold,
  inputItemFromV2,
  LoadedConversation,
  MAX_LISTENERS_PER_CONVERSATION,
  type OpenedConversation,
  type ResumedConversation,
  type TurnOverrides,
} from "./conversations.js";
export { ApprovalBridge, type ApprovalOp } from "./events/approvals.js";
export { shellJoin } from "./events/shell-join.js";
export { type CodexEventNotification, toV1Notification } from "./events/v1.js";
export { type Notification, threadItemFromTurnItem, userInputToV2, V2EventMapper } from "./events/v2.js";
export {
  FEEDBACK_MAX_BUNDLES,
  FEEDBACK_ROLLOUT_MAX_BYTES,
  type FeedbackInput,
  uploadFeedbackBundle,
  writeFeedbackBundle,
} from "./feedback.js";
export { type FileMatch, FUZZY_SEARCH_LIMIT, fuzzyFileSearch } from "./file-search/search.js";
export { gitDiffToRemote } from "./git-diff.js";
export type {
  AppServerState,
  Handler,
  Handlers,
  HandlerTable,
  HandlerTables,
  RequestContext,
  Responded,
} from "./handler.js";
export { type AccountHandlerOptions, createAccountHandlers } from "./handlers/account.js";
export {
  AccountService,
  type AccountState,
  accountRpcError,
  type LoginEnd,
} from "./handlers/account-service.js";
export { basicHandlers, initialize0166 } from "./handlers/basic.js";
export { createConfigHandlers, userSavedConfig } from "./handlers/config.js";
export { type ConversationOpener, createConversationHandlers } from "./handlers/conversations.js";
export { createExecOneOffCommandHandler } from "./handlers/exec.js";
export { createFeedbackHandler, type FeedbackOptions } from "./handlers/feedback.js";
export { configuredProfiles, createPermissionProfileHandler } from "./handlers/permission-profiles.js";
export { createSessionHandlers, type SessionRuntime } from "./handlers/sessions.js";
export {
  createAccountHandlers0166,
  planType0166,
  rateLimitSnapshot0166,
} from "./handlers/settings-0166/account.js";
export { type ConfigServices0166, createConfigHandlers0166 } from "./handlers/settings-0166/config.js";
export { configShape0166 } from "./handlers/settings-0166/config-shape.js";
export { createSettingsHandlers0166, type SettingsServices0166 } from "./handlers/settings-0166/index.js";
export { MODEL_CATALOG_0166 } from "./handlers/settings-0166/model-catalog.js";
export { modelListHandler0166 } from "./handlers/settings-0166/models.js";
export { createHandlerTables, type ServerServices } from "./handlers/tables.js";
export { unavailable } from "./handlers/unavailable.js";
export { createWorkspaceHandlers } from "./handlers/workspace.js";
export {
  handshakeAuthorizer,
  type WsAuth,
  type WsAuthFlags,
  wsAuthFromFlags,
} from "./listen/handshake-auth.js";
export {
  type ListenAddress,
  type ListenOptions,
  listenRefusal,
  type ServerHost,
  type SharedServices,
  serveListening,
  sharedServices,
} from "./listen/serve.js";
export { subscriptionObserver } from "./listen/subscription-observer.js";
export { type Subscriber, ThreadSubscribers } from "./listen/thread-subscribers.js";
export { ThreadWriterLocks, threadHeldError } from "./listen/thread-writer-lock.js";
export {
  cutLogMessage,
  LOG_MESSAGE_MAX_CHARS,
  LOG_RING_MAX_CHARS,
  LOG_RING_MAX_LINES,
  LogRing,
} from "./log-ring.js";
export { type ModelPreset, pageItems, pageModels } from "./model-list.js";
export { MODEL_PRESETS } from "./model-presets.js";
export { type RunAppServerOptions, runAppServer } from "./run.js";
export { AppServerRuntime, type AppServerRuntimeOptions, type ConversationRuntime } from "./runtime.js";
export {
  AppServer,
  type AppServerOptions,
  MAX_REQUESTS_IN_FLIGHT,
  type RequestObserver,
  type RequestOutcome,
} from "./server.js";
export {
  coreApprovalPolicy,
  type SessionSettings,
  v1SessionSettings,
  v2SessionSettings,
} from "./session-settings.js";
export { startsTask, TurnActivity } from "./turn-activity.js";
