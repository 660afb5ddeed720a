// @codex-ts/app-server

export {
  type ConversationLike,
  ConversationRegistry,
  type InputItem,
  inputItemFromV2,
  type OpenedConversation,
} from "./conversations.js";
export { ApprovalBridge, type ApprovalOp, type ReviewDecision } from "./events/approvals.js";
export type { CoreEvent, EventMsg, TurnItem } from "./events/core-events.js";
export { shellJoin } from "./events/shell-join.js";
export { toV1Notification } from "./events/v1.js";
export {
  type Notification,
  type ThreadItem,
  type Turn,
  type TurnStatus,
  threadItemFromTurnItem,
  type Usage,
  userInputToV2,
  V2EventMapper,
} from "./events/v2.js";
export { type FeedbackInput, uploadFeedbackBundle, writeFeedbackBundle } from "./feedback.js";
export { type FileMatch, FUZZY_SEARCH_LIMIT, fuzzyFileSearch } from "./file-search/search.js";
export { gitDiffToRemote } from "./git-diff.js";
export { type AccountHandlerOptions, createAccountHandlers } from "./handlers/account.js";
export { basicHandlers } from "./handlers/basic.js";
export { createGetUserSavedConfigHandler, userSavedConfig } from "./handlers/config.js";
export { type ConversationOpener, createConversationHandlers } from "./handlers/conversations.js";
export { createExecOneOffCommandHandler } from "./handlers/exec.js";
export { createFeedbackHandler, type FeedbackOptions } from "./handlers/feedback.js";
export { createSessionHandlers, type SessionRuntime } from "./handlers/sessions.js";
export { createFuzzyFileSearchHandler, gitDiffToRemoteHandler } from "./handlers/workspace.js";
export { CLIENT_REQUEST_METHODS } from "./methods.js";
export { type ModelPreset, pageModels } from "./model-list.js";
export { MODEL_PRESETS } from "./model-presets.js";
export { type RunAppServerOptions, runAppServer } from "./run.js";
export {
  AppServerRuntime,
  type AppServerRuntimeOptions,
  type ConversationRuntime,
  type ResumedConversation,
} from "./runtime.js";
export {
  AppServer,
  type AppServerOptions,
  type AppServerState,
  type RequestContext,
  type RequestHandler,
} from "./server.js";
export { type Dialect, type SessionSettings, sessionSettings } from "./session-settings.js";
export { buildUserAgent, type ClientInfo, osLabel, terminalLabel } from "./user-agent.js";
