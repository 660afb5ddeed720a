import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  CODEX_0166_BIN,
  type MockModelServer,
  mockCodexHome,
  offeredTools,
  responses,
  type ScriptedResponse,
  startMockModelServer,
} from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOLD, ModernClient, OURS } from "./helpers/modern-client.js";
import { threadTranscript } from "./helpers/transcript.js";

/**
 * Approvals, file changes and failures on a 0.166 connection, run against this server and (when installed) codex
 * 0.166.0 with the same script; each section's steps must agree once the differences the README names are set
 * aside. The model's calls are shaped after the tools a request offers: 0.166.0 runs commands with
 * `exec_command` and patches with its freeform `apply_patch`, this server with `shell` (a patch as `apply_patch`
 * argv, as 0.58-era models send it).
 */
const reference = CODEX_0166_BIN;
if (!reference) console.warn("0.166 approvals: codex 0.166.0 is not installed; checking this server alone");

function shellCall(cmd: string, callId: string): (body: unknown) => ScriptedResponse {
  return (body) =>
    responses.turn(
      offeredTools(body).includes("exec_command")
        ? responses.functionCall(
            "exec_command",
            { cmd, sandbox_permissions: "require_escalated", justification: "why not", yield_time_ms: 2000 },
            callId,
          )
        : responses.functionCall(
            "shell",
            { command: ["bash", "-lc", cmd], with_escalated_permissions: true, justification: "why not" },
            callId,
          ),
    );
}

function patchCall(patch: string, callId: string): (body: unknown) => ScriptedResponse {
  return (body) =>
    responses.turn(
      offeredTools(body).includes("apply_patch")
        ? responses.customToolCall("apply_patch", patch, callId)
        : responses.functionCall("shell", { command: ["apply_patch", patch] }, callId),
    );
}

const PATCH_A =
  "*** Begin Patch\n*** Update File: a.txt\n@@\n-one\n+uno\n*** Add File: b.txt\n+bee\n*** End Patch";
const PATCH_C = "*** Begin Patch\n*** Add File: c.txt\n+sea\n*** End Patch";

type Sections = Record<string, string[]>;
interface Run {
  sections: Sections;
  schemaProblems: string[];
  requests: MockModelServer["requests"];
  files: Record<string, string | null>;
}

/** Steps 0.166.0 and this server take in different places, or that only this server takes (README). */
const APART = new Set([
  "⇐ thread/tokenUsage/updated",
  "⇐ item/commandExecution/outputDelta",
  "⇐ turn/diff/updated",
]);
function comparable(steps: string[]): string[] {
  const out: string[] = [];
  for (const s of steps) {
    if (APART.has(s) || s === "⇐ thread/status/changed active[waitingOnApproval]") continue;
    if (s.startsWith("⇒ item/") && s.endsWith("/requestApproval"))
      out.push("⇐ thread/status/changed active[waitingOnApproval]");
    out.push(s);
  }
  return out;
}

async function scenario(command: string[]): Promise<Run> {
  const tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-0166-approvals-")));
  const mock = await startMockModelServer();
  try {
    const home = await mockCodexHome(mock.baseUrl, { modern: true, dir: path.join(tmp, "home") });
    const cwd = path.join(tmp, "project");
    await fs.mkdir(cwd);
    await fs.writeFile(path.join(cwd, "a.txt"), "one\n");
    const c = await ModernClient.start(command, { codexHome: home, cwd });
    const { thread } = await c.call("thread/start", {
      cwd,
      approvalPolicy: "on-request",
      sandbox: "read-only",
    });
    await c.waitFor((m) => m.method === "thread/started");
    const sections: Sections = {};
    const section = async (name: string, run: () => Promise<void>) => {
      const from = c.mark();
      await run();
      // What follows a turn's end (a late approval's `serverRequest/resolved`) belongs to it too.
      await new Promise((r) => setTimeout(r, 300));
      sections[name] = threadTranscript(c.tee().slice(from), thread.id).steps;
    };
    await section("decline", async () => {
      mock.enqueue(
        shellCall("echo one > one.txt", "call_a"),
        responses.turn(responses.message("declined ok")),
      );
      c.answers.push({ decision: "decline" });
      await c.turn(thread.id, "run one");
    });
    await section("acceptForSession", async () => {
      mock.enqueue(
        shellCall("echo two > two.txt", "call_b"),
        shellCall("echo two > two.txt", "call_c"),
        responses.turn(responses.message("done")),
      );
      c.answers.push({ decision: "acceptForSession" });
      await c.turn(thread.id, "run two");
    });
    await section("cancel", async () => {
      mock.enqueue(shellCall("echo three > three.txt", "call_d"));
      c.answers.push({ decision: "cancel" });
      await c.turn(thread.id, "run three");
    });
    await section("interruptWhilePending", async () => {
      mock.enqueue(shellCall("echo four > four.txt", "call_e"));
      c.answers.push(HOLD);
      const from = c.mark();
      const { turn } = await c.call("turn/start", {
        threadId: thread.id,
        input: [{ type: "text", text: "run four" }],
      });
      await c.waitFor((m) => m.method === "item/commandExecution/requestApproval", { from });
      await c.call("turn/interrupt", { threadId: thread.id, turnId: turn.id });
      await c.turnCompleted(turn.id, from);
      await c.waitFor((m) => m.method === "serverRequest/resolved", { from });
      c.answerHeld({ decision: "accept" }); // too late: the turn is over
    });
    await section("patchAccepted", async () => {
      mock.enqueue(patchCall(PATCH_A, "call_p"), responses.turn(responses.message("patched")));
      c.answers.push({ decision: "accept" });
      await c.turn(thread.id, "patch it");
    });
    await section("patchDeclined", async () => {
      mock.enqueue(patchCall(PATCH_C, "call_q"), responses.turn(responses.message("ok")));
      c.answers.push({ decision: "decline" });
      await c.turn(thread.id, "patch again");
    });
    await section("failed", async () => {
      mock.enqueue({
        kind: "http",
        status: 500,
        body: JSON.stringify({ error: { message: "server broke" } }),
      });
      await c.turn(thread.id, "fail");
    });
    const schemaProblems = c.schemaProblems();
    await c.close();
    const read = (f: string) => fs.readFile(path.join(cwd, f), "utf8").catch(() => null);
    const files: Record<string, string | null> = {};
    for (const f of ["one.txt", "two.txt", "three.txt", "four.txt", "a.txt", "b.txt", "c.txt"])
      files[f] = await read(f);
    return { sections, schemaProblems, requests: [...mock.requests], files };
  } finally {
    await mock.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

describe("0.166 approvals, file changes and failures", () => {
  let ours: Run;
  let theirs: Run | null = null;

  beforeAll(async () => {
    ours = await scenario(OURS);
    if (reference) theirs = await scenario([reference]);
  }, 300_000);
  afterAll(() => {});

  it("sends only what 0.166's schemas describe, each notification stamped with emittedAtMs", () => {
    expect(ours.schemaProblems).toEqual([]);
  });

  it("a declined command is completed as declined and the model told; nothing runs", () => {
    expect(ours.sections.decline).toEqual([
      "→ turn/start",
      "← turn/start",
      "⇐ thread/status/changed active[]",
      "⇐ turn/started",
      "⇐ item/started userMessage",
      "⇐ item/completed userMessage",
      "⇐ thread/tokenUsage/updated",
      "⇐ item/started commandExecution",
      "⇐ thread/status/changed active[waitingOnApproval]",
      "⇒ item/commandExecution/requestApproval",
      "→ answer item/commandExecution/requestApproval",
      "⇐ serverRequest/resolved",
      "⇐ item/completed commandExecution",
      "⇐ thread/status/changed active[]",
      "⇐ item/started agentMessage",
      "⇐ item/agentMessage/delta",
      "⇐ item/agentMessage/delta",
      "⇐ item/completed agentMessage",
      "⇐ thread/tokenUsage/updated",
      "⇐ thread/readState/changed",
      "⇐ thread/status/changed idle",
      "⇐ turn/completed completed",
    ]);
    expect(ours.files["one.txt"]).toBeNull();
  });

  it("accept-for-session runs the command and does not ask again for it; cancel ends the turn", () => {
    expect(ours.sections.acceptForSession!.filter((s) => s.startsWith("⇒"))).toHaveLength(1);
    expect(ours.files["two.txt"]).toBe("two\n");
    expect(ours.sections.cancel!.slice(-2)).toEqual([
      "⇐ thread/status/changed idle",
      "⇐ turn/completed interrupted",
    ]);
    expect(ours.files["three.txt"]).toBeNull();
  });

  it("an approval abandoned by an interrupt is resolved after the turn completes", () => {
    expect(ours.sections.interruptWhilePending!.slice(-6)).toEqual([
      "→ turn/interrupt",
      "← turn/interrupt",
      "⇐ thread/status/changed idle",
      "⇐ turn/completed interrupted",
      "⇐ serverRequest/resolved",
      "→ answer item/commandExecution/requestApproval",
    ]);
    expect(ours.files["four.txt"]).toBeNull();
  });

  it("file changes are asked with item/fileChange/requestApproval; accepted patches apply, declined ones do not", () => {
    expect(ours.sections.patchAccepted).toEqual(
      expect.arrayContaining([
        "⇐ item/started fileChange",
        "⇒ item/fileChange/requestApproval",
        "⇐ item/completed fileChange",
        "⇐ turn/diff/updated",
      ]),
    );
    expect(ours.files["a.txt"]).toBe("uno\n");
    expect(ours.files["b.txt"]).toBe("bee\n");
    expect(ours.files["c.txt"]).toBeNull();
    const declined = ours.requests.at(-2)!.body as { input: { output?: string }[] };
    expect(JSON.stringify(declined.input.at(-1))).toContain("rejected");
  });

  it("a failed turn sets systemError, sends `error`, and completes as failed", () => {
    expect(ours.sections.failed!.slice(-4)).toEqual([
      "⇐ thread/status/changed systemError",
      "⇐ error",
      "⇐ thread/readState/changed",
      "⇐ turn/completed failed",
    ]);
  });

  it.skipIf(!reference)("takes the same steps as codex 0.166.0 in every section", () => {
    const t = theirs as Run;
    expect(t.schemaProblems).toEqual([]);
    for (const name of Object.keys(ours.sections))
      expect({ name, steps: comparable(ours.sections[name]!) }).toEqual({
        name,
        steps: comparable(t.sections[name]!),
      });
    expect(ours.files).toEqual(t.files);
  });
});
