import type { UserInputQuestion } from "../../../events/extension.js";
import { serdeEndPosition } from "../../../unified-exec/args.js";
import { TurnAborted } from "../../turn-aborted.js";
import type { ToolHandler } from "../context.js";

/**
 * `request_user_input`, offered with 0.166.0's `gpt-5.5` tools: the model asks the user one to three short
 * multiple-choice questions and waits. As 0.166.0 runs it, it works only in the plan collaboration mode (elsewhere
 * the model is told so and nothing is asked), every question needs options, each gets a free-form "Other"
 * (`is_other`), and the answers go back to the model as the protocol's `{"answers": {id: {"answers": [...]}}}` —
 * none when the client answered with an error (`{"answers":{}}`, as 0.166.0). An interrupt while the user is asked
 * ends the turn, the call reporting `aborted by user` as any tool call cut short.
 */
export const requestUserInputHandler: ToolHandler = async (ctx, { callId, call, args }) => {
  const mode = ctx.settings().collaborationMode ?? "default";
  if (mode !== "plan") return `request_user_input is unavailable in ${MODE_NAMES[mode]} mode`;
  if (args.questions === undefined)
    return `failed to parse function arguments: missing field \`questions\` at ${serdeEndPosition(String(call.arguments ?? "{}"))}`;
  const questions = decodeQuestions(args.questions);
  if (typeof questions === "string") return `failed to parse function arguments: ${questions}`;
  if (questions.some((q) => q.options === null || q.options.length === 0))
    return "request_user_input requires non-empty options for every question";
  const answers = await ctx.askUserInput(callId, questions);
  if (ctx.signal.aborted) throw new TurnAborted();
  if (answers === null) return "request_user_input was cancelled before receiving a response";
  return JSON.stringify(answers);
};

/** How 0.166.0 names a collaboration mode to the model. */
const MODE_NAMES = { default: "Default", plan: "Plan" } as const;

/** The model's questions, or what is wrong with them (serde's wording for the common mistakes). */
function decodeQuestions(raw: unknown): UserInputQuestion[] | string {
  if (!Array.isArray(raw)) return "invalid type for `questions`, expected a sequence";
  const out: UserInputQuestion[] = [];
  for (const q of raw) {
    if (typeof q !== "object" || q === null) return "invalid type for a question, expected struct";
    const record = q as Record<string, unknown>;
    for (const field of ["id", "header", "question"] as const)
      if (typeof record[field] !== "string") return `missing field \`${field}\``;
    const options = decodeOptions(record.options);
    if (typeof options === "string") return options;
    out.push({
      id: record.id as string,
      header: record.header as string,
      question: record.question as string,
      is_other: true,
      is_secret: record.is_secret === true,
      options,
    });
  }
  return out;
}

function decodeOptions(raw: unknown): UserInputQuestion["options"] | string {
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw)) return "invalid type for `options`, expected a sequence";
  const out: NonNullable<UserInputQuestion["options"]> = [];
  for (const o of raw) {
    const record = (typeof o === "object" && o !== null ? o : {}) as Record<string, unknown>;
    for (const field of ["label", "description"] as const)
      if (typeof record[field] !== "string") return `missing field \`${field}\``;
    out.push({ label: record.label as string, description: record.description as string });
  }
  return out;
}
