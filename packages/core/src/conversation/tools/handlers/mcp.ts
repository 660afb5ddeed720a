import type { Duration, Result_of_CallToolResult_or_String } from "@codex-ts/app-server-protocol";
import * as ev from "../../../events/constructors.js";
import { type McpCallOutcome, mcpFunctionOutput } from "../../../mcp/call-output.js";
import {
  type McpConnectionManager,
  type McpProgress,
  progressMessage,
} from "../../../mcp/connection-manager.js";
import { resourceToolCall } from "../../../mcp/resource-tools.js";
import { TurnAborted } from "../../turn-aborted.js";
import type { ToolContext } from "../context.js";

/** The time since `started` (`process.hrtime.bigint()`) as the MCP end event's `{secs, nanos}`. */
function durationSince(started: bigint): Duration {
  const elapsed = process.hrtime.bigint() - started;
  return { secs: Number(elapsed / 1_000_000_000n), nanos: Number(elapsed % 1_000_000_000n) };
}

/**
 * Runs `invocation` between `mcp_tool_call_begin` and `mcp_tool_call_end`; `call` gives the end event's result and
 * the text the model gets.
 */
async function betweenMcpEvents(
  ctx: ToolContext,
  callId: string,
  invocation: { server: string; tool: string; arguments: unknown },
  call: () => Promise<{ result: Result_of_CallToolResult_or_String; output: string }>,
): Promise<string> {
  ctx.emit(ev.mcpToolCallBegin(callId, invocation));
  const started = process.hrtime.bigint();
  const { result, output } = await call();
  ctx.emit(ev.mcpToolCallEnd(callId, invocation, durationSince(started), result));
  return output;
}

/** A call of an MCP server's tool (`mcp__<server>__<tool>`); arguments that are not JSON get no events. */
export async function mcpToolCall(
  ctx: ToolContext,
  mcp: McpConnectionManager,
  callId: string,
  target: { server: string; tool: string },
  rawArguments: string,
): Promise<string> {
  let args: Record<string, unknown> | null = null;
  if (rawArguments.trim() !== "") {
    try {
      args = JSON.parse(rawArguments) as Record<string, unknown>;
    } catch (err) {
      return `err: ${(err as Error).message}`;
    }
  }
  const invocation = { server: target.server, tool: target.tool, arguments: args };
  return betweenMcpEvents(ctx, callId, invocation, async () => {
    let result: McpCallOutcome;
    try {
      // Progress is an extension event (events/extension.ts): passed on, not recorded, for v2's
      // `item/mcpToolCall/progress`, which 0.58.0 declares but never sends.
      const onProgress = (p: McpProgress) => ctx.notify(ev.mcpToolCallProgress(callId, progressMessage(p)));
      result = { Ok: await mcp.callTool(target.server, target.tool, args, ctx.signal, onProgress) };
    } catch (err) {
      if (ctx.signal.aborted) throw new TurnAborted();
      result = { Err: `tool call error: ${(err as Error).message}` };
    }
    return { result, output: mcpFunctionOutput(result) };
  });
}

/** list_mcp_resources / list_mcp_resource_templates / read_mcp_resource (mcp/resource-tools.ts). */
export async function mcpResourceToolCall(
  ctx: ToolContext,
  callId: string,
  tool: string,
  rawArguments: string,
): Promise<string> {
  const call = resourceToolCall(ctx.mcp, tool, rawArguments);
  if (call.kind === "invalid") return call.output;
  return betweenMcpEvents(ctx, callId, call.invocation, async () => {
    const outcome = await call.run();
    return "Ok" in outcome
      ? {
          result: { Ok: { content: [{ type: "text", text: outcome.Ok }], isError: false } },
          output: outcome.Ok,
        }
      : { result: outcome, output: outcome.Err };
  });
}
