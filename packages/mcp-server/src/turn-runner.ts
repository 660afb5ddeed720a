import type { EventMsg } from "@codex-ts/app-server-protocol";
import { type Conversation, type CoreEvent, isCodexWireEvent } from "@codex-ts/core";
import {
  type ApprovalElicitation,
  type ApprovalRequest,
  approvalElicitation,
  decisionFrom,
} from "./elicitation.js";

/**
 * What a tools/call result looks like; `{error}` is Codex 0.58.0's answer when the turn fails (not an MCP
 * CallToolResult, which is why the server writes its results itself rather than through the MCP SDK's `Server`).
 */
export type ToolResult = { content: { text: string; type: "text" }[]; isError?: true } | { error: string };

// Keys in the order 0.58.0 writes them.
export const textResult = (text: string): ToolResult => ({ content: [{ text, type: "text" }] });
export const errorResult = (text: string): ToolResult => ({
  content: [{ text, type: "text" }],
  isError: true,
});

/** The running tools/call, as the turn needs it: where events and approval questions go. */
export interface ToolCall {
  /** The tools/call request id, reported in `codex_mcp_tool_call_id`. */
  requestId: string | number;
  /** Sends one core event to the client (`codex/event`). */
  sendEvent(event: CoreEvent): Promise<void>;
  /** Sends `elicitation/create` and resolves with the client's answer (rejects when the client fails it). */
  elicit(params: ApprovalElicitation): Promise<unknown>;
  /** Aborted when the client cancels the tools/call. */
  signal: AbortSignal;
  log(message: string): void;
}

/**
 * Submits `prompt` to `conversation` and streams the turn's events to the client until the turn ends, answering
 * approval requests through elicitation. Resolves with the tool result: the last agent message on completion.
 * `submissionId` names the submission (the `codex` tool uses its request id, as Codex does).
 */
export function runTurn(
  conversation: Conversation,
  prompt: string,
  call: ToolCall,
  submissionId?: string,
): Promise<ToolResult> {
  return new Promise((resolve) => {
    let turnId: string | null = null;
    // Submission ids can repeat (a client's request id may equal a later counter id), so a turn's events count
    // from its own task_started: an earlier turn with the same id has ended by then, turns being sequential.
    let started = false;
    let done = false;
    // Events can arrive before `submit` tells us the turn's id; they wait here until it is known.
    const early: CoreEvent[] = [];
    const onCancel = () => {
      conversation.submit({ type: "interrupt" }).catch(() => undefined);
    };
    const finish = (result: ToolResult) => {
      if (done) return;
      done = true;
      unsubscribe();
      call.signal.removeEventListener("abort", onCancel);
      resolve(result);
    };
    const handle = (event: CoreEvent) => {
      if (done || event.id !== turnId) return;
      if (!started && event.msg.type !== "task_started") return;
      started = true;
      if (!isCodexWireEvent(event.msg.type)) return;
      call.sendEvent(event).catch((err) => call.log(`failed to send codex/event: ${(err as Error).message}`));
      const result = outcome(event.msg);
      if (result) return finish(result);
      if (event.msg.type === "exec_approval_request" || event.msg.type === "apply_patch_approval_request")
        void askApproval(conversation, event.msg, event.id, call);
    };
    const unsubscribe = conversation.subscribe((event) => {
      if (turnId === null) early.push(event);
      else handle(event);
    });
    call.signal.addEventListener("abort", onCancel, { once: true });
    conversation
      .submit({ type: "user_input", items: [{ type: "text", data: { text: prompt } }] }, submissionId)
      .then(
        (id) => {
          turnId = id;
          for (const event of early.splice(0)) handle(event);
        },
        (err: Error) => finish(errorResult(`Failed to submit the prompt to Codex: ${err.message}`)),
      );
  });
}

/** The tool result an event ends the turn with, or null while the turn goes on. */
function outcome(msg: EventMsg): ToolResult | null {
  switch (msg.type) {
    case "task_complete":
      return textResult(msg.last_agent_message ?? "");
    case "error":
      return { error: msg.message };
    case "turn_aborted":
      return errorResult(`Codex turn aborted: ${msg.reason}`);
    default:
      return null;
  }
}

/**
 * Asks the client and hands its decision to the conversation. The turn keeps streaming meanwhile; a client that
 * fails the request (or has no elicitation support) denies.
 */
async function askApproval(
  conversation: Conversation,
  request: ApprovalRequest,
  eventId: string,
  call: ToolCall,
): Promise<void> {
  const params = approvalElicitation(request, { toolCallId: String(call.requestId), eventId });
  let answer: unknown = null;
  try {
    answer = await call.elicit(params);
  } catch (err) {
    call.log(`approval request for ${request.call_id} failed, denying: ${(err as Error).message}`);
  }
  const decision = decisionFrom(answer);
  const type = request.type === "exec_approval_request" ? "exec_approval" : "patch_approval";
  await conversation.submit({ type, id: request.call_id, decision }).catch((err: Error) => {
    call.log(`could not deliver the approval decision for ${request.call_id}: ${err.message}`);
  });
}
