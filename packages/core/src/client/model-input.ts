import { renderStructuredOutput, truncateOutputForModel } from "../tools/exec-output.js";
import { approxTokenCount, truncateText0166 } from "../tools/truncate-0166.js";
import { utf8Prefix, utf8Suffix } from "../tools/utf8-bounds.js";
import { pairCallOutputs } from "./call-outputs.js";
import type { ToolOutputLimit } from "./model-family.js";
import { normalizeResponseItem } from "./response-item.js";
import type { ToolSpec } from "./types.js";

type Item = Record<string, unknown>;

/** The room left a recorded 0.166 tool output over the token budget (its header and the serialization around it). */
const HISTORY_SLACK_0166 = 1.2;

/** Function tools whose outputs are structured command results. */
const COMMAND_TOOLS = new Set(["shell", "container.exec", "apply_patch"]);

/** Whether the request offers the freeform (grammar) apply_patch tool. */
export function offersFreeformApplyPatch(tools: readonly ToolSpec[]): boolean {
  return tools.some((t) => t.type === "custom" && t.name === "apply_patch");
}

/**
 * The history as a request sends it, following 0.58.0:
 * 1. every tool output (function_call_output / custom_tool_call_output) longer than 10 KiB or 256 lines is cut the
 *    same way command output is (`truncateOutputForModel`) — 0.58.0 does this when it records the item into the
 *    conversation's history, so it hits the whole stored string, JSON included (a JSON output cut this way no longer
 *    parses, and then goes out as cut text);
 * 2. when the freeform apply_patch tool is in the request (gpt-5-codex, gpt-5.1, codex-*), outputs answering a
 *    shell / container.exec / apply_patch call (or a local_shell_call) that are the structured JSON string
 *    `{"output","metadata":{exit_code,duration_seconds}}` are re-rendered as `Exit code: …\nWall time: …` text;
 *    without it (o3, gpt-5, gpt-oss, …) the JSON string goes out as stored.
 * 3. every item takes 0.58.0's serialized shape (`normalizeResponseItem`: no Responses item ids), which also covers
 *    histories from older rollouts or from clients that still carry them.
 * 4. calls without an output get an `aborted` one and outputs without a call are dropped (`pairCallOutputs`).
 * 5. ghost snapshots (undo points, `ghost_snapshot`) are left out: 0.58.0 keeps them in the history and the rollout
 *    but never sends them.
 * The rollout and the conversation's own history keep the tool outputs unchanged.
 * For 0.166.0's requests (`toolOutputLimit`, from the model family) step 1 is 0.166.0's cut instead: the
 * output over that many tokens (four bytes each; or bytes, for models outside its catalogue) keeps a head and a tail under a `Warning: truncated output` header
 * (`truncateText0166`), with a fifth more room than the budget: their exec_command outputs, already cut to the
 * budget with a few lines of header around them, pass unchanged (0.166.0 does not cut them again either). An
 * output that is a list of content items (a namespaced MCP call's) shares that budget among its `input_text` items
 * (`capContentItems`).
 */
export function formatInputForModel(
  input: Item[],
  tools: readonly ToolSpec[],
  toolOutputLimit: ToolOutputLimit | null = null,
): Item[] {
  const render = offersFreeformApplyPatch(tools);
  const roomy = toolOutputLimit && {
    unit: toolOutputLimit.unit,
    max: Math.ceil(toolOutputLimit.max * HISTORY_SLACK_0166),
  };
  // Content items share a budget counted in tokens (four bytes each).
  const roomyTokens = roomy && (roomy.unit === "tokens" ? roomy.max : Math.ceil(roomy.max / 4));
  const cap = (text: string) =>
    roomy === null ? truncateOutputForModel(text) : truncateText0166(text, roomy);
  const commandCalls = new Set<string>();
  return pairCallOutputs(input.filter((item) => item.type !== "ghost_snapshot")).map((item) =>
    normalizeResponseItem(formatOne(item)),
  );

  function formatOne(item: Item): Item {
    switch (item.type) {
      case "local_shell_call": {
        const id = item.call_id ?? item.id;
        if (typeof id === "string") commandCalls.add(id);
        return item;
      }
      case "function_call":
        if (COMMAND_TOOLS.has(String(item.name))) commandCalls.add(String(item.call_id));
        return item;
      case "custom_tool_call":
        if (item.name === "apply_patch") commandCalls.add(String(item.call_id));
        return item;
      case "function_call_output":
      case "custom_tool_call_output": {
        if (Array.isArray(item.output) && roomyTokens !== null) {
          const parts = capContentItems(item.output, roomyTokens);
          return parts === item.output ? item : { ...item, output: parts };
        }
        if (typeof item.output !== "string") return item;
        const answersCommand = commandCalls.delete(String(item.call_id));
        const capped = cap(item.output);
        const text = render && answersCommand ? (renderStructuredOutput(capped) ?? capped) : capped;
        return text === item.output ? item : { ...item, output: text };
      }
      default:
        return item;
    }
  }
}

/**
 * A content-item output within `maxTokens`, as 0.166.0 cuts a namespaced MCP call's answer (observed with the
 * native binary: a 1 MiB text came back as 47 964 bytes): the `input_text` items spend one budget in order; the
 * first that does not fit keeps a head and a tail of half the rest each around `…N tokens truncated…` (no
 * warning header), and later texts keep only the marker. Other items pass. 0.166.0 counts N from a text it has already
 * cut; here N is the tokens this cut removed.
 */
function capContentItems(parts: unknown[], maxTokens: number): unknown[] {
  let left = maxTokens;
  let changed = false;
  const out = parts.map((part) => {
    const p = part as { type?: unknown; text?: unknown };
    if (p?.type !== "input_text" || typeof p.text !== "string") return part;
    const tokens = approxTokenCount(Buffer.byteLength(p.text, "utf8"));
    if (tokens <= left) {
      left -= tokens;
      return part;
    }
    changed = true;
    const half = (left * 4) / 2;
    const removed = tokens - left;
    left = 0;
    return {
      ...p,
      text: `${utf8Prefix(p.text, half)}…${removed} tokens truncated…${utf8Suffix(p.text, half)}`,
    };
  });
  return changed ? out : parts;
}
