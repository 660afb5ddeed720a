import { type EventMsg, ReviewDecision } from "@codex-ts/app-server-protocol";
import { shellJoin } from "@codex-ts/core";

type ExecApprovalRequest = Extract<EventMsg, { type: "exec_approval_request" }>;
type PatchApprovalRequest = Extract<EventMsg, { type: "apply_patch_approval_request" }>;
export type ApprovalRequest = ExecApprovalRequest | PatchApprovalRequest;

/** Where the approval comes from: the tools/call that runs the turn and the core event that asks. */
export interface ApprovalOrigin {
  toolCallId: string;
  eventId: string;
}

/** What every approval question carries: MCP's `message` and an empty schema, then where the question comes from. */
interface ElicitationCommon {
  message: string;
  /** Empty: the client answers with `{decision}` rather than MCP's form content. */
  requestedSchema: { properties: Record<string, never>; type: "object" };
  codex_mcp_tool_call_id: string;
  codex_event_id: string;
  codex_call_id: string;
}

export interface ExecApprovalElicitation extends ElicitationCommon {
  codex_elicitation: "exec-approval";
  codex_command: ExecApprovalRequest["command"];
  codex_cwd: ExecApprovalRequest["cwd"];
  codex_parsed_cmd: ExecApprovalRequest["parsed_cmd"];
}

export interface PatchApprovalElicitation extends ElicitationCommon {
  codex_elicitation: "patch-approval";
  codex_reason?: string;
  codex_grant_root?: string;
  codex_changes: PatchApprovalRequest["changes"];
}

/** `elicitation/create` params for an approval. */
export type ApprovalElicitation = ExecApprovalElicitation | PatchApprovalElicitation;

/** `elicitation/create` params for an approval, with Codex's `codex_*` fields in the order 0.58.0 emits them. */
export function approvalElicitation(request: ApprovalRequest, origin: ApprovalOrigin): ApprovalElicitation {
  const requestedSchema = { properties: {}, type: "object" } as const;
  if (request.type === "exec_approval_request") {
    return {
      message: `Allow Codex to run \`${shellJoin(request.command)}\` in \`${request.cwd}\`?`,
      requestedSchema,
      codex_elicitation: "exec-approval",
      codex_mcp_tool_call_id: origin.toolCallId,
      codex_event_id: origin.eventId,
      codex_call_id: request.call_id,
      codex_command: request.command,
      codex_cwd: request.cwd,
      codex_parsed_cmd: request.parsed_cmd,
    };
  }
  const question = "Allow Codex to apply proposed code changes?";
  return {
    message: request.reason ? `${request.reason}\n${question}` : question,
    requestedSchema,
    codex_elicitation: "patch-approval",
    codex_mcp_tool_call_id: origin.toolCallId,
    codex_event_id: origin.eventId,
    codex_call_id: request.call_id,
    ...(request.reason ? { codex_reason: request.reason } : {}),
    ...(request.grant_root ? { codex_grant_root: request.grant_root } : {}),
    codex_changes: request.changes,
  };
}

/**
 * The client's answer as a review decision. Codex clients answer `{decision}`; a plain MCP client's
 * `{action: "accept"}` approves once (an extension: 0.58.0 would deny it). Anything else, `decline` and
 * `cancel` included, denies.
 */
export function decisionFrom(answer: unknown): ReviewDecision {
  const fields = (typeof answer === "object" && answer !== null ? answer : {}) as Record<string, unknown>;
  const parsed = ReviewDecision.safeParse(fields.decision);
  if (parsed.success) return parsed.data;
  return fields.decision === undefined && fields.action === "accept" ? "approved" : "denied";
}
