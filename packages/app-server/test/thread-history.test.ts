import type { RolloutItem } from "@codex-ts/core";
import { describe, expect, it } from "vitest";
import { turnsFromRollout } from "../src/threads/history.js";

const event = (payload: Record<string, unknown>) => ({ type: "event_msg", payload }) as RolloutItem;
const message = {
  type: "response_item",
  payload: { type: "message", role: "user", content: [] },
} as RolloutItem;

describe("turns rebuilt from a rollout (0.166.0's legacy reading)", () => {
  const items: RolloutItem[] = [
    message,
    event({ type: "user_message", message: "first", images: ["data:image/png;base64,AA"] }),
    event({ type: "agent_reasoning", text: "part one" }),
    event({ type: "agent_reasoning", text: "part two" }),
    event({ type: "agent_message", message: "answer one" }),
    event({ type: "token_count", info: null }),
    event({ type: "user_message", message: "second", images: [] }),
    event({ type: "agent_message", message: "partial" }),
    event({ type: "turn_aborted", reason: "interrupted" }),
    event({ type: "user_message", message: "third", images: [] }),
    event({ type: "error", message: "stream disconnected" }),
  ];

  it("starts a turn at each user message, ids from its line and a thread-wide item counter", () => {
    const turns = turnsFromRollout(items);
    expect(turns.map((t) => [t.id, t.status, t.items.map((i) => i.id)])).toEqual([
      ["rollout-2", "completed", ["item-1", "item-2", "item-3"]],
      ["rollout-7", "interrupted", ["item-4", "item-5"]],
      ["rollout-10", "failed", ["item-6"]],
    ]);
    expect(turns[0]!.items).toEqual([
      {
        type: "userMessage",
        id: "item-1",
        clientId: null,
        content: [
          { type: "text", text: "first", text_elements: [] },
          { type: "image", url: "data:image/png;base64,AA" },
        ],
        startedAtMs: null,
        completedAtMs: null,
      },
      {
        type: "reasoning",
        id: "item-2",
        summary: ["part one", "part two"],
        content: [],
        startedAtMs: null,
        completedAtMs: null,
      },
      expect.objectContaining({ type: "agentMessage", id: "item-3", text: "answer one" }),
    ]);
    expect(turns[2]!.error).toEqual({
      message: "stream disconnected",
      codexErrorInfo: null,
      additionalDetails: null,
      misalignment: null,
    });
  });

  it("the summary view keeps the user's message and the last answer", () => {
    const [first] = turnsFromRollout(items, { view: "summary" });
    expect(first!.itemsView).toBe("summary");
    expect(first!.items.map((i) => i.type)).toEqual(["userMessage", "agentMessage"]);
  });
});
