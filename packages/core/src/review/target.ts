import { gitText } from "../ghost-snapshot/git.js";

/** What to review (0.166's `ReviewTarget`). */
export type ReviewTarget =
  | { type: "uncommittedChanges" }
  | { type: "baseBranch"; branch: string }
  | { type: "commit"; sha: string; title?: string | null | undefined }
  | { type: "custom"; instructions: string };

/** A review as the core runs it: the target, the reviewer's prompt, and the short label clients show. */
export interface ReviewRequest {
  target: ReviewTarget;
  prompt: string;
  user_facing_hint: string;
}

/** A target the review cannot start with; `message` is 0.166.0's answer to `review/start`. */
export class ReviewTargetError extends Error {
  override readonly name = "ReviewTargetError";
}

const UNCOMMITTED =
  "Review the current code changes (staged, unstaged, and untracked files) and provide prioritized findings.";

/**
 * The prompt and label codex 0.166.0 builds for a target (its words: the reviewer's user message and the
 * `enteredReviewMode` item's text are what a user sees). A base branch is compared from its merge base with HEAD,
 * computed here in `cwd`; when git cannot tell it (not a repository, no such branch), the reviewer is told how to
 * find it, as 0.166.0 does. Empty fields are refused with 0.166.0's messages.
 */
export async function resolveReviewRequest(target: ReviewTarget, cwd: string): Promise<ReviewRequest> {
  switch (target.type) {
    case "uncommittedChanges":
      return { target, prompt: UNCOMMITTED, user_facing_hint: "current changes" };
    case "baseBranch": {
      const branch = target.branch.trim();
      if (branch === "") throw new ReviewTargetError("branch must not be empty");
      const base = await mergeBase(cwd, branch);
      return {
        target: { type: "baseBranch", branch },
        prompt: base === null ? baseBranchFallback(branch) : baseBranchPrompt(branch, base),
        user_facing_hint: `changes against '${branch}'`,
      };
    }
    case "commit": {
      const sha = target.sha.trim();
      if (sha === "") throw new ReviewTargetError("sha must not be empty");
      const title = target.title?.trim() || null;
      const short = [...sha].slice(0, 7).join("");
      return {
        target: { type: "commit", sha, title },
        prompt: title
          ? `Review the code changes introduced by commit ${sha} ("${title}"). Provide prioritized, actionable findings.`
          : `Review the code changes introduced by commit ${sha}. Provide prioritized, actionable findings.`,
        user_facing_hint: title ? `commit ${short}: ${title}` : `commit ${short}`,
      };
    }
    case "custom": {
      const instructions = target.instructions.trim();
      if (instructions === "") throw new ReviewTargetError("instructions must not be empty");
      return {
        target: { type: "custom", instructions },
        prompt: instructions,
        user_facing_hint: instructions,
      };
    }
  }
}

function baseBranchPrompt(branch: string, sha: string): string {
  return (
    `Review the code changes against the base branch '${branch}'. The merge base commit for this comparison is ` +
    `${sha}. Run \`git diff ${sha}\` to inspect the changes relative to ${branch}. Provide prioritized, actionable ` +
    "findings."
  );
}

function baseBranchFallback(branch: string): string {
  return (
    `Review the code changes against the base branch '${branch}'. Start by finding the merge diff between the ` +
    `current branch and ${branch}'s upstream e.g. (\`git merge-base HEAD "$(git rev-parse --abbrev-ref ` +
    `"${branch}@{upstream}")"\`), then run \`git diff\` against that SHA to see what changes we would merge into ` +
    `the ${branch} branch. Provide prioritized, actionable findings.`
  );
}

/** HEAD's merge base with `branch` in `cwd`, or null when git cannot tell (no repository, no such branch). */
async function mergeBase(cwd: string, branch: string): Promise<string | null> {
  // `--end-of-options` keeps a branch named like an option from being read as one.
  const sha = await gitText(cwd, ["merge-base", "--end-of-options", "HEAD", branch], {
    maxOutputBytes: 4096,
    signal: AbortSignal.timeout(10_000),
  }).catch(() => "");
  return /^[0-9a-f]{40,64}$/.test(sha) ? sha : null;
}
