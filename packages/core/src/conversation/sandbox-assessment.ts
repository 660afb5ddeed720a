import type { SandboxCommandAssessment } from "@codex-ts/app-server-protocol";
import type { SandboxPolicy } from "@codex-ts/config-loader";
import type { ModelClient } from "../client/model-client.js";
import { outputSchemaTextFormat } from "../client/output-schema.js";
import type { Prompt } from "../client/types.js";
import type { RunCommandResult } from "../exec/run-command.js";
import { shlexJoin } from "../exec/shell-words.js";
import { userMessage } from "./context.js";

/**
 * Sandbox command assessment (`[features] experimental_sandbox_command_assessment`): when a sandboxed command
 * fails and the user is about to be asked whether to re-run it without the sandbox, one extra model request asks
 * for a one-sentence description and a risk level, which the approval request carries as `risk`. It is advisory:
 * every failure (timeout, HTTP or stream error, no or malformed answer) yields null and the approval goes out
 * without it.
 */

/** How long the assessment may take before the approval is sent without it (Codex 0.58.0: 5 s). */
export const ASSESSMENT_TIMEOUT_MS = 5_000;

/** The system prompt of the assessment request (our wording; Codex's opening sentence is kept). */
export const ASSESSMENT_INSTRUCTIONS = [
  "You are a security analyst evaluating shell commands that were blocked by a sandbox. The user must now decide",
  "whether to run the command again without the sandbox, and your assessment is shown next to that question.",
  "From the metadata provided, work out what the command is trying to do and what could happen if it runs",
  "unrestricted. Answer with a JSON object and nothing else (no markdown fences, no commentary) with two keys:",
  "- description: one short present-tense sentence saying what the command does and what it may affect",
  '- risk_level: "low", "medium" or "high"',
  "Guidance for the risk level:",
  "- low: reads or lists files, prints configuration or versions, downloads from well-known sources",
  "- medium: changes files of the project, installs or updates dependencies, starts local services",
  "- high: deletes or overwrites data, touches credentials or secrets, sends data elsewhere, gains privileges,",
  "  or weakens security controls",
  "When the metadata does not settle the question, pick the more cautious level it supports.",
].join("\n");

/** The JSON schema the answer must follow (sent as `text.format`, named like every Codex output schema). */
export const ASSESSMENT_TEXT_FORMAT = outputSchemaTextFormat({
  type: "object",
  required: ["description", "risk_level"],
  properties: {
    description: { type: "string", minLength: 1, maxLength: 500 },
    risk_level: { type: "string", enum: ["low", "medium", "high"] },
  },
  additionalProperties: false,
});

/** The platform name Codex reports (Rust's `std::env::consts::OS`). */
export function platformName(platform: NodeJS.Platform = process.platform): string {
  switch (platform) {
    case "darwin":
      return "macos";
    case "win32":
      return "windows";
    default:
      return platform;
  }
}

/** `danger-full-access`, `read-only`, or `workspace-write (network_access=network|no-network)`. */
export function sandboxPolicySummary(policy: SandboxPolicy): string {
  if (policy.mode === "workspace-write") {
    return `workspace-write (network_access=${policy.network_access ? "network" : "no-network"})`;
  }
  return policy.mode;
}

/** Orders paths component by component, as Rust sorts `PathBuf`s (`/a/b` before `/a-b`). */
function comparePaths(a: string, b: string): number {
  const pa = a.split("/").filter((part, i) => part !== "" || i === 0);
  const pb = b.split("/").filter((part, i) => part !== "" || i === 0);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = Buffer.from(pa[i]!);
    const y = Buffer.from(pb[i]!);
    const c = Buffer.compare(x, y);
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}

/** The filesystem roots the model is shown: the working directory plus writable roots, sorted, duplicates dropped. */
export function assessmentRoots(policy: SandboxPolicy, cwd: string): string[] {
  const roots = [cwd, ...(policy.mode === "workspace-write" ? policy.writable_roots : [])];
  return [...new Set(roots)].sort(comparePaths);
}

/**
 * What the sandbox failure looked like, as the approval flow summarises it: the command's combined output, else
 * stderr and/or stdout, else its exit code; prefixed `failed in sandbox: `.
 */
export function sandboxFailureMessage(
  result: Pick<RunCommandResult, "aggregatedOutput" | "stdout" | "stderr" | "exitCode">,
): string {
  let friendly: string;
  if (result.aggregatedOutput.trim() !== "") {
    friendly = result.aggregatedOutput;
  } else {
    const stderr = result.stderr.trim();
    const stdout = result.stdout.trim();
    if (stderr && stdout) friendly = `${stderr}\n${stdout}`;
    else if (stderr) friendly = result.stderr;
    else if (stdout) friendly = result.stdout;
    else friendly = `command failed inside sandbox with exit code ${result.exitCode}`;
  }
  return `failed in sandbox: ${friendly}`;
}

export interface CommandMetadata {
  command: readonly string[];
  cwd: string;
  policy: SandboxPolicy;
  /** Omitted from the message when absent or blank. */
  failureMessage?: string | null;
  platform?: string;
}

/** The one user message of the assessment request (the `Command metadata:` block). */
export function commandMetadataMessage(m: CommandMetadata): string {
  const roots = assessmentRoots(m.policy, m.cwd);
  const failure = m.failureMessage?.trim();
  const lines = [
    "Command metadata:",
    `Platform: ${m.platform ?? platformName()}`,
    `Sandbox policy: ${sandboxPolicySummary(m.policy)}`,
  ];
  if (roots.length > 0) lines.push("", `Filesystem roots: ${roots.join(", ")}`);
  lines.push(
    "",
    `Working directory: ${m.cwd}`,
    `Command argv: ${JSON.stringify(m.command)}`,
    `Command (joined): ${shlexJoin(m.command)}`,
  );
  if (failure) lines.push("", `Sandbox failure message: ${failure}`);
  return lines.join("\n");
}

const RISK_LEVELS = new Set(["low", "medium", "high"]);

/**
 * The model's answer as an assessment, or null. Like Codex (serde), extra keys are ignored and the schema's length
 * limits are not enforced here; the two keys must be present with the right types and a known risk level.
 */
export function parseAssessment(text: string | null): SandboxCommandAssessment | null {
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text.trim());
  } catch {
    return null;
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  const { description, risk_level: riskLevel } = value as Record<string, unknown>;
  if (typeof description !== "string" || typeof riskLevel !== "string" || !RISK_LEVELS.has(riskLevel)) {
    return null;
  }
  return { description, risk_level: riskLevel as SandboxCommandAssessment["risk_level"] };
}

/** The text of an output item: a message's non-empty text parts joined by newlines (null when there are none). */
function itemText(item: Record<string, unknown>): string | null {
  if (item.type !== "message" || !Array.isArray(item.content)) return null;
  const parts = (item.content as { text?: unknown }[])
    .map((part) => (typeof part.text === "string" ? part.text : ""))
    .filter((text) => text !== "");
  return parts.length > 0 ? parts.join("\n") : null;
}

export interface AssessmentRequest extends CommandMetadata {
  client: ModelClient;
  conversationId: string;
  model: string;
  reasoning?: Prompt["reasoning"];
  /** The turn's signal: an interrupt ends the assessment at once. */
  signal: AbortSignal;
  timeoutMs?: number;
}

/**
 * Runs the assessment request on the conversation's model client (same provider, model, conversation id and
 * cache key; no tools) and returns its verdict, or null on any failure. Nothing is emitted or recorded: the
 * request and its answer stay out of the history, the rollout and the event stream, retries included.
 */
export async function assessSandboxCommand(r: AssessmentRequest): Promise<SandboxCommandAssessment | null> {
  if (r.command.length === 0 || r.signal.aborted) return null;
  const prompt: Prompt = {
    model: r.model,
    instructions: ASSESSMENT_INSTRUCTIONS,
    input: [userMessage(commandMetadataMessage(r))],
    tools: [],
    ...(r.reasoning ? { reasoning: r.reasoning } : {}),
    conversationId: r.conversationId,
    textFormat: ASSESSMENT_TEXT_FORMAT,
  };
  const abort = new AbortController();
  const stop = () => abort.abort();
  const timer = setTimeout(stop, r.timeoutMs ?? ASSESSMENT_TIMEOUT_MS);
  r.signal.addEventListener("abort", stop, { once: true });
  let last: string | null = null;
  try {
    for await (const e of r.client.stream(prompt, abort.signal, { onRetry: () => {} })) {
      if (e.type === "item_done") last = itemText(e.item) ?? last;
      if (e.type === "completed") break;
    }
  } catch {
    return null; // timed out, interrupted, or the model failed: the approval goes out without a verdict
  } finally {
    clearTimeout(timer);
    r.signal.removeEventListener("abort", stop);
  }
  return parseAssessment(last);
}
