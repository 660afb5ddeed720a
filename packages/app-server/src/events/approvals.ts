import type { JsonRpcPeer } from "@codex-ts/app-server-protocol";
import type { CoreEvent } from "./core-events.js";

export type ReviewDecision = "approved" | "approved_for_session" | "denied" | "abort";
export type ApprovalOp =
  | { type: "exec_approval"; id: string; decision: ReviewDecision }
  | { type: "patch_approval"; id: string; decision: ReviewDecision };

const DECISIONS = new Set<string>(["approved", "approved_for_session", "denied", "abort"]);

/**
 * Turns the core's approval events of one conversation into server→client requests (`execCommandApproval`,
 * `applyPatchApproval`, for v1 and v2 threads alike as in 0.58.0) and feeds the client's decision back as the
 * matching op. Requests are tagged with the conversation id so an interrupt can abandon them.
 *
 * A client that answers with an error, an unreadable decision, or not at all before the request is abandoned
 * gets `denied` submitted for it (0.58.0 drops the request and leaves the turn waiting), so no turn hangs.
 */
export class ApprovalBridge {
  constructor(
    private readonly peer: JsonRpcPeer,
    private readonly conversationId: string,
    private readonly submit: (op: ApprovalOp) => Promise<unknown>,
    private readonly log: (message: string) => void = () => {},
  ) {}

  /** Handles the event when it is an approval request; returns whether it was one. */
  handle(event: CoreEvent): boolean {
    const msg = event.msg;
    if (msg.type === "exec_approval_request") {
      const callId = String(msg.call_id);
      this.ask("execCommandApproval", callId, "exec_approval", {
        conversationId: this.conversationId,
        callId,
        command: msg.command,
        cwd: msg.cwd,
        reason: msg.reason ?? null,
        risk: msg.risk ?? null,
        parsedCmd: msg.parsed_cmd ?? [],
      });
      return true;
    }
    if (msg.type === "apply_patch_approval_request") {
      const callId = String(msg.call_id);
      this.ask("applyPatchApproval", callId, "patch_approval", {
        conversationId: this.conversationId,
        callId,
        fileChanges: msg.changes ?? {},
        reason: msg.reason ?? null,
        grantRoot: msg.grant_root ?? null,
      });
      return true;
    }
    return false;
  }

  /** Abandons this conversation's unanswered approvals (the turn was interrupted; the core aborts them). */
  abandon(reason: string): number {
    return this.peer.rejectPending(this.conversationId, reason);
  }

  private ask(method: string, callId: string, opType: ApprovalOp["type"], params: unknown): void {
    void this.peer
      .request<{ decision?: unknown }>(method, params, { tag: this.conversationId })
      .then(
        (res) => {
          const decision = res?.decision;
          if (typeof decision === "string" && DECISIONS.has(decision)) return decision as ReviewDecision;
          this.log(`${method} ${callId}: unreadable decision ${JSON.stringify(res)}; treating as denied`);
          return "denied" as const;
        },
        (err: Error) => {
          this.log(`${method} ${callId}: ${err.message}; treating as denied`);
          return "denied" as const;
        },
      )
      .then((decision) => this.submit({ type: opType, id: callId, decision }))
      .catch((err: Error) => this.log(`submitting ${opType} for ${callId} failed: ${err.message}`));
  }
}
