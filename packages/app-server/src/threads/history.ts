import type { gen0166 } from "@codex-ts/app-server-protocol";
import type { RolloutItem } from "@codex-ts/core";
import {
  agentMessageItem,
  reasoningItem,
  type ThreadItem0166,
  userInput0166,
  userMessageItem,
} from "../events/items-0166.js";

/**
 * A thread's turns, rebuilt from its rollout as 0.166.0 rebuilds a 0.58.0-format ("legacy") rollout: each
 * `user_message` event starts a turn, whose id is `rollout-<line>` (the event's 0-based line in the file), and the
 * items of the whole thread are numbered `item-1`, `item-2`, …; the turn is `interrupted` when a `turn_aborted`
 * event closes it, `failed` (with the error) when an `error` event was seen in it, `completed` otherwise. Items
 * come from the events rollouts keep (user, agent and reasoning messages); times are unknown (null).
 *
 * `thread/resume` (turns of a resumed thread) uses it; `thread/read` and `thread/turns/list` are meant to page the
 * same list.
 */
export function turnsFromRollout(
  items: readonly RolloutItem[],
  opts: {
    /** Line number of `items[0]` in the file (1 when the session_meta line was taken off, as the store does). */
    firstLine?: number;
    /** `full`: every item of each turn; `summary`: its last agent message only (0.166.0's turn list views). */
    view?: "full" | "summary";
  } = {},
): gen0166.Turn[] {
  const firstLine = opts.firstLine ?? 1;
  const view = opts.view ?? "full";
  const turns: gen0166.Turn[] = [];
  let turn: gen0166.Turn | null = null;
  let counter = 0;
  const nextId = () => `item-${++counter}`;
  const push = (item: ThreadItem0166) => {
    turn?.items.push(item);
  };
  /** Consecutive reasoning lines are one reasoning item (the parts of one model output item). */
  const reasoning = (summary: string[], content: string[]) => {
    const last = turn?.items.at(-1);
    if (last?.type !== "reasoning") return push(reasoningItem(nextId(), summary, content));
    last.summary = [...(last.summary ?? []), ...summary];
    last.content = [...(last.content ?? []), ...content];
  };
  items.forEach((line, index) => {
    if (line.type !== "event_msg") return;
    const msg = line.payload;
    switch (msg.type) {
      case "user_message": {
        turn = emptyTurn(`rollout-${index + firstLine}`);
        turns.push(turn);
        const content: gen0166.UserInput[] = [];
        if (msg.message) content.push(userInput0166({ type: "text", text: msg.message }));
        for (const url of msg.images ?? []) content.push(userInput0166({ type: "image", image_url: url }));
        push(userMessageItem(nextId(), content, null));
        break;
      }
      case "agent_message":
        push(agentMessageItem(nextId(), msg.message));
        break;
      case "agent_reasoning":
        reasoning([msg.text], []);
        break;
      case "agent_reasoning_raw_content":
        reasoning([], [msg.text]);
        break;
      case "error":
        if (turn) {
          turn.status = "failed";
          turn.error = {
            message: msg.message,
            codexErrorInfo: null,
            additionalDetails: null,
            misalignment: null,
          };
        }
        break;
      case "turn_aborted":
        if (turn) turn.status = "interrupted";
        turn = null;
        break;
      default:
        break;
    }
  });
  return view === "full" ? turns : turns.map(summaryView);
}

function emptyTurn(id: string): gen0166.Turn {
  return {
    id,
    rootTurnId: null,
    items: [],
    itemsView: "full",
    status: "completed",
    error: null,
    startedAt: null,
    completedAt: null,
    durationMs: null,
  };
}

/** A turn as 0.166.0's `summary` view shows it: the user's message and the last agent message. */
function summaryView(turn: gen0166.Turn): gen0166.Turn {
  const user = turn.items.find((i) => i.type === "userMessage");
  const answer = turn.items.findLast((i) => i.type === "agentMessage");
  return { ...turn, items: [user, answer].filter((i) => i !== undefined), itemsView: "summary" };
}
