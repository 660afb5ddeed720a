import type { TurnItem } from "@codex-ts/app-server-protocol";
import type { RateLimitSnapshot } from "../client/rate-limits.js";
import { normalizeResponseItem } from "../client/response-item.js";
import { sleepUnlessAborted, turnRetryDelayMs } from "../client/retry.js";
import { ModelError, type ResponseItemJson } from "../client/types.js";
import * as ev from "../events/constructors.js";
import type { CodexEventMsg } from "../events/types.js";
import type { Session } from "./session.js";
import { TurnAborted } from "./turn-aborted.js";
import { messageText, partTexts, turnItemId, turnItemOf, webSearchQuery } from "./turn-items.js";

/** What one model request of a turn produced. */
export interface SampledResponse {
  /** The response's output items to keep (normalized; web searches left out), for the caller to record. */
  items: ResponseItemJson[];
  /** The tool calls among them, in order. */
  calls: ResponseItemJson[];
  /** The text of the response's last assistant message, if it had one. */
  lastMessage: string | null;
  /** The response's own `total_tokens` (null without usage): what auto-compaction compares with its limit. */
  contextTokens: number | null;
  /** The turn was interrupted mid-stream: the items are those that had completed. */
  interrupted: boolean;
  /** Input was added to the turn mid-stream (`steer`): the response was cut short and is to be dropped. */
  preempted: boolean;
}

/**
 * One model request of the turn, sent again (as a new request, with its own `turn_context` line) while it fails
 * with anything but a fatal error, up to the provider's `stream_max_retries`, each retry announced as
 * `stream_error "Reconnecting... n/N"` (0.58.0; the client has already re-sent HTTP failures silently).
 */
export async function sampleWithRetries(
  session: Session,
  turnId: string,
  signal: AbortSignal,
): Promise<SampledResponse> {
  const budget = session.client.streamMaxRetries;
  for (let retries = 0; ; ) {
    try {
      return await sample(session, turnId, signal);
    } catch (err) {
      if (signal.aborted || !(err instanceof ModelError) || err.fatal || retries >= budget) throw err;
      retries += 1;
      session.emit(turnId, ev.streamError(`Reconnecting... ${retries}/${budget}`));
      await sleepUnlessAborted(turnRetryDelayMs(err, retries), signal);
      if (signal.aborted) throw new TurnAborted();
    }
  }
}

/**
 * One model request: maps its stream to events, in 0.58.0's order, and returns the response's output items (to be
 * recorded by the caller once its tools have run) and the tool calls among them.
 */
async function sample(session: Session, turnId: string, signal: AbortSignal): Promise<SampledResponse> {
  session.recordTurnContext();
  const at = { threadId: session.id, turnId };
  const emit = (msg: CodexEventMsg) => session.emit(turnId, msg);
  const items: ResponseItemJson[] = [];
  const calls: ResponseItemJson[] = [];
  let lastMessage: string | null = null;
  let rateLimits: RateLimitSnapshot | null = null;
  let contextTokens: number | null = null;
  // The item announced by the last `item_added` and not yet done: a failed or cut-short request leaves it open for
  // good (servers drop it: the extension event `stream_items_discarded`).
  let started: TurnItem | null = null;
  let completed = false;
  // New input for the turn cuts this request short (Steering); an interrupt ends it (the turn's signal).
  const preempt = session.steering.beginSample();
  const streamSignal = AbortSignal.any([signal, preempt.signal]);
  const discardStarted = () => {
    if (started) session.notify(turnId, ev.streamItemsDiscarded([turnItemId(started)]));
    started = null;
  };
  try {
    for await (const e of session.client.stream(session.prompt(), streamSignal, { turnRetries: false })) {
      switch (e.type) {
        case "rate_limits":
          rateLimits = e.snapshot;
          emit(ev.tokenCount(session.usage.info(), rateLimits));
          break;
        case "item_added": {
          const turnItem = turnItemOf(e.item, true);
          if (turnItem) {
            started = turnItem;
            emit(ev.itemStarted(at, turnItem));
          }
          break;
        }
        // Deltas: the item event first, then its legacy form, as 0.58.0 sends them.
        case "text_delta":
        case "reasoning_summary_delta":
        case "reasoning_content_delta":
          for (const msg of ev.deltaEvents(e.type, at, e.itemId ?? "", e.delta)) emit(msg);
          break;
        case "reasoning_section_break":
          emit(ev.agentReasoningSectionBreak());
          break;
        case "item_done": {
          const item = e.item;
          const type = item.type;
          // Stored without the Responses item id, as 0.58.0 stores (and later sends) it.
          const recorded = normalizeResponseItem(item);
          // 0.58.0 keeps a response's messages, reasoning and tool calls; a web search call it reports but drops.
          if (type !== "web_search_call") items.push(recorded);
          // A tool search this side answers (`execution: client`, 0.166.0's for deferred MCP tools) is a call too.
          const clientSearch = type === "tool_search_call" && item.execution === "client";
          // 0.166.0 has no local shell tool: its families' local_shell_call is kept but not run (nor answered).
          const localShell = type === "local_shell_call" && session.family().toolset === "0.58";
          if (type === "function_call" || type === "custom_tool_call" || localShell || clientSearch)
            calls.push(recorded);
          // The item event first, then its legacy events (0.58.0 derives those from the item and sends them after).
          const turnItem = turnItemOf(item, false);
          // Any done item ends the started one; a message, reasoning or web search that was not started (a web
          // search always, Chat providers' aggregated items) is started and completed at once (0.58.0). A web
          // search gets no `web_search_begin`, only `web_search_end` after the item.
          // A web search's action (0.166 shows it; 0.58.0's item has only the query) goes just before its item.
          const action = item.action;
          if (turnItem && type === "web_search_call" && typeof action === "object" && action !== null)
            session.notify(
              turnId,
              ev.webSearchAction(turnItemId(turnItem), action as Record<string, unknown>),
            );
          if (!started && turnItem) emit(ev.itemStarted(at, turnItem));
          started = null;
          if (turnItem) emit(ev.itemCompleted(at, turnItem));
          if (type === "message") {
            lastMessage = messageText(item);
            emit(ev.agentMessage(lastMessage));
          }
          if (type === "reasoning") {
            for (const text of partTexts(item.summary)) emit(ev.agentReasoning(text));
            // The raw reasoning only for `show_raw_agent_reasoning` (0.58.0).
            if (session.config.showRawAgentReasoning) {
              for (const text of partTexts(item.content)) emit(ev.agentReasoningRawContent(text));
            }
          }
          if (type === "web_search_call") emit(ev.webSearchEnd(String(item.id ?? ""), webSearchQuery(item)));
          break;
        }
        case "completed":
          completed = true;
          if (e.usage) {
            session.usage.add(e.usage);
            contextTokens = e.usage.total_tokens;
          }
          emit(ev.tokenCount(session.usage.info(), rateLimits));
          break;
      }
      // Backpressure: a subscriber still writing the events above holds the stream here (see Session.drained).
      const drained = session.drained(streamSignal);
      if (drained) await drained;
    }
  } catch (err) {
    // Interrupted mid-stream: what had completed is still the caller's to record.
    if (signal.aborted)
      return { items, calls, lastMessage, contextTokens, interrupted: true, preempted: false };
    if (preempt.signal.aborted) {
      if (!completed) discardStarted();
      return { items, calls, lastMessage, contextTokens, interrupted: false, preempted: !completed };
    }
    // Failed: the item left open will never complete (a retry streams its own).
    discardStarted();
    throw err;
  } finally {
    session.steering.endSample();
  }
  // A stream that ended without completing after new input arrived was cut short by it too; one that completed
  // stands (its items were announced), and the input waits for the next request.
  const preempted = preempt.signal.aborted && !completed;
  if (preempted) discardStarted();
  return { items, calls, lastMessage, contextTokens, interrupted: false, preempted };
}
