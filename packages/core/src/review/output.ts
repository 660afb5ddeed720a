import { ReviewOutputEvent } from "@codex-ts/app-server-protocol";

export type ReviewOutput = ReviewOutputEvent;

/** What the `exitedReviewMode` item says when the reviewer gave nothing to show (0.166.0's words). */
export const REVIEW_FALLBACK_MESSAGE = "Reviewer failed to output a response.";

/** The assistant message a review that ended without output leaves in the thread (0.166.0's words). */
export const REVIEW_INTERRUPTED_MESSAGE =
  "Review was interrupted. Please re-run /review and wait for it to complete.";

/**
 * The reviewer's last message as 0.166.0 reads it: the whole text as a `ReviewOutputEvent`, else the span from its
 * first `{` to its last `}`, else the text itself as the explanation with no findings. Every field is required and
 * typed as 0.166.0's serde requires it (a finding without an integer `priority` fails the object); unknown fields
 * are ignored.
 */
export function parseReviewOutput(text: string): ReviewOutput {
  const whole = asReviewOutput(text);
  if (whole) return whole;
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  const inner = start !== -1 && start < end ? asReviewOutput(text.slice(start, end + 1)) : null;
  return (
    inner ?? {
      findings: [],
      overall_correctness: "",
      overall_explanation: text,
      overall_confidence_score: 0,
    }
  );
}

function asReviewOutput(text: string): ReviewOutput | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = ReviewOutputEvent.safeParse(value);
  return parsed.success ? inRustOrder(parsed.data) : null;
}

/** The output with its keys in 0.166.0's field order (as it writes them to rollouts and the wire). */
function inRustOrder(o: ReviewOutput): ReviewOutput {
  return {
    findings: o.findings.map((f) => ({
      title: f.title,
      body: f.body,
      confidence_score: f.confidence_score,
      priority: f.priority,
      code_location: {
        absolute_file_path: f.code_location.absolute_file_path,
        line_range: { start: f.code_location.line_range.start, end: f.code_location.line_range.end },
      },
    })),
    overall_correctness: o.overall_correctness,
    overall_explanation: o.overall_explanation,
    overall_confidence_score: o.overall_confidence_score,
  };
}

/** The findings as 0.166.0 lists them: a header, then `- title — path:start-end` with the body indented. */
function findingsBlock(output: ReviewOutput): string {
  const lines = [output.findings.length > 1 ? "Full review comments:" : "Review comment:"];
  for (const f of output.findings) {
    const { absolute_file_path: path, line_range: range } = f.code_location;
    lines.push("", `- ${f.title} — ${path}:${range.start}-${range.end}`);
    for (const line of f.body.split(/\r?\n/)) lines.push(`  ${line}`);
  }
  return lines.join("\n");
}

/**
 * The review as users read it (the `exitedReviewMode` item and the assistant message): the explanation, then the
 * findings, separated by a blank line; the fallback message when both are empty.
 */
export function renderReviewOutput(output: ReviewOutput): string {
  const sections: string[] = [];
  const explanation = output.overall_explanation.trim();
  if (explanation !== "") sections.push(explanation);
  if (output.findings.length > 0) sections.push(findingsBlock(output));
  return sections.length === 0 ? REVIEW_FALLBACK_MESSAGE : sections.join("\n\n");
}

/**
 * The user message a finished review leaves in the thread's history, so the next turn's model knows what was
 * found (0.166.0's `<user_action>` text); with no output, the one that says the review was interrupted.
 */
export function reviewResultsMessage(output: ReviewOutput | null): string {
  if (output === null)
    return [
      "<user_action>",
      "  <context>User initiated a review task, but was interrupted. If user asks about this, tell them to re-initiate a review with `/review` and wait for it to complete.</context>",
      "  <action>review</action>",
      "  <results>",
      "  None.",
      "  </results>",
      "</user_action>",
      "",
      "",
    ].join("\n");
  let results = output.overall_explanation.trim();
  if (output.findings.length > 0) results += `\n\n${findingsBlock(output)}`;
  return [
    "<user_action>",
    "  <context>User initiated a review task. Here's the full review output from reviewer model. User may select one or more comments to resolve.</context>",
    "  <action>review</action>",
    "  <results>",
    `  ${results}`,
    "  </results>",
    "  </user_action>",
    "",
  ].join("\n");
}
