import { describe, expect, it } from "vitest";
import { initialMessagesOf, type RolloutItem } from "../src/index.js";

const event = (payload: Record<string, unknown>) =>
  ({ type: "event_msg", payload }) as unknown as RolloutItem;

describe("initialMessagesOf (a v1 resume's initialMessages)", () => {
  it("keeps the events of the kinds 0.58.0 parses, in order, and leaves out item records and 0.166.0's kinds", () => {
    const items: RolloutItem[] = [
      { type: "turn_context", payload: { model: "gpt-5.5" } },
      event({ type: "task_started", model_context_window: 1, turn_id: "t" }),
      event({ type: "user_message", message: "hi", images: [] }),
      event({ type: "item_completed", thread_id: "x", turn_id: "t", item: { type: "UserMessage", id: "u" } }),
      event({ type: "thread_settings_applied", thread_id: "x", thread_settings: {} }),
      event({ type: "context_compacted" }),
      event({
        type: "patch_apply_end",
        call_id: "c",
        stdout: "",
        stderr: "",
        success: true,
        status: "completed",
      }),
      event({ type: "agent_message", message: "hello" }),
    ];
    expect(initialMessagesOf(items).map((m) => m.type)).toEqual([
      "task_started",
      "user_message",
      "patch_apply_end",
      "agent_message",
    ]);
    // The events go out as recorded (0.166.0's fields included).
    expect(initialMessagesOf(items)[0]).toEqual({
      type: "task_started",
      model_context_window: 1,
      turn_id: "t",
    });
  });
});
