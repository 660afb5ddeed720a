import { agentToolHandlers } from "../../agents/tool-handlers.js";
import { MULTI_AGENT_NAMESPACE } from "../../agents/tool-specs.js";
import { toolSearchOutput } from "../../client/call-outputs.js";
import type { ResponseItemJson } from "../../client/types.js";
import { GOAL_TOOL_HANDLERS } from "../../goals/tool-handlers.js";
import { MCP_RESOURCE_TOOL_NAMES } from "../../mcp/resource-tools.js";
import { jsonSyntaxError } from "../../tools/json-syntax-error.js";
import { TurnAborted } from "../turn-aborted.js";
import { localShellArguments, unofferedToolAnswer, unregisteredToolAnswer0166 } from "./call-gate.js";
import type { ToolContext, ToolHandler, ToolResult } from "./context.js";
import { applyPatchHandler } from "./handlers/apply-patch.js";
import { mcpResourceToolCall, mcpToolCall, namespacedMcpToolCall } from "./handlers/mcp.js";
import { requestUserInputHandler } from "./handlers/request-user-input.js";
import { shellCommandHandler, shellHandler } from "./handlers/shell.js";
import { toolSearchCall } from "./handlers/tool-search.js";
import { UNIFIED_EXEC_HANDLERS } from "./handlers/unified-exec.js";
import { updatePlanHandler } from "./handlers/update-plan.js";
import { viewImageHandler } from "./handlers/view-image.js";

/** The built-in tools by the name the model calls them (a local shell call runs as `shell`). */
const HANDLERS: ReadonlyMap<string, ToolHandler> = new Map([
  ...GOAL_TOOL_HANDLERS,
  ["shell", shellHandler],
  ["container.exec", shellHandler],
  ["shell_command", shellCommandHandler],
  ["update_plan", updatePlanHandler],
  ["apply_patch", applyPatchHandler],
  ["view_image", viewImageHandler],
  ["request_user_input", requestUserInputHandler],
]);

/** A response's tool calls once run: each call's history items (its output, then any follow-up). */
export interface ToolRun {
  outputs: Map<ResponseItemJson, ResponseItemJson[]>;
  /** The turn was interrupted (or an approval answered `abort`) while they ran. */
  aborted: boolean;
}

/**
 * Runs a response's tool calls in order. Once the turn is interrupted (or the user answers `abort`), the call
 * being run and every later one report an aborted output instead (0.58.0 cancels them all), and `aborted` is set.
 */
export async function runTools(ctx: ToolContext, calls: readonly ResponseItemJson[]): Promise<ToolRun> {
  const outputs = new Map<ResponseItemJson, ResponseItemJson[]>();
  let aborted = false;
  for (const call of calls) {
    const started = Date.now();
    let abortOutput: string | undefined;
    if (!aborted && !ctx.signal.aborted) {
      try {
        // No tool runs before the turn's ghost snapshot has saved the state it may change.
        await ctx.snapshotRecorded();
        if (ctx.signal.aborted) throw new TurnAborted();
        outputs.set(call, await dispatch(ctx, call));
        continue;
      } catch (err) {
        if (!(err instanceof TurnAborted) && !ctx.signal.aborted) throw err;
        if (err instanceof TurnAborted) abortOutput = err.output;
      }
    }
    aborted = true;
    if (call.type === "tool_search_call") {
      outputs.set(call, [toolSearchOutput(String(call.call_id ?? ""), [])]);
      continue;
    }
    const shellFamily = ctx.family().toolset === "0.58" ? SHELL_FAMILY_058 : SHELL_FAMILY_0166;
    const text =
      abortOutput ??
      abortedToolOutput(shellFamily.has(String(call.name ?? "")), (Date.now() - started) / 1000);
    const type = call.type === "custom_tool_call" ? "custom_tool_call_output" : "function_call_output";
    outputs.set(call, [{ type, call_id: String(call.call_id ?? ""), output: text }]);
  }
  return { outputs, aborted };
}

/** The tools whose interrupted call reports its wall time: 0.58.0's shell tools; 0.166.0's `exec_command` family. */
const SHELL_FAMILY_058 = new Set(["shell", "container.exec", "local_shell"]);
const SHELL_FAMILY_0166 = new Set(["exec_command", "shell_command"]);

/**
 * What a tool call reports when the turn is interrupted while it runs (or before it could run), as 0.58.0 and
 * 0.166.0 word it: shell calls with their wall time, others with the time in seconds.
 */
function abortedToolOutput(shell: boolean, seconds: number): string {
  const secs = Math.max(0.1, seconds).toFixed(1);
  return shell ? `Wall time: ${secs} seconds\naborted by user` : `aborted by user after ${secs}s`;
}

/**
 * Routes one call as 0.58.0's router does: MCP tools (and 0.166.0's tool searches and namespaced MCP calls) first,
 * then the offered-tools gate (call-gate.ts: 0.58.0's, or 0.166.0's registered tools for its families), then the
 * MCP resource tools, then the unified exec tools (which decode their raw arguments themselves), then the arguments
 * (serde_json's wording when they are not JSON), then the built-in handler.
 */
async function dispatch(ctx: ToolContext, call: ResponseItemJson): Promise<ResponseItemJson[]> {
  // A local_shell_call (codex-mini-latest) may carry only its item id; it runs as the shell function.
  const callId = String(call.call_id ?? call.id ?? "");
  const name = call.type === "local_shell_call" ? "shell" : String(call.name ?? "");
  const output = (text: string): ResponseItemJson =>
    call.type === "custom_tool_call"
      ? { type: "custom_tool_call_output", call_id: callId, output: text }
      : { type: "function_call_output", call_id: callId, output: text };
  const answer = (r: ToolResult) => (typeof r === "string" ? [output(r)] : [output(r.output), ...r.followUp]);
  if (call.type === "tool_search_call") return [toolSearchCall(ctx, callId, call.arguments)];
  const namespace =
    call.type === "function_call" && typeof call.namespace === "string" ? call.namespace : null;
  if (namespace === MULTI_AGENT_NAMESPACE && ctx.agents) {
    const handler = agentToolHandlers(ctx.agents).get(name);
    if (handler) {
      const args = parseArguments(String(call.arguments ?? "{}"));
      if (typeof args === "string") return answer(args);
      return answer(await handler(ctx, { callId, call, args }));
    }
  }
  if (namespace !== null) {
    const target = ctx.mcp?.resolveNamespaced(namespace, name);
    // 0.166.0's words for a namespaced name it does not know (namespace and name run together).
    if (!ctx.mcp || !target) return answer(`unsupported call: ${namespace}${name}`);
    const items = await namespacedMcpToolCall(ctx, ctx.mcp, callId, target, String(call.arguments ?? ""));
    return [{ type: "function_call_output", call_id: callId, output: items }];
  }
  // The flat `mcp__<server>__<tool>` names are only the models' that are offered them (0.166.0 refuses them from
  // `gpt-5.5`, which finds its MCP tools through tool_search).
  const flatMcp = call.type === "function_call" && ctx.family().mcpTools === "functions";
  const mcpTool = flatMcp ? ctx.mcp?.resolve(name) : undefined;
  if (ctx.mcp && mcpTool)
    return answer(await mcpToolCall(ctx, ctx.mcp, callId, mcpTool, String(call.arguments ?? "")));
  const toolset = ctx.family().toolset;
  const refused =
    toolset === "0.58"
      ? unofferedToolAnswer(call, ctx.offeredTools())
      : unregisteredToolAnswer0166(call, ctx.offeredTools(), toolset === "unified");
  if (refused !== null) return answer(refused);
  if (call.type === "function_call" && MCP_RESOURCE_TOOL_NAMES.has(name))
    return answer(await mcpResourceToolCall(ctx, callId, name, String(call.arguments ?? "")));
  const unifiedExec = call.type === "function_call" ? UNIFIED_EXEC_HANDLERS.get(name) : undefined;
  if (unifiedExec) return answer(await unifiedExec(ctx, { callId, call, args: {} }));
  let args: Record<string, unknown> = call.type === "local_shell_call" ? localShellArguments(call) : {};
  if (call.type === "function_call") {
    const parsed = parseArguments(String(call.arguments ?? "{}"));
    if (typeof parsed === "string") return answer(parsed);
    args = parsed;
  }
  const handler = HANDLERS.get(name);
  return answer(handler ? await handler(ctx, { callId, call, args }) : `unsupported call: ${name}`);
}

/** A function call's arguments, or serde_json's words and position when they are not JSON (as 0.58.0 reports). */
function parseArguments(raw: string): Record<string, unknown> | string {
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch (err) {
    const syntax = jsonSyntaxError(raw) ?? (err as Error).message;
    return `failed to parse function arguments: ${syntax}`;
  }
}
