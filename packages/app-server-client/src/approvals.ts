/**
 * Approvals in both generations, behind one decision vocabulary. 0.58.0 asks with `execCommandApproval` /
 * `applyPatchApproval` and wants a `ReviewDecision` (`approved`, `approved_for_session`, `denied`, `abort`); 0.166
 * asks with `item/commandExecution/requestApproval` / `item/fileChange/requestApproval` and wants `accept`,
 * `acceptForSession`, `decline` or `cancel` (it still sends the 0.58.0 methods to clients that use v1 APIs).
 */
export type ApprovalDecision = "approve" | "approveForSession" | "decline" | "cancel";

/** An approval the server asks for: a command to run or file changes to apply. */
export interface ApprovalRequest {
  /** The server request's id. */
  id: number | string;
  method: string;
  kind: "command" | "fileChange";
  /** The request's params as sent (their shape is the method's; see the protocol definition). */
  params: unknown;
}

const REVIEW_DECISION: Record<ApprovalDecision, string> = {
  approve: "approved",
  approveForSession: "approved_for_session",
  decline: "denied",
  cancel: "abort",
};
const V2_DECISION: Record<ApprovalDecision, string> = {
  approve: "accept",
  approveForSession: "acceptForSession",
  decline: "decline",
  cancel: "cancel",
};

const APPROVAL_METHODS: Record<
  string,
  { kind: ApprovalRequest["kind"]; wire: Record<ApprovalDecision, string> }
> = {
  execCommandApproval: { kind: "command", wire: REVIEW_DECISION },
  applyPatchApproval: { kind: "fileChange", wire: REVIEW_DECISION },
  "item/commandExecution/requestApproval": { kind: "command", wire: V2_DECISION },
  "item/fileChange/requestApproval": { kind: "fileChange", wire: V2_DECISION },
};

/** The approval kind of a server request method, or undefined when it is not an approval. */
export function approvalKind(method: string): ApprovalRequest["kind"] | undefined {
  return Object.hasOwn(APPROVAL_METHODS, method) ? APPROVAL_METHODS[method]?.kind : undefined;
}

/** The response that carries `decision` for an approval request of `method`. */
export function approvalResponse(method: string, decision: ApprovalDecision): { decision: string } {
  const entry = APPROVAL_METHODS[method];
  if (!entry) throw new Error(`${method} is not an approval request`);
  return { decision: entry.wire[decision] };
}
