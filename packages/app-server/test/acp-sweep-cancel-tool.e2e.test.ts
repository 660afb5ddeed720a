import {
  CODEX_0166_BIN,
  CODEX_ACP_ENTRY,
  offeredTools,
  type PromptOutcome,
  responses,
  type ScriptedResponse,
} from "@codex-ts/test-support";
import { beforeAll, describe, expect, it } from "vitest";
import { editorView, normalize, runSweepFlow, type SweepRun, sweepBoth } from "./helpers/acp-sweep.js";

/**
 * `session/cancel` while a command runs, through codex-acp 2.6.0 against codex 0.166.0 and this server (full
 * access, so nothing asks): the prompt ends `cancelled`, the editor sees the same updates for the running command,
 * and the next prompt tells the model the turn was interrupted the same way.
 */
const reference = CODEX_0166_BIN;

/** A command that runs until the test cancels it (the call waits for it up to its yield time). */
function longCommand(body: unknown): ScriptedResponse {
  if (!offeredTools(body).includes("shell"))
    return responses.turn(
      responses.functionCall("exec_command", { cmd: "sleep 25", yield_time_ms: 20_000 }, "call_sleep"),
    );
  return responses.turn(
    responses.functionCall(
      "shell",
      { command: ["bash", "-lc", "sleep 25"], timeout_ms: 20_000 },
      "call_sleep",
    ),
  );
}

interface Result {
  cancelled: PromptOutcome;
  next: PromptOutcome;
}

async function cancelFlow(command: string[]): Promise<SweepRun<Result>> {
  return runSweepFlow<Result>({
    command,
    flow: async ({ acp, mock, sessionId, quiet }) => {
      await acp.setMode(sessionId, "agent-full-access");
      mock.enqueue(longCommand);
      const from = acp.peer.mark();
      const running = acp.prompt(sessionId, "Sleep a while");
      await acp.waitForUpdate(sessionId, "tool_call", from);
      acp.cancel(sessionId);
      const cancelled = await running;
      await quiet();
      mock.enqueue(responses.turn(responses.message("Stopped as asked.")));
      const next = await acp.prompt(sessionId, "What happened?");
      return { cancelled, next };
    },
  });
}

/**
 * What the model was told after the cancel: the last items of the next turn's request (the call, its output, what
 * follows), without their ids and with the measured wall time taken out.
 */
function afterCancel(run: SweepRun<Result>): unknown[] {
  const last = run.turnRequests.at(-1)?.body as { input?: Record<string, unknown>[] };
  const items = (last.input ?? []).filter((i) => i.type !== "reasoning");
  const from = items.findIndex((i) => i.type === "function_call");
  return items
    .slice(from)
    .map(({ id: _id, ...rest }) =>
      JSON.parse(
        JSON.stringify(normalize(rest, run)).replace(/Wall time: [0-9.]+ seconds/g, "Wall time: <s> seconds"),
      ),
    );
}

describe.skipIf(!CODEX_ACP_ENTRY || !reference)(
  "codex-acp 2.6.0: cancel during a command, as with codex 0.166.0",
  () => {
    let ours: SweepRun<Result>;
    let theirs: SweepRun<Result>;

    beforeAll(async () => {
      ({ ours, theirs } = await sweepBoth(reference as string, cancelFlow));
    }, 300_000);

    it("ends the prompt cancelled with the same updates", () => {
      expect(ours.result.cancelled.result?.stopReason).toBe("cancelled");
      expect
        .soft(editorView(ours.result.cancelled, ours))
        .toEqual(editorView(theirs.result.cancelled, theirs));
      expect.soft(editorView(ours.result.next, ours)).toEqual(editorView(theirs.result.next, theirs));
    });

    it("tells the model the same about the interrupted command", () => {
      expect(afterCancel(ours)).toEqual(afterCancel(theirs));
      expect(ours.internetAttempts).toEqual([]);
    });
  },
);
