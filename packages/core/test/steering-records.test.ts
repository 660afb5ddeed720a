import { describe, expect, it } from "vitest";
import { Steering } from "../src/conversation/steering.js";

const item = (text: string) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });

/**
 * History items queued for the running turn's next request (a user shell command's outcome, injected items): taken
 * by an open regular turn only, counted as pending (the turn makes one more request), dropped with the task.
 */
describe("Steering records", () => {
  it("are taken only by an open regular turn, in order, and keep the turn going", () => {
    const s = new Steering();
    expect(s.addRecord(item("none running"))).toBe(false);
    s.begin("t1", "compact");
    expect(s.addRecord(item("compaction"))).toBe(false);
    s.begin("t2", "regular");
    expect(s.hasPending()).toBe(false);
    expect(s.addRecord(item("a"))).toBe(true);
    expect(s.addRecord(item("b"))).toBe(true);
    expect(s.hasPending()).toBe(true);
    expect(s.takeRecords()).toEqual([item("a"), item("b")]);
    expect(s.hasPending()).toBe(false);
    s.close();
    expect(s.addRecord(item("after the turn decided to end"))).toBe(false);
  });

  it("do not cut the streaming request short, and end with the task", () => {
    const s = new Steering();
    s.begin("t", "regular");
    const sample = s.beginSample();
    expect(s.addRecord(item("a"))).toBe(true);
    expect(sample.signal.aborted).toBe(false);
    s.end();
    expect(s.hasPending()).toBe(false);
    expect(s.takeRecords()).toEqual([]);
  });
});
