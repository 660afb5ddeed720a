import { utf8Prefix, utf8Suffix } from "./utf8-bounds.js";

/**
 * How a command's (or a patch's) result is written into the conversation, as 0.58.0 does it:
 * - the output is capped for the model (head and tail kept, the middle elided) — the same text is the event's
 *   `formatted_output`;
 * - the history / rollout item carries the JSON string `{"output":…,"metadata":{"exit_code":N,"duration_seconds":S}}`;
 * - requests re-render that JSON as `Exit code: N\nWall time: S seconds\nOutput:\n…` when the freeform apply_patch
 *   tool is offered (see `model-input.ts`), and send it as is otherwise.
 */

/** Outputs up to this many bytes and lines reach the model whole. */
export const MODEL_OUTPUT_MAX_BYTES = 10 * 1024;
export const MODEL_OUTPUT_MAX_LINES = 256;
const HEAD_LINES = MODEL_OUTPUT_MAX_LINES / 2;
const TAIL_LINES = MODEL_OUTPUT_MAX_LINES - HEAD_LINES;
const HEAD_BYTES = MODEL_OUTPUT_MAX_BYTES / 2;

/** Lines split after each `\n`, the newline kept (a final line without one counts too). */
function lineSegments(text: string): string[] {
  const segments = text.split(/(?<=\n)/);
  return segments.length === 1 && segments[0] === "" ? [] : segments;
}

/** Cheap check (runs for every output on every request): more than `max` lines, without splitting. */
function hasMoreLinesThan(text: string, max: number): boolean {
  let lines = 0;
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) {
    lines++;
    if (lines > max) return true;
  }
  // A last line without a newline counts too.
  return lines + (text.length > 0 && !text.endsWith("\n") ? 1 : 0) > max;
}

/**
 * Output as the model gets it: unchanged when within 10 KiB and 256 lines; otherwise `Total output lines: N`, a
 * blank line, the first 128 lines (at most 5 KiB), a marker — `[... omitted K of N lines ...]` when lines were
 * dropped, else `[... output truncated to fit 10240 bytes ...]` — and as much of the last 128 lines as fits the
 * 10 KiB left.
 */
export function truncateOutputForModel(content: string): string {
  const size = Buffer.byteLength(content, "utf8");
  if (size <= MODEL_OUTPUT_MAX_BYTES && !hasMoreLinesThan(content, MODEL_OUTPUT_MAX_LINES)) return content;
  const segments = lineSegments(content);
  const total = segments.length;
  const headTake = Math.min(HEAD_LINES, total);
  const tailTake = Math.min(TAIL_LINES, total - headTake);
  const omitted = total - headTake - tailTake;
  const head = segments.slice(0, headTake).join("");
  const tail = tailTake > 0 ? segments.slice(total - tailTake).join("") : "";
  const marker =
    omitted > 0
      ? `\n[... omitted ${omitted} of ${total} lines ...]\n\n`
      : size > MODEL_OUTPUT_MAX_BYTES
        ? `\n[... output truncated to fit ${MODEL_OUTPUT_MAX_BYTES} bytes ...]\n\n`
        : "";
  const markerBytes = Buffer.byteLength(marker, "utf8");
  let kept = utf8Prefix(head, Math.min(HEAD_BYTES, MODEL_OUTPUT_MAX_BYTES - markerBytes)) + marker;
  const remaining = MODEL_OUTPUT_MAX_BYTES - Buffer.byteLength(kept, "utf8");
  if (remaining > 0) kept += utf8Suffix(tail, remaining);
  return `Total output lines: ${total}\n\n${kept}`;
}

/** What a finished command contributes: the event's `formatted_output` and the history item's output string. */
export interface ToolOutput {
  formatted: string;
  forHistory: string;
}

/**
 * A command's result in both forms. A timed-out command's output starts with
 * `command timed out after <ms> milliseconds`. Seconds are rounded to one decimal.
 */
export function execToolOutput(r: {
  aggregatedOutput: string;
  exitCode: number;
  durationMs: number;
  timedOut?: boolean;
}): ToolOutput {
  const content = r.timedOut
    ? `command timed out after ${r.durationMs} milliseconds\n${r.aggregatedOutput}`
    : r.aggregatedOutput;
  const formatted = truncateOutputForModel(content);
  const seconds = Math.round(r.durationMs / 100) / 10;
  return { formatted, forHistory: structuredOutputJson(formatted, r.exitCode, seconds) };
}

/**
 * The JSON string kept in history. Written by hand so the seconds keep a decimal point (`0.0`, `2.0`) as
 * 0.58.0's serializer writes them; JSON.stringify would write `0`.
 */
function structuredOutputJson(output: string, exitCode: number, seconds: number): string {
  const secs = Number.isInteger(seconds) ? `${seconds}.0` : String(seconds);
  return `{"output":${JSON.stringify(output)},"metadata":{"exit_code":${exitCode},"duration_seconds":${secs}}}`;
}

/**
 * The text form of a stored structured output, or null when `raw` is not one (plain-text outputs such as
 * `exec command rejected by user` or `apply_patch verification failed: …` pass through unchanged). When the output
 * was cut by lines, the total moves from the output's head to its own `Total output lines: N` line.
 */
export function renderStructuredOutput(raw: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const { output, metadata } = parsed as { output?: unknown; metadata?: unknown };
  if (typeof output !== "string" || typeof metadata !== "object" || metadata === null) return null;
  const { exit_code: exitCode, duration_seconds: seconds } = metadata as Record<string, unknown>;
  if (!Number.isInteger(exitCode) || typeof seconds !== "number") return null;
  const lines = [`Exit code: ${exitCode}`, `Wall time: ${seconds} seconds`];
  let body = output;
  const total = omittedLinesTotal(output);
  if (total !== null) {
    lines.push(`Total output lines: ${total}`);
    body = withoutTotalHeader(output);
  }
  lines.push("Output:", body);
  return lines.join("\n");
}

/** N from the first `[... omitted K of N lines` marker; only a line cut produces one (a byte cut does not). */
function omittedLinesTotal(output: string): number | null {
  const at = output.indexOf("[... omitted ");
  if (at < 0) return null;
  const rest = output.slice(at);
  const of = rest.indexOf(" of ");
  if (of < 0) return null;
  const afterOf = rest.slice(of + 4);
  const space = afterOf.indexOf(" ");
  if (space < 0) return null;
  const digits = afterOf.slice(0, space);
  return /^\+?\d+$/.test(digits) && Number(digits) <= 0xffffffff ? Number(digits) : null;
}

function withoutTotalHeader(output: string): string {
  if (!output.startsWith("Total output lines: ")) return output;
  const nl = output.indexOf("\n");
  if (nl < 0) return output;
  const rest = output.slice(nl + 1);
  return rest.startsWith("\n") ? rest.slice(1) : rest;
}

/** The `exec_command_end` fields of a finished command (everything but `type` and `call_id`). */
export interface ExecEndFields {
  stdout: string;
  stderr: string;
  aggregated_output: string;
  exit_code: number;
  duration: { secs: number; nanos: number };
  formatted_output: string;
}

/**
 * The `exec_command_end` fields of a command that did not run to an exit of its own (it could not start, was
 * refused, timed out or was stopped): `text` as stderr, aggregated and formatted output, exit code -1, no duration.
 */
export function failedExecEnd(text: string): ExecEndFields {
  return {
    stdout: "",
    stderr: text,
    aggregated_output: text,
    exit_code: -1,
    duration: { secs: 0, nanos: 0 },
    formatted_output: text,
  };
}

/**
 * A finished command's `exec_command_end` fields and the history item's output. A command that could not be
 * started at all is reported as 0.58.0 does: `execution error: Io(Os { code, kind, message })` as stderr, aggregated
 * and formatted output and as the (plain-text) tool output, exit code -1, zero duration.
 */
export function execCommandEnd(r: {
  stdout: string;
  stderr: string;
  aggregatedOutput: string;
  exitCode: number;
  durationMs: number;
  timedOut?: boolean;
  spawnErrorDebug?: string;
}): { end: ExecEndFields; forHistory: string } {
  if (r.spawnErrorDebug !== undefined) {
    const text = `execution error: Io(${r.spawnErrorDebug})`;
    return { end: failedExecEnd(text), forHistory: text };
  }
  const output = execToolOutput(r);
  return {
    end: {
      stdout: r.stdout,
      stderr: r.stderr,
      aggregated_output: r.aggregatedOutput,
      exit_code: r.exitCode,
      duration: { secs: Math.floor(r.durationMs / 1000), nanos: (r.durationMs % 1000) * 1_000_000 },
      formatted_output: output.formatted,
    },
    forHistory: output.forHistory,
  };
}
