import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CODEX_0166_BIN, mockCodexHome, responses } from "@codex-ts/test-support";
import { beforeAll, describe, expect, it } from "vitest";
import { AUTO_REVIEW_TOML, startGuardianMock } from "./helpers/guardian-mock-0166.js";
import { ModernClient, OURS } from "./helpers/modern-client.js";

/**
 * The automatic approval reviewer (`approvals_reviewer = "auto_review"`) on an `on-request`, read-only thread, run
 * against this server and (when installed) codex 0.166.0 with the same script: the mock model answers the reviewer's
 * requests with its decision. An approved escalation runs, a denied one does not (the model is told why), a patch is
 * reviewed like a command, and an answer that is not a decision fails closed after three tries.
 */
const reference = CODEX_0166_BIN;

const decision = (d: object) => responses.turn(responses.message(JSON.stringify(d)));
const escalated = (cmd: string, id: string) =>
  responses.turn(
    responses.functionCall(
      "exec_command",
      { cmd, sandbox_permissions: "require_escalated", justification: "need it", yield_time_ms: 2000 },
      id,
    ),
  );

/** Notifications that 0.166.0 and this server send at other times, or only one of them (README). */
const APART = new Set([
  "thread/started",
  "item/agentMessage/delta",
  "thread/tokenUsage/updated",
  "item/commandExecution/outputDelta",
  "account/rateLimits/updated",
  "turn/diff/updated",
  "thread/readState/changed",
  "configWarning",
  "remoteControl/status/changed",
]);

interface Run {
  steps: string[];
  files: string[];
  schemaProblems: string[];
  /** What each reviewer request and each main request after a call was sent (the last input item). */
  requests: { guardian: boolean; last: string }[];
}

async function scenario(command: string[]): Promise<Run> {
  const tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-0166-guardian-")));
  const { mock, reviews } = await startGuardianMock();
  try {
    const home = await mockCodexHome(mock.baseUrl, {
      modern: true,
      dir: path.join(tmp, "home"),
      toml: AUTO_REVIEW_TOML,
    });
    const cwd = path.join(tmp, "project");
    await fs.mkdir(cwd);
    const c = await ModernClient.start(command, { codexHome: home, cwd });
    const { thread } = await c.call("thread/start", {
      cwd,
      approvalPolicy: "on-request",
      sandbox: "read-only",
    });
    const from = c.mark();
    mock.enqueue(escalated("echo one > one.txt", "call_a"), responses.turn(responses.message("done one")));
    reviews.push(
      decision({
        risk_level: "low",
        user_authorization: "high",
        outcome: "allow",
        rationale: "harmless write",
      }),
    );
    await c.turn(thread.id, "run one");
    mock.enqueue(escalated("echo two > two.txt", "call_b"), responses.turn(responses.message("done two")));
    reviews.push(
      decision({ risk_level: "high", user_authorization: "low", outcome: "deny", rationale: "too risky" }),
    );
    await c.turn(thread.id, "run two");
    mock.enqueue(
      responses.turn(
        responses.customToolCall(
          "apply_patch",
          "*** Begin Patch\n*** Add File: c.txt\n+sea\n*** End Patch",
          "call_p",
        ),
      ),
      responses.turn(responses.message("patched")),
    );
    reviews.push(
      decision({ risk_level: "low", user_authorization: "high", outcome: "allow", rationale: "ok patch" }),
    );
    await c.turn(thread.id, "patch");
    mock.enqueue(
      escalated("echo three > three.txt", "call_c"),
      responses.turn(responses.message("done three")),
    );
    reviews.push(
      responses.turn(responses.message("not json at all")),
      responses.turn(responses.message("still not json")),
      responses.turn(responses.message("nor this")),
    );
    await c.turn(thread.id, "run three");
    const steps: string[] = [];
    for (const m of c.received(from)) {
      if (m.method === undefined || m.id !== undefined || APART.has(m.method)) continue;
      // The fields the steps show, as both servers' schemas describe them.
      const p = m.params as {
        item: { type: string; status?: string };
        review: { status: string; rationale: string | null };
        action: { type: string };
        message: string;
        turn: { status: string };
      };
      let detail = "";
      if (m.method === "item/started" || m.method === "item/completed")
        detail = ` ${p.item.type}${p.item.status ? ` ${p.item.status}` : ""}`;
      if (m.method.startsWith("item/autoApprovalReview/"))
        detail = ` ${p.review.status} ${p.action.type} ${p.review.rationale ?? ""}`;
      if (m.method === "guardianWarning") detail = ` ${p.message}`;
      if (m.method === "turn/completed") detail = ` ${p.turn.status}`;
      steps.push(`${m.method}${detail}`);
    }
    const schemaProblems = c.schemaProblems();
    await c.close();
    const requests = mock.requests.map((r) => {
      const body = r.body as {
        prompt_cache_key?: string;
        input: { output?: string; content?: { text: string }[] }[];
      };
      const last = body.input.at(-1)!;
      return {
        guardian: String(body.prompt_cache_key).startsWith("guardian:"),
        last: last.output ?? last.content?.map((c) => c.text).join("") ?? "",
      };
    });
    return { steps, files: (await fs.readdir(cwd)).sort(), schemaProblems, requests };
  } finally {
    await mock.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

describe("0.166 approvals reviewer (auto_review)", () => {
  let ours: Run;
  let theirs: Run | null = null;
  beforeAll(async () => {
    ours = await scenario(OURS);
    if (reference) theirs = await scenario([reference]);
  }, 300_000);

  it("sends only what 0.166's schemas describe", () => {
    expect(ours.schemaProblems).toEqual([]);
  });

  it("runs what the reviewer approves and nothing it denies; nothing is asked of the client", () => {
    expect(ours.files).toEqual(["c.txt", "one.txt"]);
    expect(ours.steps.some((s) => s.includes("requestApproval"))).toBe(false);
    expect(ours.steps).toContain(
      "guardianWarning Automatic approval review denied (risk: high, authorization: low): too risky",
    );
    expect(ours.steps).toContain("item/completed commandExecution declined");
  });

  it("tells the model why, and fails closed after three unreadable answers", () => {
    expect(ours.requests.filter((r) => r.guardian)).toHaveLength(6);
    const outputs = ours.requests.map((r) => r.last);
    expect(
      outputs.some(
        (o) => o.includes("This action was rejected due to unacceptable risk.") && o.includes("too risky"),
      ),
    ).toBe(true);
    expect(
      outputs.some((o) =>
        o.includes("Automatic approval review failed: guardian assessment was not valid JSON"),
      ),
    ).toBe(true);
  });

  it.skipIf(!reference)("takes the same steps as codex 0.166.0", () => {
    const t = theirs as Run;
    // 0.166.0 sometimes reviews the same patch a second time after approving it (seen in about one run in three,
    // the second review then finds no scripted decision); its patch steps are compared in the single-queue explore
    // runs only, the commands' steps always.
    const commands = (steps: string[]) => {
      // The turns (each ends with turn/completed), without the third: the patch's.
      const turns: string[][] = [[]];
      for (const x of steps) {
        turns.at(-1)!.push(x);
        if (x.startsWith("turn/completed")) turns.push([]);
      }
      return turns.filter((_, i) => i !== 2).flat();
    };
    expect(commands(ours.steps)).toEqual(commands(t.steps));
    expect(ours.files.filter((f) => f !== "c.txt")).toEqual(t.files.filter((f) => f !== "c.txt"));
  });
});
