import { randomUUID } from "node:crypto";
import type { Config } from "@codex-ts/config-loader";
import * as ev from "../../events/constructors.js";
import type { CoreEvent } from "../../events/types.js";
import {
  parseReviewOutput,
  REVIEW_INSTRUCTIONS,
  REVIEW_INTERRUPTED_MESSAGE,
  type ReviewOutput,
  type ReviewRequest,
  renderReviewOutput,
  reviewResultsMessage,
} from "../../review/index.js";
import { memoryRecorder } from "../../rollout/recorder.js";
import { initialContext, userMessage } from "../context.js";
import { Session } from "../session.js";
import { TurnAborted } from "../turn-aborted.js";
import { runRegularTurn } from "./regular-turn.js";
import { type RunningTask, settleTask, startTask } from "./task.js";

/**
 * A code review as a turn of the thread (0.166.0's inline `review/start`): `entered_review_mode`, then a reviewer
 * runs the request's prompt as one turn of its own (the review instructions as its base prompt, a fresh history
 * without the thread's AGENTS.md, never asking for approval, its tool calls shown on this turn), then `exited_review_mode` with the
 * reviewer's answer parsed as a `ReviewOutputEvent`, and the thread keeps what was found: a `<user_action>` user
 * message and the rendered review as the assistant's message. A review that ends without an answer (interrupted,
 * failed, empty) exits with no output and says so, as 0.166.0 does.
 */
export async function runReviewTask(session: Session, id: string, request: ReviewRequest): Promise<void> {
  const task = startTask(session, id, "review");
  await settleTask(session, task, async () => {
    await session.historyReady();
    // Announced now, recorded after the reviewer's prompt (see `runReviewer`).
    const entered = ev.enteredReviewMode(request);
    session.notify(id, entered);
    const answer = await runReviewer(session, task, request, () => session.recordEvent(entered));
    const output = answer.text ? parseReviewOutput(answer.text) : null;
    exitReviewMode(session, id, output);
    if (answer.aborted || task.signal.aborted) throw new TurnAborted();
  });
}

/** What the reviewer's turn ended with: its last message ("" or null: none) and whether it was interrupted. */
interface ReviewerAnswer {
  text: string | null;
  aborted: boolean;
}

/**
 * Events of the reviewer's turn that the thread does not show: its own task lifecycle (the review task has its
 * own), its token usage (not the thread's), and its messages, whose text is the raw JSON answer (the review is
 * shown rendered when it ends; 0.166.0 hides them too).
 */
const HIDDEN = new Set([
  "task_started",
  "task_complete",
  "turn_aborted",
  "token_count",
  "agent_message",
  "agent_message_delta",
  "agent_message_content_delta",
]);

function shown(e: CoreEvent): boolean {
  const msg = e.msg;
  if (HIDDEN.has(msg.type) || TOOL_EVENT.test(msg.type)) return false;
  if ((msg.type === "item_started" || msg.type === "item_completed") && "AgentMessage" in msg.item)
    return false;
  return true;
}

/**
 * The reviewer's tool calls (commands, patches, MCP calls, image views, web searches, unified exec sessions) are
 * not shown on the review turn either: 0.166.0 shows none of them (its reviewer never asks for approval).
 */
const TOOL_EVENT =
  /^(exec_|patch_apply|apply_patch|mcp_tool_call|view_image|web_search|unified_exec|terminal_interaction|turn_diff)/;

/**
 * Runs the reviewer's turn in a session of its own and forwards what the thread shows of it. Only its prompt is
 * recorded in the thread's rollout (the `user_message` event, then `recordEntered`), so that the review reads
 * back as a turn of its own: 0.58.0-format rollouts delimit turns by user messages, and 0.166.0 reads this one as
 * the prompt, the review's two items and its answer. Without a prompt (the reviewer failed first) the entry is
 * recorded at the end.
 */
async function runReviewer(
  session: Session,
  task: RunningTask,
  request: ReviewRequest,
  recordEntered: () => void,
): Promise<ReviewerAnswer> {
  const config = reviewerConfig(session.config);
  const settings = {
    ...session.settings,
    // Nobody is asked: the reviewer's commands run in the thread's sandbox or not at all (0.166.0's reviewer).
    approvalPolicy: "never" as const,
    model: reviewModel(session.config) ?? session.settings.model,
    collaborationInstructions: undefined,
  };
  const reviewer = new Session({
    id: randomUUID(),
    config,
    client: session.client,
    recorder: memoryRecorder(),
    instructions: REVIEW_INSTRUCTIONS,
    history: initialContext(settings, config.developerInstructions, undefined),
    settings,
    ...(session.mcp ? { mcp: session.mcp } : {}),
    // The thread's requests: a 0.166 thread's reviewer gets 0.166.0's too.
    generation: session.generation(),
  });
  // The thread's MCP start-up failures were reported to the thread already.
  reviewer.endStartup();
  const answer: ReviewerAnswer = { text: null, aborted: false };
  let entered = false;
  reviewer.subscribe((e) => {
    if (e.msg.type === "task_complete") answer.text = e.msg.last_agent_message ?? null;
    if (e.msg.type === "turn_aborted") answer.aborted = true;
    if (e.msg.type === "user_message" && !entered) {
      entered = true;
      session.emit(task.id, e.msg);
      recordEntered();
    } else if (shown(e)) session.notify(task.id, e.msg);
  });
  session.delegateTo(reviewer);
  try {
    if (task.signal.aborted) return { text: null, aborted: true };
    await runRegularTurn(reviewer, task.id, [{ type: "text", data: { text: request.prompt } }]);
  } finally {
    if (!entered) recordEntered();
    session.delegateTo(null);
    // Its command sessions end with it; the MCP servers are the thread's and stay.
    await reviewer.unifiedExec.terminateAll();
  }
  return answer;
}

/**
 * The reviewer's configuration: the thread's, without AGENTS.md instructions and without web search (a review
 * reads the workspace, as 0.166.0's reviewer does), and without ghost snapshots.
 */
function reviewerConfig(config: Config): Config {
  const { userInstructions: _dropped, ...rest } = config;
  return {
    ...rest,
    // The reviewer changes nothing there is to undo: no ghost snapshot of the workspace.
    features: { ...config.features, ghost_commit: false },
    toolsWebSearch: false,
    raw: { ...(config.raw ?? {}), web_search: "disabled" },
  };
}

/** `review_model` when config.toml (or `-c`) sets it; else the reviewer runs on the thread's model (0.166.0). */
function reviewModel(config: Config): string | null {
  const chosen = (config.raw as Record<string, unknown> | undefined)?.review_model;
  return typeof chosen === "string" && chosen !== "" ? chosen : null;
}

/**
 * Leaves the review in the thread: the `<user_action>` message the next turn's model reads, `exited_review_mode`,
 * and the rendered review as the assistant's message (recorded, and shown as this turn's answer).
 */
function exitReviewMode(session: Session, id: string, output: ReviewOutput | null): void {
  session.record(userMessage(reviewResultsMessage(output)));
  session.emit(id, ev.exitedReviewMode(output));
  const text = output === null ? REVIEW_INTERRUPTED_MESSAGE : renderReviewOutput(output);
  session.record({ type: "message", role: "assistant", content: [{ type: "output_text", text }] });
  const item = { AgentMessage: { id: `msg_${randomUUID()}`, content: [{ Text: { text } }] } };
  const at = { threadId: session.id, turnId: id };
  session.emit(id, ev.itemStarted(at, item));
  session.emit(id, ev.itemCompleted(at, item));
  session.emit(id, ev.agentMessage(text));
}
