import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CODEX_0166_BIN, mockCodexHome, responses } from "@codex-ts/test-support";
import { beforeAll, describe, expect, it } from "vitest";
import { AUTO_REVIEW_TOML, startGuardianMock } from "./helpers/guardian-mock-0166.js";
import { ModernClient, OURS } from "./helpers/modern-client.js";

/**
 * MCP tool-call approvals under the automatic approval reviewer (`approvals_reviewer = "auto_review"`, policy
 * `on-request`), run against this server and (when installed) codex 0.166.0 with the same script: a call that needs
 * approval (the hints fixture's `destructive` tool) goes to the reviewer, not to the client; an approved call runs,
 * a denied one does not and the model is told why.
 */
const reference = CODEX_0166_BIN;

const HINTS = fileURLToPath(new URL("../../core/test/fixtures/hints-mcp-server.mjs", import.meta.url));
/** A model outside 0.166.0's catalogue: it offers the MCP tools as flat functions at once. */
const MODEL = "mock-model";

const decision = (d: object) => responses.turn(responses.message(JSON.stringify(d)));
/** The model's call of the hints tool `destructive`, in 0.166.0's namespaced form (as the request offers it). */
const mcpCall = (note: string, id: string) => {
  const [event] = responses.functionCall("destructive", { note }, id);
  (event!.data as { item: Record<string, unknown> }).item.namespace = "mcp__hints";
  return responses.turn([event!]);
};

/** Notifications that 0.166.0 and this server send at other times, or only one of them (README). */
const APART = new Set([
  "thread/started",
  "item/agentMessage/delta",
  "thread/tokenUsage/updated",
  "account/rateLimits/updated",
  "turn/diff/updated",
  "thread/readState/changed",
  "configWarning",
  "remoteControl/status/changed",
  "mcpServer/startupStatus/updated",
  "thread/status/changed",
  // 0.166.0 warns that `mock-model` is not in its catalogue.
  "warning",
]);

interface Run {
  steps: string[];
  schemaProblems: string[];
  /** The reviewer's requests' last input item (the review request), as text parts joined. */
  reviews: string[];
  /** What the model got back for each call, by call id. */
  outputs: Record<string, string>;
  /** The server requests the client got (none expected). */
  asked: string[];
}

function textOf(output: unknown): string {
  if (Array.isArray(output))
    return output
      .map((c: { text?: string }) => c.text ?? "")
      .filter((t) => !t.startsWith("Wall time:"))
      .join("");
  return String(output);
}

async function scenario(command: string[]): Promise<Run> {
  const tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-0166-guardian-mcp-")));
  const { mock, reviews } = await startGuardianMock();
  try {
    const home = await mockCodexHome(mock.baseUrl, {
      modern: true,
      dir: path.join(tmp, "home"),
      toml: `${AUTO_REVIEW_TOML}[mcp_servers.hints]\ncommand = "node"\nargs = [${JSON.stringify(HINTS)}]\n`,
    });
    const cwd = path.join(tmp, "project");
    await fs.mkdir(cwd);
    const c = await ModernClient.start(command, { codexHome: home, cwd });
    const { thread } = await c.call("thread/start", {
      cwd,
      model: MODEL,
      approvalPolicy: "on-request",
      sandbox: "read-only",
    });
    await c.waitFor(
      (m) =>
        m.method === "mcpServer/startupStatus/updated" &&
        (m.params as { name: string; status: string }).status === "ready",
    );
    const from = c.mark();
    mock.enqueue(mcpCall("first", "call_a"), responses.turn(responses.message("done one")));
    reviews.push(
      decision({ risk_level: "low", user_authorization: "high", outcome: "allow", rationale: "fine call" }),
    );
    await c.turn(thread.id, "call it");
    mock.enqueue(mcpCall("second", "call_b"), responses.turn(responses.message("done two")));
    reviews.push(
      decision({ risk_level: "high", user_authorization: "low", outcome: "deny", rationale: "too risky" }),
    );
    await c.turn(thread.id, "call it again");
    const steps: string[] = [];
    const asked: string[] = [];
    for (const m of c.received(from)) {
      if (m.method === undefined) continue;
      if (m.id !== undefined) {
        asked.push(m.method);
        continue;
      }
      if (APART.has(m.method)) continue;
      const p = m.params as {
        item: { type: string; status?: string; error?: { message: string } | null };
        review: { status: string; rationale: string | null };
        action: Record<string, unknown>;
        message: string;
        turn: { status: string };
        targetItemId: string;
      };
      let detail = "";
      if (m.method === "item/started" || m.method === "item/completed")
        detail = ` ${p.item.type}${p.item.status ? ` ${p.item.status}` : ""}${p.item.error ? `: ${p.item.error.message}` : ""}`;
      if (m.method.startsWith("item/autoApprovalReview/"))
        detail = ` ${p.targetItemId} ${p.review.status} ${JSON.stringify(p.action)} ${p.review.rationale ?? ""}`;
      if (m.method === "guardianWarning" || m.method === "warning") detail = ` ${p.message}`;
      if (m.method === "turn/completed") detail = ` ${p.turn.status}`;
      steps.push(`${m.method}${detail}`);
    }
    const schemaProblems = c.schemaProblems();
    await c.close();
    const reviewTexts: string[] = [];
    const outputs: Record<string, string> = {};
    for (const r of mock.requests) {
      const body = r.body as {
        prompt_cache_key?: string;
        input: { type: string; call_id?: string; output?: unknown; content?: { text: string }[] }[];
      };
      if (String(body.prompt_cache_key).startsWith("guardian:")) {
        reviewTexts.push((body.input.at(-1)?.content ?? []).map((x) => x.text).join(""));
        continue;
      }
      for (const i of body.input)
        if (i.type === "function_call_output" && i.call_id !== undefined)
          outputs[i.call_id] = textOf(i.output);
    }
    return { steps, schemaProblems, reviews: reviewTexts, outputs, asked };
  } finally {
    await mock.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

describe("0.166 approvals reviewer on MCP tool calls", () => {
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
    expect(ours.asked).toEqual([]);
    expect(ours.outputs.call_a).toBe("destructive ran");
    expect(ours.outputs.call_b).toContain(
      "This action was rejected due to unacceptable risk.\nReason: too risky",
    );
    expect(ours.steps).toContain(
      "guardianWarning Automatic approval review denied (risk: high, authorization: low): too risky",
    );
  });

  it("shows the reviewer the call: its hints and arguments as JSON, its description as untrusted text", () => {
    expect(ours.reviews).toHaveLength(2);
    expect(ours.reviews[0]).toContain('[2] tool destructive call: {"note":"first"}');
    expect(ours.reviews[1]).toContain("tool destructive result: Wall time: ");
    expect(approvalRequest(ours.reviews[0]!)).toContain('"destructive_hint": true');
  });

  it.skipIf(!reference)("takes the same steps as codex 0.166.0", () => {
    const t = theirs as Run;
    expect(ours.steps).toEqual(t.steps);
    expect(ours.asked).toEqual(t.asked);
    expect(ours.outputs).toEqual(t.outputs);
    // The planned action and what follows it are 0.166.0's; the transcript before it differs on purpose (README:
    // a fresh request per review, no retained-instructions or permission sections).
    expect(ours.reviews.map(approvalRequest)).toEqual(t.reviews.map(approvalRequest));
  });
});

/** A review request from its approval-request section on (0.166.0 asks for the "next action" in a follow-up). */
function approvalRequest(review: string): string {
  return review.slice(review.indexOf(">>> APPROVAL REQUEST START"));
}
