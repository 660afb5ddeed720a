import fs from "node:fs/promises";
import path from "node:path";
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
 * File edits through codex-acp 2.6.0 against codex 0.166.0 and this server: a patch applied unasked in the
 * full-access mode (an update with its diff; in the workspace mode 0.166.0 applies a patch in its sandbox, which
 * cannot start in every container, and then asks to retry without it), a new file in read-only mode the editor allows, an edit it rejects, and
 * a patch that does not apply. The editor must see the same updates (the diff content of each tool call), the
 * model the same tool outputs, and the files must end up the same.
 */
const reference = CODEX_0166_BIN;

/** 0.166.0's freeform `apply_patch` where the request offers it, else a `shell` call running `apply_patch`. */
function patchCall(patch: string, callId: string) {
  return (body: unknown): ScriptedResponse =>
    responses.turn(
      offeredTools(body).includes("apply_patch")
        ? responses.customToolCall("apply_patch", patch, callId)
        : responses.functionCall("shell", { command: ["apply_patch", patch] }, callId),
    );
}

const UPDATE = "*** Begin Patch\n*** Update File: notes.txt\n one\n-two\n+TWO\n three\n*** End Patch";
const ADD = "*** Begin Patch\n*** Add File: added.txt\n+new file\n+second line\n*** End Patch";
const REJECTED = "*** Begin Patch\n*** Update File: notes.txt\n one\n-TWO\n+2\n three\n*** End Patch";
const BROKEN = "*** Begin Patch\n*** Update File: notes.txt\n-not in the file\n+x\n*** End Patch";

type Prompts = Record<"update" | "add" | "reject" | "broken", PromptOutcome>;
interface Result {
  prompts: Prompts;
  files: Record<string, string | null>;
}

async function edits(command: string[]): Promise<SweepRun<Result>> {
  const choices: PermissionOption["kind"][] = ["allow_once", "reject_once"];
  return runSweepFlow<Result>({
    command,
    prepare: (cwd) => fs.writeFile(path.join(cwd, "notes.txt"), "one\ntwo\nthree\n"),
    choosePermission: (options) => {
      const kind = choices.shift();
      return options.find((o) => o.kind === kind)?.optionId ?? null;
    },
    flow: async ({ acp, mock, sessionId, cwd, quiet }) => {
      const step = async (patch: string, id: string, prompt: string) => {
        mock.enqueue(patchCall(patch, id), responses.turn(responses.message(`Done with ${id}.`)));
        const out = await acp.prompt(sessionId, prompt);
        await quiet();
        return out;
      };
      await acp.setMode(sessionId, "agent-full-access");
      const update = await step(UPDATE, "call_update", "Capitalize two");
      await acp.setMode(sessionId, "read-only");
      const add = await step(ADD, "call_add", "Add a file");
      const reject = await step(REJECTED, "call_reject", "Make it a digit");
      await acp.setMode(sessionId, "agent-full-access");
      const broken = await step(BROKEN, "call_broken", "Edit a line that is not there");
      const read = (f: string) => fs.readFile(path.join(cwd, f), "utf8").catch(() => null);
      return {
        prompts: { update, add, reject, broken },
        files: { "notes.txt": await read("notes.txt"), "added.txt": await read("added.txt") },
      };
    },
  });
}

/**
 * The refused patch's end: this server completes its item as `declined` (as 0.166.0 does a refused command), which
 * codex-acp shows as a failed tool call; 0.166.0 never completes a refused patch's item (README).
 */
const refusedEnd = (u: { sessionUpdate: string; toolCallId?: unknown; status?: unknown }) =>
  u.sessionUpdate === "tool_call_update" && u.toolCallId === "call_reject" && u.status === "failed";
const withoutRefusedEnd = (p: PromptOutcome): PromptOutcome => ({
  ...p,
  updates: p.updates.filter((u) => !refusedEnd(u)),
});

/** What each tool call's output told the model (the last request that carried it). */
function toolOutputs(run: SweepRun<Result>): Record<string, unknown> {
  const seen = new Map<string, unknown>();
  for (const r of run.turnRequests)
    for (const i of (r.body as { input?: { type: string; call_id?: string; output?: unknown }[] }).input ??
      [])
      if (i.type.endsWith("_call_output") && i.call_id) seen.set(i.call_id, normalize(i.output, run));
  return Object.fromEntries(seen);
}

describe.skipIf(!CODEX_ACP_ENTRY || !reference)("codex-acp 2.6.0: file edits, as with codex 0.166.0", () => {
  let ours: SweepRun<Result>;
  let theirs: SweepRun<Result>;

  beforeAll(async () => {
    ({ ours, theirs } = await sweepBoth(reference as string, edits));
  }, 300_000);

  it("leaves the same files", () => {
    expect(ours.result.files).toEqual(theirs.result.files);
    expect(ours.result.files["added.txt"]).toBe("new file\nsecond line\n");
  });

  it("asks with the same options, and the editor sees the same updates for each edit", () => {
    const asked = (run: SweepRun<Result>) => run.permissions.map((p) => normalize(p, run));
    expect.soft(asked(ours)).toEqual(asked(theirs));
    for (const name of ["update", "add", "reject", "broken"] as const)
      expect
        .soft({ name, ...(editorView(withoutRefusedEnd(ours.result.prompts[name]), ours) as object) })
        .toEqual({
          name,
          ...(editorView(theirs.result.prompts[name], theirs) as object),
        });
  });

  it("ends the refused edit's tool call (0.166.0 leaves it in progress for good)", () => {
    const ends = (p: PromptOutcome) => p.updates.filter(refusedEnd);
    expect(ends(ours.result.prompts.reject)).toEqual([
      { sessionUpdate: "tool_call_update", toolCallId: "call_reject", status: "failed" },
    ]);
    expect(ends(theirs.result.prompts.reject)).toEqual([]);
  });

  it("tells the model the same after each edit", () => {
    expect(toolOutputs(ours)).toEqual(toolOutputs(theirs));
    expect(ours.internetAttempts).toEqual([]);
  });
});
