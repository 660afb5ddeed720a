import { autoCompactTokenLimit } from "../../client/model-info.js";
import { runCompaction, stillOverLimitMessage } from "../../compact/index.js";
import * as ev from "../../events/constructors.js";
import type { CodexEventMsg } from "../../events/types.js";
import { commandEnvironment } from "../../exec/shell-env.js";
import { TurnDiffTracker } from "../../tools/turn-diff.js";
import { compactionHost } from "../compaction-host.js";
import { userMessage } from "../context.js";
import type { InputItem } from "../op.js";
import { sampleWithRetries } from "../sampling.js";
import type { Session } from "../session.js";
import { skillInjections } from "../skills-context.js";
import type { ToolContext } from "../tools/context.js";
import { runTools } from "../tools/router.js";
import { TurnAborted } from "../turn-aborted.js";
import { turnRequestLimitMessage } from "../turn-limits.js";
import { TurnSnapshot } from "../turn-snapshot.js";
import { userTurnInput } from "../user-input.js";
import { type RunningTask, settleTask, startTask } from "./task.js";

/**
 * A user turn: the user's input, then model requests until a response asks for no tool and no input was added
 * meanwhile (each response's tools run before the next request; input added with `steer` is recorded before it),
 * with auto-compaction when a response reaches the limit. `outputSchema` (null or absent: none) shapes this
 * turn's answers only.
 */
export async function runRegularTurn(
  session: Session,
  id: string,
  items: InputItem[],
  outputSchema?: unknown,
  itemId?: string,
): Promise<void> {
  await runTurn(session, id, () => recordUserInput(session, id, items, itemId), outputSchema);
}

/**
 * A turn whose input is a context message (`Op` `context_turn`): recorded in the history as a user-role message,
 * with no user message item or `user_message` event (a client sees the turn start and the model's answer).
 */
export async function runContextTurn(session: Session, id: string, text: string): Promise<void> {
  await runTurn(session, id, async () => session.record(userMessage(text)));
}

/** 0.166.0's words for an interrupted turn, in the history the model sees next (checked with the native binary). */
const TURN_ABORTED_MARKER =
  "<turn_aborted>\nThe user interrupted the previous turn on purpose. Any running unified exec processes may still be running in the background. If any tools/commands were aborted, they may have partially executed.\n</turn_aborted>";

async function runTurn(
  session: Session,
  id: string,
  recordInput: () => Promise<void>,
  outputSchema?: unknown,
): Promise<void> {
  const task = startTask(session, id, "regular");
  session.turnOutputSchema = outputSchema;
  const turnDiff = new TurnDiffTracker();
  // Everything after task_started runs inside the task's closing logic, the input included: whatever fails, the
  // turn ends with `error` + `task_complete` (or `turn_aborted`), never silently.
  await settleTask(
    session,
    task,
    async () => {
      await session.historyReady();
      session.recordSettingsChange();
      await recordInput();
      // As 0.58.0, the snapshot starts once the input is recorded and runs beside the model requests.
      const snapshot = new TurnSnapshot(session, id, task.signal);
      try {
        await samplingLoop(session, task, toolContext(session, task, turnDiff, snapshot));
      } finally {
        // Recorded (or its notice sent) before the turn's end is announced, so a client that reads the rollout after
        // task_complete finds it (0.58.0 did not wait: its notice could follow task_complete).
        await snapshot.recorded();
      }
    },
    () => {
      // 0.166.0 tells the model of the interruption in the next request: a user message recorded as the turn ends.
      if (session.generation() === "0.166") session.record(userMessage(TURN_ABORTED_MARKER));
    },
  ).finally(() => {
    session.turnOutputSchema = undefined;
  });
}

/**
 * Records a user's input in the history and announces it: the item events first and `user_message` (the item's
 * legacy form) after them, as 0.58.0 sends them. `itemId` names the UserMessage item (input added with `steer`
 * keeps the id the server gave the client); a fresh one otherwise.
 */
async function recordUserInput(
  session: Session,
  id: string,
  items: InputItem[],
  itemId?: string,
): Promise<void> {
  const input = await userTurnInput(items, {
    resolvePath: (path) => session.resolvePath(path),
    codexHome: session.config.codexHome,
  });
  if (itemId !== undefined && "UserMessage" in input.item) input.item.UserMessage.id = itemId;
  session.record(input.message);
  const at = { threadId: session.id, turnId: id };
  session.emit(id, ev.itemStarted(at, input.item));
  session.emit(id, ev.itemCompleted(at, input.item));
  session.emit(id, ev.userMessage(input.text, input.images));
  // The skills the input mentions follow it, each its own user message (0.166 threads only: others have no catalog).
  const injected = await skillInjections(session.skills, items, session.settings.cwd);
  for (const warning of injected.warnings) session.emit(id, ev.warning(warning));
  for (const text of injected.texts) session.record(userMessage(text));
}

/** Input added to the running turn (`steer`) joins the history before the turn's next model request. */
async function recordPendingInput(session: Session, id: string): Promise<void> {
  for (const item of session.steering.takeRecords()) session.record(item);
  for (const pending of session.steering.take())
    await recordUserInput(session, id, pending.items, pending.itemId);
}

async function samplingLoop(session: Session, task: RunningTask, tools: ToolContext): Promise<void> {
  const compactLimit = autoCompactTokenLimit(session.config);
  const requestLimit = session.config.maxTurnRequests;
  // Set while the request after an auto-compaction is pending: reaching the limit again then ends the turn.
  let justCompacted = false;
  for (let requests = 0; ; requests++) {
    await recordPendingInput(session, task.id);
    // A model that asks for a tool on every response would loop forever: the turn ends at the limit (its last
    // response's tools have run and are recorded, so the history stays whole for the next turn).
    if (requests >= requestLimit) throw new Error(turnRequestLimitMessage(requestLimit));
    const sampled = await sampleWithRetries(session, task.id, task.signal);
    // Input added while the response streamed cut it short: what it said is dropped and the model asked again,
    // with the new input in view (0.166.0 does the same).
    if (sampled.preempted) continue;
    const { items, calls, lastMessage, contextTokens } = sampled;
    if (lastMessage !== null) task.lastAgentMessage = lastMessage;
    session.inFlightItems = items;
    const { outputs, aborted } = await runTools(tools, calls).finally(() => {
      session.inFlightItems = [];
    });
    // As 0.58.0 does, a response's items reach the history and the rollout only once the response has completed
    // and its tools have run (so after its token_count), each tool call followed by its output; a response
    // whose stream fails keeps none of them, one interrupted mid-stream the items it had completed (calls
    // with aborted outputs).
    // With parallel tool calls (0.166.0's gpt-5.5) a response's calls come first and their outputs after them, in
    // call order, as 0.166.0 records them (checked with the native binary: test/mcp-tools-0166.e2e.test.ts).
    if (session.prompt().parallelToolCalls === true) {
      for (const item of items) session.record(item);
      for (const item of items) for (const output of outputs.get(item) ?? []) session.record(output);
    } else {
      for (const item of items) {
        session.record(item);
        for (const output of outputs.get(item) ?? []) session.record(output);
      }
    }
    if (sampled.interrupted) throw new TurnAborted();
    // Interrupted while its tools ran: 0.58.0 has already begun the next request (its turn_context is written)
    // when it notices, and the turn ends there.
    if (aborted) {
      session.recordTurnContext();
      throw new TurnAborted();
    }
    // Codex repeats the turn's diff after every response once the turn has changed files.
    await tools.emitTurnDiff();
    // Auto-compaction (0.58.0): once a response's total tokens reach the limit, its tool calls have run, and
    // the history is compacted; the next request then continues the turn from the summary.
    if (compactLimit !== null && contextTokens !== null && contextTokens >= compactLimit) {
      task.lastAgentMessage = null;
      if (justCompacted) {
        session.emit(task.id, ev.error(stillOverLimitMessage(compactLimit, contextTokens)));
        return;
      }
      justCompacted = true;
      await runCompaction(compactionHost(session, task.id), task.signal);
      continue;
    }
    justCompacted = false;
    if (calls.length === 0 && !session.steering.hasPending()) {
      // Decided in the same tick as the check: input arriving from here on is refused, never dropped unseen.
      session.steering.close();
      return;
    }
  }
}

/** The turn as its tool calls see it (tools/context.ts). */
function toolContext(
  session: Session,
  task: RunningTask,
  turnDiff: TurnDiffTracker,
  snapshot: TurnSnapshot,
): ToolContext {
  const emit = (msg: CodexEventMsg) => session.emit(task.id, msg);
  const goals = session.goals();
  return {
    signal: task.signal,
    goals: goals ? { threadId: session.id, store: goals } : null,
    mcp: session.mcp,
    agents: session.agents(),
    unifiedExec: session.unifiedExec,
    snapshotRecorded: () => snapshot.recorded(),
    turnDiff,
    approvedForSession: session.approvedForSession,
    codexHome: session.config.codexHome,
    settings: () => session.settings,
    family: () => session.family(),
    resolvePath: (path) => session.resolvePath(path),
    offeredTools: () => session.routableTools(),
    emit,
    notify: (msg) => session.notify(task.id, msg),
    askApproval: (callId, request, review) =>
      session.askApproval(task.id, callId, request, task.signal, review),
    reviewByGuardian: (callId, action) => session.reviewByGuardian(task.id, callId, action, task.signal),
    takeGuardianRejection: (callId) => session.takeGuardianRejection(callId),
    askUserInput: (callId, questions) => session.askUserInput(task.id, callId, questions, task.signal),
    mcpElicitations: session.mcpElicitations,
    askMcpElicitation: (server, request) => session.askMcpElicitation(task.id, server, request, task.signal),
    assessCommand: (command, failureMessage) => session.assessCommand(command, failureMessage, task.signal),
    commandEnvironment: () =>
      commandEnvironment(session.config.shellEnvironmentPolicy, session.settings.sandboxPolicy),
    emitTurnDiff: async () => {
      const unifiedDiff = await turnDiff.unifiedDiff().catch(() => null);
      if (unifiedDiff) emit(ev.turnDiff(unifiedDiff));
    },
  };
}
