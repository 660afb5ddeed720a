import type { gen0166, Protocol0166, ProtocolPeer, ReviewDecision } from "@codex-ts/app-server-protocol";
import type {
  CoreEvent,
  McpElicitationRequestEvent,
  McpElicitationResponse,
  RequestUserInputEvent,
  UserInputAnswers,
} from "@codex-ts/core";
import { type ExecPolicyStore, evaluateCommand, extensionEvent, shlexJoin } from "@codex-ts/core";
import type { ApprovalOp } from "./approvals.js";
import { commandActions } from "./items-0166.js";
import type { ApprovalKind, ApprovalOutcome } from "./v0166.js";

/** The ops the bridge submits: an approval's decision, or the answers to a `request_user_input` call. */
export type ServerRequestOp =
  | ApprovalOp
  | { type: "user_input_answer"; id: string; response: UserInputAnswers | null }
  | { type: "mcp_elicitation_answer"; id: string; response: McpElicitationResponse | null };

/** The core's `request_user_input` extension event (outside 0.58.0's union, so read by its type), else null. */
export function userInputRequest(msg: CoreEvent["msg"]): RequestUserInputEvent | null {
  return extensionEvent(msg, "request_user_input");
}

/** The core's MCP question extension event (a server's elicitation or a tool-call approval), else null. */
export function mcpElicitationRequest(msg: CoreEvent["msg"]): McpElicitationRequestEvent | null {
  return extensionEvent(msg, "mcp_elicitation_request");
}

/**
 * 0.166's `mcpServer/elicitation/request` params for an MCP question of turn `turnId` ("": asked outside a turn),
 * in 0.166.0's key order: a URL elicitation as such, anything else as a form.
 */
export function mcpElicitationParams(
  threadId: string,
  turnId: string,
  e: McpElicitationRequestEvent,
): gen0166.McpServerElicitationRequestParams {
  const { mode, _meta, message, requestedSchema, url, elicitationId } = e.request;
  const common = { threadId, turnId: turnId || null, serverName: e.server_name };
  if (mode === "url" && typeof url === "string" && typeof elicitationId === "string")
    return { ...common, mode: "url", _meta: _meta ?? null, message, url, elicitationId };
  return {
    ...common,
    mode: "form",
    _meta: _meta ?? null,
    message,
    requestedSchema: requestedSchema as gen0166.McpElicitationSchema,
  };
}

/** A 0.166 command decision as the core's `ReviewDecision` (an execpolicy amendment is applied by the bridge). */
export function commandDecision(d: gen0166.CommandExecutionApprovalDecision): ReviewDecision {
  if (d === "accept") return "approved";
  if (d === "acceptForSession") return "approved_for_session";
  if (d === "decline") return "denied";
  if (d === "cancel") return "abort";
  return "approved";
}

/** A 0.166 file-change decision as the core's `ReviewDecision`. */
export function fileChangeDecision(d: gen0166.FileChangeApprovalDecision): ReviewDecision {
  if (d === "accept") return "approved";
  if (d === "acceptForSession") return "approved_for_session";
  return d === "decline" ? "denied" : "abort";
}

const outcomeOf = (d: ReviewDecision): ApprovalOutcome =>
  d === "approved" || d === "approved_for_session" ? "accepted" : "declined";

/** What the bridge tells its thread about an answered (or abandoned) approval. */
export type ApprovalResolved = (
  requestId: number,
  callId: string,
  kind: ApprovalKind,
  outcome: ApprovalOutcome,
) => void;

/**
 * Turns the core's approval events of one 0.166 thread into 0.166.0's server requests
 * (`item/commandExecution/requestApproval`, `item/fileChange/requestApproval`) and the client's decision into the
 * matching op; `resolved` hears of every settled request, answered or abandoned, so the thread can send
 * `serverRequest/resolved`. Requests are tagged with the thread id, so an interrupt abandons them. A
 * `request_user_input` call's questions go the same way (`item/tool/requestUserInput`, answered by
 * `user_input_answer`; `questionResolved` hears of it), and MCP questions (`mcpServer/elicitation/request`,
 * answered by `mcp_elicitation_answer`; `elicitationResolved` hears of it).
 *
 * As for 0.58 clients, an error answer, an answer that is not a decision, or none before the request is abandoned
 * is submitted as `denied` (questions: as answered with none), so no turn waits forever.
 */
export class ApprovalBridge0166 {
  constructor(
    private readonly peer: ProtocolPeer<Protocol0166>,
    private readonly threadId: string,
    private readonly submit: (op: ServerRequestOp) => Promise<unknown>,
    private readonly resolved: ApprovalResolved,
    private readonly questionResolved: (requestId: number) => void,
    private readonly log: (message: string) => void = () => {},
    private readonly elicitationResolved: (requestId: number) => void = () => {},
    private readonly execPolicy?: ExecPolicyStore,
  ) {}

  /**
   * "Always allow" (`acceptWithExecpolicyAmendment`): an allow rule for the prefix in CODEX_HOME/rules/default.rules,
   * honoured at once by every thread of this server, as 0.166.0 does. A rule that cannot be written is logged; the
   * command the user accepted still runs.
   */
  private async allowForGood(prefix: readonly string[]): Promise<void> {
    if (!this.execPolicy || prefix.length === 0) return;
    await this.execPolicy.allow(prefix).catch((err: unknown) => {
      this.log(`could not add the allow rule for ${shlexJoin([...prefix])}: ${(err as Error).message}`);
    });
  }

  /** Handles the event when it is an approval request; returns whether it was one. */
  handle(event: CoreEvent): boolean {
    const msg = event.msg;
    let requestId = -1;
    const onId = (id: number) => {
      requestId = id;
    };
    if (msg.type === "exec_approval_request") {
      // What "always allow" would add: the command the rules do not cover (none when a rule asks for approval).
      const verdict = this.execPolicy ? evaluateCommand(this.execPolicy.current(), msg.command) : null;
      const amendment = verdict?.kind === "unmatched" ? verdict.amendment : null;
      const answer = this.peer.request(
        "item/commandExecution/requestApproval",
        {
          kind: "command",
          threadId: this.threadId,
          turnId: event.id,
          itemId: msg.call_id,
          startedAtMs: Date.now(),
          environmentId: "local",
          reason: msg.reason ?? null,
          command: shlexJoin(msg.command),
          cwd: msg.cwd,
          commandActions: commandActions(msg.command, msg.cwd),
          ...(amendment ? { proposedExecpolicyAmendment: amendment } : {}),
          availableDecisions: amendment
            ? ["accept", { acceptWithExecpolicyAmendment: { execpolicy_amendment: amendment } }, "cancel"]
            : ["accept", "cancel"],
        },
        { tag: this.threadId, onId },
      );
      this.settle(
        answer.then(async (a) => {
          const chosen = a.decision;
          if (typeof chosen === "object" && "acceptWithExecpolicyAmendment" in chosen)
            await this.allowForGood(chosen.acceptWithExecpolicyAmendment.execpolicy_amendment);
          return commandDecision(chosen);
        }),
        () => requestId,
        msg.call_id,
        "command",
      );
      return true;
    }
    if (msg.type === "apply_patch_approval_request") {
      const answer = this.peer.request(
        "item/fileChange/requestApproval",
        {
          threadId: this.threadId,
          turnId: event.id,
          itemId: msg.call_id,
          startedAtMs: Date.now(),
          reason: msg.reason ?? null,
          grantRoot: msg.grant_root ?? null,
        },
        { tag: this.threadId, onId },
      );
      this.settle(
        answer.then((a) => fileChangeDecision(a.decision)),
        () => requestId,
        msg.call_id,
        "fileChange",
      );
      return true;
    }
    const question = userInputRequest(msg);
    if (question) {
      const answer = this.peer.request(
        "item/tool/requestUserInput",
        {
          threadId: this.threadId,
          turnId: event.id,
          itemId: question.call_id,
          questions: question.questions.map((q) => ({
            id: q.id,
            header: q.header,
            question: q.question,
            isOther: q.is_other,
            isSecret: q.is_secret,
            options: q.options,
          })),
          isBlocking: true,
          autoResolutionMs: null,
        },
        { tag: this.threadId, onId },
      );
      void answer
        .then((a): UserInputAnswers => ({ answers: a.answers }))
        .catch((err: Error): UserInputAnswers => {
          // 0.166.0 gives the model no answers (not a cancellation) when the client answers with an error.
          this.log(`user input ${question.call_id}: ${err.message}; answering none`);
          return { answers: {} };
        })
        .then((response) => {
          this.questionResolved(requestId);
          return this.submit({ type: "user_input_answer", id: question.call_id, response });
        })
        .catch((err: Error) => this.log(`answering user input ${question.call_id} failed: ${err.message}`));
      return true;
    }
    const elicitation = mcpElicitationRequest(msg);
    if (elicitation) {
      this.elicit(elicitation, event.id, onId, () => requestId);
      return true;
    }
    return false;
  }

  /**
   * Puts an MCP question to the client. An error answer, or one that is not 0.166's response, declines it (as
   * 0.166.0 does); one withdrawn because the turn was interrupted is answered with none (the core cancels it).
   */
  private elicit(
    e: McpElicitationRequestEvent,
    turnId: string,
    onId: (id: number) => void,
    requestId: () => number,
  ): void {
    void this.peer
      .request("mcpServer/elicitation/request", mcpElicitationParams(this.threadId, turnId, e), {
        tag: this.threadId,
        onId,
      })
      .then(
        (a): McpElicitationResponse => ({
          action: a.action,
          ...(a.content === undefined ? {} : { content: a.content as McpElicitationResponse["content"] }),
          ...(a._meta === undefined ? {} : { _meta: a._meta as McpElicitationResponse["_meta"] }),
        }),
        (err: Error): McpElicitationResponse => {
          this.log(`MCP elicitation ${e.id}: ${err.message}; declining`);
          return { action: "decline" };
        },
      )
      .then((response) => {
        this.elicitationResolved(requestId());
        return this.submit({ type: "mcp_elicitation_answer", id: e.id, response });
      })
      .catch((err: Error) => this.log(`answering MCP elicitation ${e.id} failed: ${err.message}`));
  }

  /** Abandons this thread's unanswered approvals (the turn was interrupted; the core aborts them itself). */
  abandon(reason: string): number {
    return this.peer.peer.rejectPending(this.threadId, reason);
  }

  private settle(
    decision: Promise<ReviewDecision>,
    requestId: () => number,
    callId: string,
    kind: ApprovalKind,
  ): void {
    const opType: ApprovalOp["type"] = kind === "command" ? "exec_approval" : "patch_approval";
    void decision
      .catch((err: Error) => {
        this.log(`approval ${callId}: ${err.message}; treating as denied`);
        return "denied" as const;
      })
      .then((d) => {
        this.resolved(requestId(), callId, kind, outcomeOf(d));
        return this.submit({ type: opType, id: callId, decision: d });
      })
      .catch((err: Error) => this.log(`submitting ${opType} for ${callId} failed: ${err.message}`));
  }
}
