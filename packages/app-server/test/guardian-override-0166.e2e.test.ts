import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CODEX_0166_BIN, mockCodexHome, requestText, responses } from "@codex-ts/test-support";
import { beforeAll, describe, expect, it } from "vitest";
import { AUTO_REVIEW_TOML, startGuardianMock } from "./helpers/guardian-mock-0166.js";
import { ModernClient, OURS } from "./helpers/modern-client.js";

/**
 * `thread/approveGuardianDeniedAction` after a real denial of the automatic reviewer, on this server and (when
 * installed) codex 0.166.0 with the same script: the client sends back the denial (the `autoApprovalReview/completed`
 * notification as the core's snake_case event); nothing runs then, the approval is recorded for the model as a
 * developer message (which the reviewer is shown too), and the model's retry of the same command is reviewed again
 * (approved this time) and runs.
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

interface Run {
  /** The answer to the approval. */
  answer: unknown;
  /** The files in the project after the denial and the approval, and after the retry. */
  filesAfterApproval: string[];
  files: string[];
  /** Whether the main model's next request and the retry's review carry the approval. */
  modelSawApproval: boolean;
  reviewSawApproval: boolean;
  /** The retry's review status. */
  retryReview: string[];
  schemaProblems: string[];
  /** The reviewer's rollouts: their session_meta (source, thread_source, parent) and each review's final answer. */
  reviewerRollouts: { meta: unknown; answers: unknown[] }[];
}

/** The rollouts under `home`'s sessions folder whose source is the reviewer's, with what they hold. */
async function reviewerRollouts(home: string, parentId: string) {
  const found: { meta: unknown; answers: unknown[] }[] = [];
  const files = (await fs.readdir(path.join(home, "sessions"), { recursive: true })).filter((f) =>
    f.endsWith(".jsonl"),
  );
  for (const f of files) {
    const lines = (await fs.readFile(path.join(home, "sessions", f), "utf8"))
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as { type: string; payload: Record<string, unknown> });
    const meta = lines[0]!.payload;
    if (JSON.stringify(meta.source) !== JSON.stringify({ subagent: { other: "guardian" } })) continue;
    found.push({
      meta: {
        source: meta.source,
        thread_source: meta.thread_source,
        parent: meta.parent_thread_id === parentId,
      },
      answers: lines
        .filter((l) => l.type === "event_msg" && l.payload.type === "task_complete")
        .map((l) => JSON.parse(String(l.payload.last_agent_message)).outcome),
    });
  }
  return found;
}

/** The v2 review notification as 0.166.0's core `GuardianAssessmentEvent` (snake_case), as a client sends it back. */
function coreEvent(p: Record<string, unknown>): Record<string, unknown> {
  const review = p.review as Record<string, unknown>;
  const action = p.action as Record<string, unknown>;
  return {
    id: p.reviewId,
    target_item_id: p.targetItemId,
    turn_id: p.turnId,
    started_at_ms: p.startedAtMs,
    completed_at_ms: p.completedAtMs,
    status: review.status,
    risk_level: review.riskLevel,
    user_authorization: review.userAuthorization,
    rationale: review.rationale,
    decision_source: p.decisionSource,
    action: { type: action.type, source: "unified_exec", command: action.command, cwd: action.cwd },
  };
}

async function scenario(command: string[]): Promise<Run> {
  const tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-0166-guardian-override-")));
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
    mock.enqueue(
      escalated("echo two > two.txt", "call_a"),
      responses.turn(responses.message("denied, stopping")),
    );
    reviews.push(
      decision({ risk_level: "high", user_authorization: "low", outcome: "deny", rationale: "too risky" }),
    );
    await c.turn(thread.id, "write two");
    const denial = c.received(from).find((m) => m.method === "item/autoApprovalReview/completed")!
      .params as Record<string, unknown>;
    const answer = await c.settle("thread/approveGuardianDeniedAction", {
      threadId: thread.id,
      event: coreEvent(denial),
    } as never);
    const filesAfterApproval = (await fs.readdir(cwd)).sort();
    const beforeRetry = mock.requests.length;
    const retryFrom = c.mark();
    mock.enqueue(escalated("echo two > two.txt", "call_b"), responses.turn(responses.message("done")));
    reviews.push(
      decision({
        risk_level: "low",
        user_authorization: "high",
        outcome: "allow",
        rationale: "user approved",
      }),
    );
    await c.turn(thread.id, "I approved it, go ahead");
    const later = mock.requests.slice(beforeRetry);
    const isReview = (b: unknown) =>
      String((b as { prompt_cache_key?: unknown }).prompt_cache_key).startsWith("guardian:");
    const main = later.find((r) => !isReview(r.body));
    const review = later.find((r) => isReview(r.body));
    const retryReview = c
      .received(retryFrom)
      .filter((m) => m.method?.startsWith("item/autoApprovalReview/"))
      .map((m) => (m.params as { review: { status: string } }).review.status);
    const schemaProblems = c.schemaProblems();
    await c.close();
    const reviewers = await reviewerRollouts(home, thread.id);
    return {
      answer,
      filesAfterApproval,
      files: (await fs.readdir(cwd)).sort(),
      modelSawApproval: requestText(main?.body).includes("manually approved a specific action"),
      // As a `developer:` entry of the transcript, the one developer message the reviewer is shown.
      reviewSawApproval: requestText(review?.body).includes("developer: The user has manually approved"),
      retryReview,
      schemaProblems,
      reviewerRollouts: reviewers,
    };
  } finally {
    await mock.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

describe("0.166 thread/approveGuardianDeniedAction after a denial", () => {
  let ours: Run;
  let theirs: Run | null = null;
  beforeAll(async () => {
    ours = await scenario(OURS);
    if (reference) theirs = await scenario([reference]);
  }, 300_000);

  it("records the approval for the model and runs nothing itself; the retry is reviewed again and runs", () => {
    expect(ours.schemaProblems).toEqual([]);
    expect(ours.answer).toEqual({});
    expect(ours.filesAfterApproval).toEqual([]);
    expect(ours.modelSawApproval).toBe(true);
    expect(ours.reviewSawApproval).toBe(true);
    expect(ours.retryReview).toEqual(["inProgress", "approved"]);
    expect(ours.files).toEqual(["two.txt"]);
  });

  it("keeps the reviews in one reviewer rollout of the thread (a guardian sub-thread)", () => {
    expect(ours.reviewerRollouts).toEqual([
      {
        meta: { source: { subagent: { other: "guardian" } }, thread_source: "guardian_review", parent: true },
        answers: ["deny", "allow"],
      },
    ]);
  });

  it.skipIf(!reference)("does as codex 0.166.0", () => {
    expect(ours).toEqual(theirs);
  });
});
