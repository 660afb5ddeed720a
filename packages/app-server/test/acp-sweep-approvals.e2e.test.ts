import {
  CODEX_0166_BIN,
  CODEX_ACP_ENTRY,
  offeredTools,
  type PermissionOption,
  type PromptOutcome,
  responses,
  type ScriptedResponse,
} from "@codex-ts/test-support";
import { beforeAll, describe, expect, it } from "vitest";
import { editorView, normalize, runSweepFlow, type SweepRun, sweepBoth } from "./helpers/acp-sweep.js";

/**
 * A shell command the editor approves, through codex-acp 2.6.0 against codex 0.166.0 and this server: each
 * permission option in turn (allow once, allow always — after which the same command runs without asking — and
 * reject), and what the model is told after each. The editor must see the same updates and the model the same
 * tool outputs.
 */
const reference = CODEX_0166_BIN;

/** `exec_command` (0.166.0's tool) or `shell` where the request offers it, asking to run outside the sandbox. */
function shellCall(cmd: string, callId: string) {
  return (body: unknown): ScriptedResponse => {
    const justification = `Run ${cmd}`;
    if (!offeredTools(body).includes("shell"))
      return responses.turn(
        responses.functionCall(
          "exec_command",
          { cmd, sandbox_permissions: "require_escalated", justification, yield_time_ms: 2000 },
          callId,
        ),
      );
    return responses.turn(
      responses.functionCall(
        "shell",
        { command: ["bash", "-lc", cmd], with_escalated_permissions: true, justification },
        callId,
      ),
    );
  };
}

type Prompts = Record<"once" | "always" | "again" | "reject", PromptOutcome>;

async function approvals(command: string[]): Promise<SweepRun<Prompts>> {
  const choices: PermissionOption["kind"][] = ["allow_once", "allow_always", "reject_once"];
  return runSweepFlow<Prompts>({
    command,
    choosePermission: (options) => {
      const kind = choices.shift();
      return options.find((o) => o.kind === kind)?.optionId ?? null;
    },
    flow: async ({ acp, mock, sessionId, quiet }) => {
      // Read-only: the commands are the user's to approve.
      await acp.setMode(sessionId, "read-only");
      const step = async (cmd: string, id: string, prompt: string) => {
        mock.enqueue(shellCall(cmd, id), responses.turn(responses.message(`Done with ${id}.`)));
        const out = await acp.prompt(sessionId, prompt);
        await quiet();
        return out;
      };
      return {
        once: await step("echo one", "call_once", "Run echo one"),
        always: await step("echo two", "call_always", "Run echo two"),
        again: await step("echo two", "call_again", "Run echo two again"),
        reject: await step("echo three", "call_reject", "Run echo three"),
      };
    },
  });
}

/** What each tool call's output told the model. */
function toolOutputs(run: SweepRun<Prompts>): unknown[] {
  return run.turnRequests.flatMap((r) =>
    ((r.body as { input?: { type: string; call_id?: string; output?: unknown }[] }).input ?? [])
      .filter((i) => i.type === "function_call_output")
      .map((i) => normalize({ call: i.call_id, output: i.output }, run)),
  );
}

describe.skipIf(!CODEX_ACP_ENTRY || !reference)(
  "codex-acp 2.6.0: command approvals, as with codex 0.166.0",
  () => {
    let ours: SweepRun<Prompts>;
    let theirs: SweepRun<Prompts>;

    beforeAll(async () => {
      ({ ours, theirs } = await sweepBoth(reference as string, approvals));
    }, 300_000);

    it("asks with the same options, and the editor sees the same updates for each choice", () => {
      const asked = (run: SweepRun<Prompts>) => run.permissions.map((p) => normalize(p, run));
      expect.soft(asked(ours)).toEqual(asked(theirs));
      for (const name of ["once", "always", "again", "reject"] as const)
        expect.soft({ name, ...(editorView(ours.result[name], ours) as object) }).toEqual({
          name,
          ...(editorView(theirs.result[name], theirs) as object),
        });
    });

    it("tells the model the same after each choice", () => {
      const last = (run: SweepRun<Prompts>) => {
        const seen = new Map<string, unknown>();
        for (const o of toolOutputs(run) as { call: string; output: unknown }[]) seen.set(o.call, o.output);
        return Object.fromEntries(seen);
      };
      expect(last(ours)).toEqual(last(theirs));
      expect(ours.internetAttempts).toEqual([]);
    });
  },
);
