import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import {
  parseReviewOutput,
  REVIEW_FALLBACK_MESSAGE,
  ReviewTargetError,
  renderReviewOutput,
  resolveReviewRequest,
  reviewResultsMessage,
} from "../src/index.js";

/**
 * The review's texts as codex 0.166.0 builds them (checked against the binary in the app server's
 * `review-0166.e2e.test.ts`): prompts and labels per target, the reviewer's answer parsed and rendered, and the
 * `<user_action>` message the thread keeps.
 */
const finding = (title: string, body: string, start = 1, end = 2) => ({
  title,
  body,
  confidence_score: 0.5,
  priority: 1,
  code_location: { absolute_file_path: "/w/a.ts", line_range: { start, end } },
});
const output = (findings: ReturnType<typeof finding>[], explanation: string) => ({
  findings,
  overall_correctness: "patch is incorrect",
  overall_explanation: explanation,
  overall_confidence_score: 0.5,
});

describe("review output", () => {
  it("parses the whole text, else the span between the first { and the last }, else keeps the text", () => {
    const json = JSON.stringify(output([finding("A", "b")], "x"));
    expect(parseReviewOutput(json).findings).toHaveLength(1);
    expect(parseReviewOutput(`Sure:\n${json}\nthanks`).overall_explanation).toBe("x");
    const plain = parseReviewOutput("no json {here}");
    expect(plain).toEqual({
      findings: [],
      overall_correctness: "",
      overall_explanation: "no json {here}",
      overall_confidence_score: 0,
    });
    // A finding without an integer priority fails the whole object, as serde fails it.
    const bad = JSON.stringify(output([{ ...finding("A", "b"), priority: null as unknown as number }], "x"));
    expect(parseReviewOutput(bad).overall_explanation).toBe(bad);
  });

  it("keeps 0.166.0's field order and drops unknown fields", () => {
    const parsed = parseReviewOutput(JSON.stringify({ extra: 1, ...output([finding("A", "b")], "x") }));
    expect(Object.keys(parsed)).toEqual([
      "findings",
      "overall_correctness",
      "overall_explanation",
      "overall_confidence_score",
    ]);
    expect(Object.keys(parsed.findings[0] ?? {})).toEqual([
      "title",
      "body",
      "confidence_score",
      "priority",
      "code_location",
    ]);
  });

  it("renders the explanation and the findings; the fallback when both are empty", () => {
    expect(renderReviewOutput(output([finding("[P1] A", "line 1\nline 2")], "  Why.  "))).toBe(
      "Why.\n\nReview comment:\n\n- [P1] A — /w/a.ts:1-2\n  line 1\n  line 2",
    );
    expect(renderReviewOutput(output([finding("A", "b"), finding("C", "d", 3, 3)], ""))).toBe(
      "Full review comments:\n\n- A — /w/a.ts:1-2\n  b\n\n- C — /w/a.ts:3-3\n  d",
    );
    expect(renderReviewOutput(output([], " "))).toBe(REVIEW_FALLBACK_MESSAGE);
  });

  it("leaves a <user_action> message in the thread, or the interrupted one", () => {
    expect(reviewResultsMessage(output([finding("A", "b")], "Why."))).toBe(
      "<user_action>\n  <context>User initiated a review task. Here's the full review output from reviewer model. User may select one or more comments to resolve.</context>\n  <action>review</action>\n  <results>\n  Why.\n\nReview comment:\n\n- A — /w/a.ts:1-2\n  b\n  </results>\n  </user_action>\n",
    );
    expect(reviewResultsMessage(null)).toContain("<results>\n  None.\n  </results>\n</user_action>\n\n");
  });
});

describe("review targets", () => {
  it("builds 0.166.0's prompts and labels; empty fields are refused", async () => {
    const cwd = await tempDir("review-target-");
    const custom = await resolveReviewRequest({ type: "custom", instructions: "  look  " }, cwd);
    expect([custom.prompt, custom.user_facing_hint]).toEqual(["look", "look"]);
    const commit = await resolveReviewRequest({ type: "commit", sha: "0123456789abcdef", title: null }, cwd);
    expect([commit.prompt, commit.user_facing_hint]).toEqual([
      "Review the code changes introduced by commit 0123456789abcdef. Provide prioritized, actionable findings.",
      "commit 0123456",
    ]);
    // Outside a repository the merge base is unknown: the reviewer is told how to find it.
    const branch = await resolveReviewRequest({ type: "baseBranch", branch: "main" }, cwd);
    expect(branch.prompt).toContain(
      "Start by finding the merge diff between the current branch and main's upstream",
    );
    expect(branch.user_facing_hint).toBe("changes against 'main'");
    for (const [target, message] of [
      [{ type: "custom", instructions: " " }, "instructions must not be empty"],
      [{ type: "baseBranch", branch: "" }, "branch must not be empty"],
      [{ type: "commit", sha: " " }, "sha must not be empty"],
    ] as const) {
      const err = await resolveReviewRequest(target, cwd).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ReviewTargetError);
      expect((err as Error).message).toBe(message);
    }
  });

  it("compares a base branch from its merge base with HEAD; an option-like name is not an option", async () => {
    const repo = await tempDir("review-repo-");
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@e", ...args], {
        cwd: repo,
        encoding: "utf8",
      });
    git("init", "-q", "-b", "main");
    await fs.writeFile(path.join(repo, "f"), "1");
    git("add", ".");
    git("commit", "-q", "-m", "one");
    const base = git("rev-parse", "HEAD").trim();
    git("checkout", "-q", "-b", "topic");
    await fs.writeFile(path.join(repo, "f"), "2");
    git("commit", "-q", "-am", "two");
    const r = await resolveReviewRequest({ type: "baseBranch", branch: "main" }, repo);
    expect(r.prompt).toContain(`The merge base commit for this comparison is ${base}.`);
    const odd = await resolveReviewRequest({ type: "baseBranch", branch: "--output=/tmp/x" }, repo);
    expect(odd.prompt).toContain("Start by finding the merge diff");
  });
});
