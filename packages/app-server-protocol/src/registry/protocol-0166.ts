import { registerHints0166 } from "../decode/hints-0166.js";
import { deferHints } from "../decode/serde-hints.js";
import * as g from "../schema/gen-0166.js";
import type { ProtocolDefinition } from "./definition.js";
import { NoParams } from "./no-params.js";

/**
 * Codex 0.166.0, the generation today's clients speak (e.g. `@agentclientprotocol/codex-acp`). It grows one
 * method at a time: a method is a schema here (generated from the reference's JSON Schema by
 * `scripts/zod-from-json-schema.py --subset`), a handler in the app server, and a test. Requests, notifications
 * and server requests keep the reference's registry order among themselves.
 *
 * Every 0.166.0 notification also carries a top-level `emittedAtMs` beside `method` and `params` (an envelope
 * field, outside the schema); `ProtocolPeer` adds it for this generation.
 */
export const protocol0166 = {
  generation: "0.166",
  requests: {
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
    "turn/start": { params: g.TurnStartParams, response: g.TurnStartResponse, namespace: "v2" },
    "turn/steer": { params: g.TurnSteerParams, response: g.TurnSteerResponse, namespace: "v2" },
    "turn/interrupt": { params: g.TurnInterruptParams, response: g.TurnInterruptResponse, namespace: "v2" },
    "permissionProfile/list": {
      params: g.PermissionProfileListParams,
      response: g.PermissionProfileListResponse,
      namespace: "v2",
    },
  },
  notifications: {
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
    "item/fileChange/outputDelta": g.FileChangeOutputDeltaNotification,
    "serverRequest/resolved": g.ServerRequestResolvedNotification,
    "item/mcpToolCall/progress": g.McpToolCallProgressNotification,
    "item/reasoning/summaryTextDelta": g.ReasoningSummaryTextDeltaNotification,
    "item/reasoning/textDelta": g.ReasoningTextDeltaNotification,
    warning: g.WarningNotification,
  },
  serverRequests: {
    "item/commandExecution/requestApproval": {
      params: g.CommandExecutionRequestApprovalParams,
      response: g.CommandExecutionRequestApprovalResponse,
    },
    "item/fileChange/requestApproval": {
      params: g.FileChangeRequestApprovalParams,
      response: g.FileChangeRequestApprovalResponse,
    },
  },
  // 0.166.0's ClientNotification has one member, as 0.58.0's: `initialized`, sent after the handshake.
  clientNotifications: { initialized: NoParams },
} as const satisfies ProtocolDefinition;

deferHints(registerHints0166);

export type Protocol0166 = typeof protocol0166;
