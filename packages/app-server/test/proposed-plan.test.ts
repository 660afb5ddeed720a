import { describe, expect, it } from "vitest";
import { type PlanSegment, ProposedPlanParser } from "../src/events/proposed-plan.js";

/** Feeds `chunks` one by one, then finishes; returns the segments of each step (the last one is `finish`'s). */
function run(chunks: string[]): PlanSegment[][] {
  const parser = new ProposedPlanParser();
  return [...chunks.map((c) => parser.feed(c)), parser.finish()];
}

describe("ProposedPlanParser (plan-mode agent messages, as codex 0.166.0 splits them)", () => {
  it("passes text on at once unless it may start a tag line, and drops the tag lines", () => {
    expect(
      run([
        "Here is my p",
        "lan.\n<propos",
        "ed_plan>\n# P",
        "lan\n- a\n- b\n",
        "</proposed_p",
        "lan>\nDone.",
      ]),
    ).toEqual([
      [{ kind: "text", text: "Here is my p" }],
      [{ kind: "text", text: "lan.\n" }],
      [{ kind: "planOpen" }, { kind: "plan", text: "# P" }],
      [{ kind: "plan", text: "lan\n- a\n- b\n" }],
      [],
      [{ kind: "text", text: "Done." }],
      [],
    ]);
  });

  it("closes a block whose closing tag ends the message without a line break", () => {
    expect(run(["<proposed_plan>\n# Plan", "\n- a\n</proposed_plan>"])).toEqual([
      [{ kind: "planOpen" }, { kind: "plan", text: "# Plan" }],
      [{ kind: "plan", text: "\n- a\n" }],
      [],
    ]);
  });

  it("opens every block again (the caller replaces the plan), text between blocks stays text", () => {
    const [all] = run(["A\n<proposed_plan>\nP1\n</proposed_plan>\nB\n<proposed_plan>\nP2\n</proposed_plan>"]);
    expect(all).toEqual([
      { kind: "text", text: "A\n" },
      { kind: "planOpen" },
      { kind: "plan", text: "P1\n" },
      { kind: "text", text: "B\n" },
      { kind: "planOpen" },
      { kind: "plan", text: "P2\n" },
    ]);
  });

  it("treats tags inside a line, a closing tag outside a block and a held prefix at the end as text", () => {
    expect(run(["See <proposed_plan>x</proposed_plan> ok"]).flat()).toEqual([
      { kind: "text", text: "See <proposed_plan>x</proposed_plan> ok" },
    ]);
    expect(run(["</proposed_plan>\nhi"]).flat()).toEqual([{ kind: "text", text: "</proposed_plan>\nhi" }]);
    expect(run(["ok\n<propos"])).toEqual([
      [{ kind: "text", text: "ok\n" }],
      [{ kind: "text", text: "<propos" }],
    ]);
  });

  it("keeps an unclosed block's text as plan", () => {
    expect(run(["<proposed_plan>\nstep 1\nstep"]).flat()).toEqual([
      { kind: "planOpen" },
      { kind: "plan", text: "step 1\nstep" },
    ]);
  });
});
