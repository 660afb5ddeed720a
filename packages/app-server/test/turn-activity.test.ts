import { describe, expect, it } from "vitest";
import { TurnActivity } from "../src/turn-activity.js";

describe("TurnActivity.untilAborted", () => {
  it("waits for the running task's abort and answers with its reason", async () => {
    const a = new TurnActivity();
    a.expectStart("t1");
    a.observe("t1", { type: "task_started", model_context_window: null });
    const waiting = a.untilAborted();
    a.observe("t1", { type: "turn_aborted", reason: "replaced" });
    expect(await waiting).toBe("replaced");
  });

  it("answers the waiting interrupts when the events will no longer be observed (the thread was unloaded)", async () => {
    const a = new TurnActivity();
    a.expectStart("t1");
    a.observe("t1", { type: "task_started", model_context_window: null });
    const waiting = a.untilAborted();
    // No turn_aborted will come: the conversation stopped being followed mid-interrupt (an archive raced it).
    a.releaseWaiters();
    expect(await waiting).toBe("interrupted");
  });
});
