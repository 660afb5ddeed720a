import { registerHints0166 } from "../decode/hints-0166.js";
import { deferHints } from "../decode/serde-hints.js";
import * as g from "../schema/gen-0166.js";
import type { ProtocolDefinition } from "./definition.js";
import { methodOrder0166, notificationOrder0166, serverRequestOrder0166 } from "./method-order-0166.js";
import { NoParams } from "./no-params.js";
import { adminNotifications0166, adminRequests0166 } from "./protocol-0166-admin.js";
import { externalAgentNotifications0166, externalAgentRequests0166 } from "./protocol-0166-external-agent.js";
import { goalNotifications0166, goalRequests0166 } from "./protocol-0166-goals.js";
import { historyRequests0166 } from "./protocol-0166-history.js";
import { hostNotifications0166, hostRequests0166 } from "./protocol-0166-host.js";
import { liveNotifications0166, liveRequests0166 } from "./protocol-0166-live.js";
import { mcpRequests0166 } from "./protocol-0166-mcp.js";
import { pluginRequests0166 } from "./protocol-0166-plugins.js";
import { processNotifications0166, processRequests0166 } from "./protocol-0166-process.js";
import { projectNotifications0166, projectRequests0166 } from "./protocol-0166-projects.js";
import { queueNotifications0166, queueRequests0166 } from "./protocol-0166-queue.js";
import { remoteRequests0166 } from "./protocol-0166-remote.js";
import { reviewRequests0166 } from "./protocol-0166-review.js";
import { settingsNotifications0166, settingsRequests0166 } from "./protocol-0166-settings.js";
import { threadStateNotifications0166, threadStateRequests0166 } from "./protocol-0166-thread-state.js";
import { workspaceNotifications0166, workspaceRequests0166 } from "./protocol-0166-workspace.js";

/**
 * `entries` in the reference's registry `order` (its unknown-variant error lists requests in it; its schema lists
 * each kind in it), whatever order the feature groups are spread in. A name the reference does not have comes last.
 */
function inRegistryOrder<T extends Record<string, unknown>>(order: readonly string[], entries: T): T {
  // Ranks looked up, not searched: this runs when the protocol loads, before a server answers `initialize`.
  const ranks = new Map(order.map((m, i) => [m, i]));
  const rank = (m: string) => ranks.get(m) ?? order.length;
  return Object.fromEntries(Object.entries(entries).sort(([a], [b]) => rank(a) - rank(b))) as T;
}

/**
 * Codex 0.166.0, the generation today's clients speak (e.g. `@agentclientprotocol/codex-acp`). It grows one
 * method at a time: a method is a schema here (generated from the reference's JSON Schema by
 * `scripts/gen-0166.sh`), a handler in the app server, and a test. A feature may add its methods as one group
 * (`protocol-0166-settings.ts`); requests, notifications and server requests are put in the reference's registry
 * order among themselves.
 *
 * Every 0.166.0 notification also carries a top-level `emittedAtMs` beside `method` and `params` (an envelope
 * field, outside the schema); `ProtocolPeer` adds it for this generation.
 */
export const protocol0166 = {
  generation: "0.166",
  requests: inRegistryOrder(methodOrder0166, {
    initialize: { params: g.InitializeParams, response: g.InitializeResponse },
    "thread/start": { params: g.ThreadStartParams, response: g.ThreadStartResponse, namespace: "v2" },
    "thread/resume": { params: g.ThreadResumeParams, response: g.ThreadResumeResponse, namespace: "v2" },
    "thread/settings/update": {
      params: g.ThreadSettingsUpdateParams,
      response: g.ThreadSettingsUpdateResponse,
      namespace: "v2",
    },
    "thread/backgroundTerminals/list": {
      params: g.ThreadBackgroundTerminalsListParams,
      response: g.ThreadBackgroundTerminalsListResponse,
      namespace: "v2",
    },
    "thread/backgroundTerminals/terminate": {
      params: g.ThreadBackgroundTerminalsTerminateParams,
      response: g.ThreadBackgroundTerminalsTerminateResponse,
      namespace: "v2",
    },
    "thread/backgroundTerminals/clean": {
      params: g.ThreadBackgroundTerminalsCleanParams,
      response: g.ThreadBackgroundTerminalsCleanResponse,
      namespace: "v2",
    },
    "thread/sample": { params: g.ThreadSampleParams, response: g.ThreadSampleResponse, namespace: "v2" },
    "turn/start": { params: g.TurnStartParams, response: g.TurnStartResponse, namespace: "v2" },
    "turn/steer": { params: g.TurnSteerParams, response: g.TurnSteerResponse, namespace: "v2" },
    "turn/interrupt": { params: g.TurnInterruptParams, response: g.TurnInterruptResponse, namespace: "v2" },
    "permissionProfile/list": {
      params: g.PermissionProfileListParams,
      response: g.PermissionProfileListResponse,
      namespace: "v2",
    },
    ...settingsRequests0166,
    ...adminRequests0166,
    ...historyRequests0166,
    ...reviewRequests0166,
    ...pluginRequests0166,
    ...hostRequests0166,

    ...goalRequests0166,
    ...projectRequests0166,
    ...workspaceRequests0166,
    ...liveRequests0166,
    ...externalAgentRequests0166,
    ...mcpRequests0166,
    ...processRequests0166,
    ...threadStateRequests0166,
    ...remoteRequests0166,
    ...queueRequests0166,
  }),
  notifications: inRegistryOrder(notificationOrder0166, {
    error: g.ErrorNotification,
    "thread/started": g.ThreadStartedNotification,
    "thread/status/changed": g.ThreadStatusChangedNotification,
    "thread/settings/updated": g.ThreadSettingsUpdatedNotification,
    "thread/tokenUsage/updated": g.ThreadTokenUsageUpdatedNotification,
    "turn/started": g.TurnStartedNotification,
    "turn/completed": g.TurnCompletedNotification,
    "turn/diff/updated": g.TurnDiffUpdatedNotification,
    "turn/plan/updated": g.TurnPlanUpdatedNotification,
    "item/started": g.ItemStartedNotification,
    "item/completed": g.ItemCompletedNotification,
    "item/agentMessage/delta": g.AgentMessageDeltaNotification,
    "item/plan/delta": g.PlanDeltaNotification,
    "item/commandExecution/outputDelta": g.CommandExecutionOutputDeltaNotification,
    "item/commandExecution/terminalInteraction": g.TerminalInteractionNotification,
    "item/fileChange/outputDelta": g.FileChangeOutputDeltaNotification,
    "serverRequest/resolved": g.ServerRequestResolvedNotification,
    "item/mcpToolCall/progress": g.McpToolCallProgressNotification,
    "item/reasoning/summaryTextDelta": g.ReasoningSummaryTextDeltaNotification,
    "item/reasoning/textDelta": g.ReasoningTextDeltaNotification,
    warning: g.WarningNotification,
    // The automatic approval reviewer's reviews and messages (approvals_reviewer = "auto_review").
    "item/autoApprovalReview/started": g.ItemGuardianApprovalReviewStartedNotification,
    "item/autoApprovalReview/completed": g.ItemGuardianApprovalReviewCompletedNotification,
    guardianWarning: g.GuardianWarningNotification,
    // Full-history hydration of a paginated thread (0.166.0 warns the client asking for it).
    deprecationNotice: g.DeprecationNoticeNotification,
    configWarning: g.ConfigWarningNotification,
    ...settingsNotifications0166,
    ...adminNotifications0166,
    ...goalNotifications0166,
    ...projectNotifications0166,
    ...hostNotifications0166,
    ...workspaceNotifications0166,
    ...liveNotifications0166,
    ...externalAgentNotifications0166,
    ...processNotifications0166,
    ...threadStateNotifications0166,
    ...queueNotifications0166,
  }),
  serverRequests: inRegistryOrder(serverRequestOrder0166, {
    "item/commandExecution/requestApproval": {
      params: g.CommandExecutionRequestApprovalParams,
      response: g.CommandExecutionRequestApprovalResponse,
    },
    "item/fileChange/requestApproval": {
      params: g.FileChangeRequestApprovalParams,
      response: g.FileChangeRequestApprovalResponse,
    },
    "item/tool/requestUserInput": {
      params: g.ToolRequestUserInputParams,
      response: g.ToolRequestUserInputResponse,
    },
    "mcpServer/elicitation/request": {
      params: g.McpServerElicitationRequestParams,
      response: g.McpServerElicitationRequestResponse,
    },
  }),
  // 0.166.0's ClientNotification has one member, as 0.58.0's: `initialized`, sent after the handshake.
  clientNotifications: { initialized: NoParams },
} as const satisfies ProtocolDefinition;

deferHints(registerHints0166);

export type Protocol0166 = typeof protocol0166;
