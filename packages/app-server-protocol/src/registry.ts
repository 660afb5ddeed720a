import { z } from "zod";
import * as p from "./schema/v1.js";
import * as v2 from "./schema/v2.js";

/** Methods whose 0.58.0 params are `null` on the wire take no params (absent or null). */
const NoParams = z.null().optional();

type Entry = { params: z.ZodType; response: z.ZodType; namespace: "v1" | "v2" };
const v1m = <P extends z.ZodType, R extends z.ZodType>(params: P, response: R) =>
  ({ params, response, namespace: "v1" }) as const;
const v2m = <P extends z.ZodType, R extends z.ZodType>(params: P, response: R) =>
  ({ params, response, namespace: "v2" }) as const;

/**
 * Every client request of codex 0.58.0, declared once, in the reference registry order (the order its
 * "unknown variant" error lists the names). `satisfies` makes a method without a response a type error.
 */
export const clientRequests = {
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
} as const satisfies Record<string, Entry>;

/** Server → client notifications, in reference order. */
export const serverNotifications = {
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
} as const satisfies Record<string, z.ZodType>;

/** Server → client requests with the client's response. */
export const serverRequests = {
  applyPatchApproval: { params: p.ApplyPatchApprovalParams, response: p.ApplyPatchApprovalResponse },
  execCommandApproval: { params: p.ExecCommandApprovalParams, response: p.ExecCommandApprovalResponse },
} as const satisfies Record<string, { params: z.ZodType; response: z.ZodType }>;

/** Client → server notifications (no params). */
export const clientNotifications = { initialized: NoParams } as const satisfies Record<string, z.ZodType>;

export type ClientMethod = keyof typeof clientRequests;
export type Params<M extends ClientMethod> = z.infer<(typeof clientRequests)[M]["params"]>;
export type Result<M extends ClientMethod> = z.infer<(typeof clientRequests)[M]["response"]>;
export type ServerNotificationMethod = keyof typeof serverNotifications;
export type NotificationParams<M extends ServerNotificationMethod> = z.infer<(typeof serverNotifications)[M]>;
export type ServerRequestMethod = keyof typeof serverRequests;
export type ServerRequestParams<M extends ServerRequestMethod> = z.infer<
  (typeof serverRequests)[M]["params"]
>;
export type ServerRequestResult<M extends ServerRequestMethod> = z.infer<
  (typeof serverRequests)[M]["response"]
>;

/** One handler per client method; a missing one is a compile error. */
export type Handlers<Ctx = void> = {
  [M in ClientMethod]: (params: Params<M>, ctx: Ctx) => Promise<Result<M>> | Result<M>;
};

/** Method names in registry order. */
export const clientMethods = Object.keys(clientRequests) as ClientMethod[];

export function isClientMethod(method: string): method is ClientMethod {
  return Object.hasOwn(clientRequests, method);
}
