import {
  CODEX_0166_BIN,
  CODEX_ACP_ENTRY,
  offeredTools,
  type PromptOutcome,
  responses,
} from "@codex-ts/test-support";
import { beforeAll, describe, expect, it } from "vitest";
import { editorView, normalize, runSweepFlow, type SweepRun, sweepBoth } from "./helpers/acp-sweep.js";

/**
 * Reasoning and the plan tool through codex-acp 2.6.0 against codex 0.166.0 and this server: a turn whose model
 * thinks (a reasoning summary), calls `update_plan` twice and answers. Neither offers `update_plan` to the
 * session's `gpt-5.5` (0.166.0's toolset for it has none), so both answer the calls as unsupported and the editor
 * gets no `plan` update; it must see the same thought chunks and answer, and the model the same tool outputs.
 */
const reference = CODEX_0166_BIN;

const plan = (statuses: string[], explanation?: string) => ({
  ...(explanation ? { explanation } : {}),
  plan: ["Read the code", "Write the fix", "Run the tests"].map((step, i) => ({ step, status: statuses[i] })),
});

interface Result {
  planned: PromptOutcome;
  offered: boolean;
}

async function planFlow(command: string[]): Promise<SweepRun<Result>> {
  return runSweepFlow<Result>({
    command,
    flow: async ({ acp, mock, sessionId, quiet }) => {
      let offered = false;
      mock.enqueue(
        (body) => {
          offered = offeredTools(body).includes("update_plan");
          return responses.turn(
            ...responses.reasoning("Thinking about the steps"),
            responses.functionCall("update_plan", plan(["in_progress", "pending", "pending"]), "call_plan_1"),
          );
        },
        responses.turn(
          responses.functionCall(
            "update_plan",
            plan(["completed", "in_progress", "pending"], "The code is read."),
            "call_plan_2",
          ),
        ),
        responses.turn(responses.message("Planned and started.")),
      );
      const planned = await acp.prompt(sessionId, "Plan the fix");
      await quiet();
      return { planned, offered };
    },
  });
}

function toolOutputs(run: SweepRun<Result>): Record<string, unknown> {
  const seen = new Map<string, unknown>();
  for (const r of run.turnRequests)
    for (const i of (r.body as { input?: { type: string; call_id?: string; output?: unknown }[] }).input ??
      [])
      if (i.type.endsWith("_call_output") && i.call_id) seen.set(i.call_id, normalize(i.output, run));
  return Object.fromEntries(seen);
}

describe.skipIf(!CODEX_ACP_ENTRY || !reference)(
  "codex-acp 2.6.0: reasoning and the plan tool, as with codex 0.166.0",
  () => {
    let ours: SweepRun<Result>;
    let theirs: SweepRun<Result>;

    beforeAll(async () => {
      ({ ours, theirs } = await sweepBoth(reference as string, planFlow));
    }, 300_000);

    it("offers update_plan to gpt-5.5 on neither", () => {
      expect(ours.result.offered).toBe(false);
      expect(theirs.result.offered).toBe(false);
    });

    it("the editor sees the same thoughts and answer, and no plan", () => {
      expect(editorView(ours.result.planned, ours)).toEqual(editorView(theirs.result.planned, theirs));
      const kinds = ours.result.planned.updates.map((u) => u.sessionUpdate);
      expect(kinds).toContain("agent_thought_chunk");
      expect(kinds).not.toContain("plan");
    });

    it("tells the model the same", () => {
      expect(toolOutputs(ours)).toEqual(toolOutputs(theirs));
      expect(toolOutputs(ours).call_plan_1).toBe("unsupported call: update_plan");
      expect(ours.internetAttempts).toEqual([]);
    });
  },
);
