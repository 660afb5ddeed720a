import type { Protocol058, ProtocolPeer, ReviewDecision } from "@codex-ts/app-server-protocol";
import type { CoreEvent, Op } from "@codex-ts/core";

/** The ops that answer an approval request. */
export type ApprovalOp = Extract<Op, { type: "exec_approval" | "patch_approval" }>;

/**
 * Turns the core's approval events of one conversation into server→client requests (`execCommandApproval`,
 * `applyPatchApproval`, for v1 and v2 threads alike as in 0.58.0) and feeds the client's decision back as the
 * matching op. Requests are tagged with the conversation id so an interrupt can abandon them.
 *
 * A client that answers with an error, an answer that is not a decision, or not at all before the request is
 * abandoned gets `denied` submitted for it (0.58.0 drops the request and leaves the turn waiting), so no turn hangs.
 */
export class ApprovalBridge {
  constructor(
    private readonly peer: ProtocolPeer<Protocol058>,
    private readonly conversationId: string,
    private readonly submit: (op: ApprovalOp) => Promise<unknown>,
    private readonly log: (message: string) => void = () => {},
  ) {}

  /** Handles the event when it is an approval request; returns whether it was one. */
  handle(event: CoreEvent): boolean {
    const msg = event.msg;
    if (msg.type === "exec_approval_request") {
      const answer = this.peer.request(
        "execCommandApproval",
        {
          conversationId: this.conversationId,
          callId: msg.call_id,
          command: msg.command,
          cwd: msg.cwd,
          reason: msg.reason ?? null,
          risk: msg.risk ?? null,
          parsedCmd: msg.parsed_cmd,
        },
        { tag: this.conversationId },
      );
      this.settle(answer, "execCommandApproval", msg.call_id, "exec_approval");
      return true;
    }
    if (msg.type === "apply_patch_approval_request") {
      const answer = this.peer.request(
        "applyPatchApproval",
        {
          conversationId: this.conversationId,
          callId: msg.call_id,
          fileChanges: msg.changes,
          reason: msg.reason ?? null,
          grantRoot: msg.grant_root ?? null,
        },
        { tag: this.conversationId },
      );
      this.settle(answer, "applyPatchApproval", msg.call_id, "patch_approval");
      return true;
    }
    return false;
  }

  /** Abandons this conversation's unanswered approvals (the turn was interrupted; the core aborts them). */
  abandon(reason: string): number {
    return this.peer.peer.rejectPending(this.conversationId, reason);
  }

  private settle(
    answer: Promise<{ decision: ReviewDecision }>,
    method: string,
    callId: string,
    opType: ApprovalOp["type"],
  ): void {
    void answer
      .then(
        (res) => res.decision,
        (err: Error) => {
          this.log(`${method} ${callId}: ${err.message}; treating as denied`);
          return "denied" as const;
        },
      )
      .then((decision) => this.submit({ type: opType, id: callId, decision }))
      .catch((err: Error) => this.log(`submitting ${opType} for ${callId} failed: ${err.message}`));
  }
}
