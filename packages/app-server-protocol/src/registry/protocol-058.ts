import type { z } from "zod";
import { registerHints058 } from "../decode/hints-058.js";
import { deferHints } from "../decode/serde-hints.js";
import * as p from "../schema/v1.js";
import * as v2 from "../schema/v2.js";
import type { ProtocolDefinition, RequestSchema } from "./definition.js";
import { NoParams } from "./no-params.js";

const v1m = <P extends z.ZodType, R extends z.ZodType>(params: P, response: R) =>
  ({ params, response, namespace: "v1" }) as const satisfies RequestSchema;
const v2m = <P extends z.ZodType, R extends z.ZodType>(params: P, response: R) =>
  ({ params, response, namespace: "v2" }) as const satisfies RequestSchema;

/**
 * Codex 0.58.0, declared once: every client request in the reference registry order (the order its "unknown
 * variant" error lists the names), every notification and server request. The wire unions of its JSON Schema
 * (`ClientRequest`, `ServerNotification`, `ServerRequest`, `ClientNotification`) are derived from this table.
 */
export const protocol058 = {
  generation: "0.58",
  requests: {
    initialize: v1m(p.InitializeParams, p.InitializeResponse),
    "thread/start": v2m(v2.ThreadStartParams, v2.ThreadStartResponse),
    "thread/resume": v2m(v2.ThreadResumeParams, v2.ThreadResumeResponse),
    "thread/archive": v2m(v2.ThreadArchiveParams, v2.ThreadArchiveResponse),
    "thread/list": v2m(v2.ThreadListParams, v2.ThreadListResponse),
    "thread/compact": v2m(v2.ThreadCompactParams, v2.ThreadCompactResponse),
    "turn/start": v2m(v2.TurnStartParams, v2.TurnStartResponse),
    "turn/interrupt": v2m(v2.TurnInterruptParams, v2.TurnInterruptResponse),
    "model/list": v2m(v2.ModelListParams, v2.ModelListResponse),
    "account/login/start": v2m(v2.LoginAccountParams, v2.LoginAccountResponse),
    "account/login/cancel": v2m(v2.CancelLoginAccountParams, v2.CancelLoginAccountResponse),
    "account/logout": v2m(NoParams, v2.LogoutAccountResponse),
    "account/rateLimits/read": v2m(NoParams, v2.GetAccountRateLimitsResponse),
    "feedback/upload": v2m(v2.FeedbackUploadParams, v2.FeedbackUploadResponse),
    "account/read": v2m(v2.GetAccountParams, v2.GetAccountResponse),
    newConversation: v1m(p.NewConversationParams, p.NewConversationResponse),
    getConversationSummary: v1m(p.GetConversationSummaryParams, p.GetConversationSummaryResponse),
    listConversations: v1m(p.ListConversationsParams, p.ListConversationsResponse),
    resumeConversation: v1m(p.ResumeConversationParams, p.ResumeConversationResponse),
    archiveConversation: v1m(p.ArchiveConversationParams, p.ArchiveConversationResponse),
    sendUserMessage: v1m(p.SendUserMessageParams, p.SendUserMessageResponse),
    sendUserTurn: v1m(p.SendUserTurnParams, p.SendUserTurnResponse),
    interruptConversation: v1m(p.InterruptConversationParams, p.InterruptConversationResponse),
    addConversationListener: v1m(p.AddConversationListenerParams, p.AddConversationSubscriptionResponse),
    removeConversationListener: v1m(
      p.RemoveConversationListenerParams,
      p.RemoveConversationSubscriptionResponse,
    ),
    gitDiffToRemote: v1m(p.GitDiffToRemoteParams, p.GitDiffToRemoteResponse),
    loginApiKey: v1m(p.LoginApiKeyParams, p.LoginApiKeyResponse),
    loginChatGpt: v1m(NoParams, p.LoginChatGptResponse),
    cancelLoginChatGpt: v1m(p.CancelLoginChatGptParams, p.CancelLoginChatGptResponse),
    logoutChatGpt: v1m(NoParams, p.LogoutChatGptResponse),
    getAuthStatus: v1m(p.GetAuthStatusParams, p.GetAuthStatusResponse),
    getUserSavedConfig: v1m(NoParams, p.GetUserSavedConfigResponse),
    setDefaultModel: v1m(p.SetDefaultModelParams, p.SetDefaultModelResponse),
    getUserAgent: v1m(NoParams, p.GetUserAgentResponse),
    userInfo: v1m(NoParams, p.UserInfoResponse),
    fuzzyFileSearch: v1m(p.FuzzyFileSearchParams, p.FuzzyFileSearchResponse),
    execOneOffCommand: v1m(p.ExecOneOffCommandParams, p.ExecOneOffCommandResponse),
  },
  notifications: {
    "thread/started": v2.ThreadStartedNotification,
    "turn/started": v2.TurnStartedNotification,
    "turn/completed": v2.TurnCompletedNotification,
    "item/started": v2.ItemStartedNotification,
    "item/completed": v2.ItemCompletedNotification,
    "item/agentMessage/delta": v2.AgentMessageDeltaNotification,
    "item/commandExecution/outputDelta": v2.CommandExecutionOutputDeltaNotification,
    "item/mcpToolCall/progress": v2.McpToolCallProgressNotification,
    "account/updated": v2.AccountUpdatedNotification,
    "account/rateLimits/updated": v2.AccountRateLimitsUpdatedNotification,
    "account/login/completed": v2.AccountLoginCompletedNotification,
    authStatusChange: p.AuthStatusChangeNotification,
    loginChatGptComplete: p.LoginChatGptCompleteNotification,
    sessionConfigured: p.SessionConfiguredNotification,
  },
  serverRequests: {
    applyPatchApproval: { params: p.ApplyPatchApprovalParams, response: p.ApplyPatchApprovalResponse },
    execCommandApproval: { params: p.ExecCommandApprovalParams, response: p.ExecCommandApprovalResponse },
  },
  clientNotifications: { initialized: NoParams },
} as const satisfies ProtocolDefinition;

deferHints(registerHints058);

/** The 0.58.0 definition's type: the default generation of every generic helper. */
export type Protocol058 = typeof protocol058;
