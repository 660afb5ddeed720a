import type { Duration, Result_of_CallToolResult_or_String } from "@codex-ts/app-server-protocol";
import * as ev from "../../../events/constructors.js";
import { type McpCallOutcome, mcpFunctionOutput } from "../../../mcp/call-output.js";
import {
  type McpConnectionManager,
  type McpProgress,
  progressMessage,
} from "../../../mcp/connection-manager.js";
import { resourceToolCall } from "../../../mcp/resource-tools.js";
import {
  guardianMcpAction,
  MCP_TOOL_CALL_REFUSED,
  mcpToolApprovalDecision,
  mcpToolApprovalRequest,
  persistMcpToolApproval,
  requiresMcpToolApproval,
} from "../../../mcp/tool-approval.js";
import { jsonSyntaxError } from "../../../tools/json-syntax-error.js";
import { routesToGuardian } from "../../guardian-approval.js";
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
  call: () => Promise<{ result: Result_of_CallToolResult_or_String; output: string; ran?: false }>,
): Promise<string> {
  ctx.emit(ev.mcpToolCallBegin(callId, invocation));
  const started = process.hrtime.bigint();
  const { result, output, ran } = await call();
  const duration = ran === false ? { secs: 0, nanos: 0 } : durationSince(started);
  ctx.emit(ev.mcpToolCallEnd(callId, invocation, duration, result));
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
  return (await runMcpToolCall(ctx, mcp, callId, target, rawArguments)).output;
}

/**
 * A namespaced MCP call (0.166.0's form, `gpt-5.5`): the same call and events, answered as 0.166.0 answers it — an
 * `input_text` list of the wall time followed by the result's content (texts as `input_text`, images as
 * `input_image`), or by the reason it failed.
 */
export async function namespacedMcpToolCall(
  ctx: ToolContext,
  mcp: McpConnectionManager,
  callId: string,
  target: { server: string; tool: string },
  rawArguments: string,
): Promise<unknown[]> {
  const started = process.hrtime.bigint();
  const { output, result } = await runMcpToolCall(ctx, mcp, callId, target, rawArguments);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const head = { type: "input_text", text: `Wall time: ${seconds.toFixed(4)} seconds\nOutput:` };
  return [head, ...mcpContentItems(result, output)];
}

/** A result as model input items; a failure (or arguments that are not JSON) as its text. */
function mcpContentItems(result: McpCallOutcome | null, failure: string): unknown[] {
  if (result === null) return [{ type: "input_text", text: failure }];
  if ("Err" in result) return [{ type: "input_text", text: result.Err }];
  return (result.Ok.content ?? []).map((block) => {
    const b = block as Record<string, unknown>;
    if (b.type === "text") return { type: "input_text", text: String(b.text ?? "") };
    if (b.type === "image" && typeof b.data === "string")
      return { type: "input_image", image_url: `data:${String(b.mimeType ?? "image/png")};base64,${b.data}` };
    return { type: "input_text", text: JSON.stringify(b) };
  });
}

/** The call between its events: the 0.58.0 text the model gets and the outcome (null when never made). */
async function runMcpToolCall(
  ctx: ToolContext,
  mcp: McpConnectionManager,
  callId: string,
  target: { server: string; tool: string },
  rawArguments: string,
): Promise<{ output: string; result: McpCallOutcome | null }> {
  let args: Record<string, unknown> | null = null;
  if (rawArguments.trim() !== "") {
    try {
      args = JSON.parse(rawArguments) as Record<string, unknown>;
    } catch (err) {
      // serde_json's words and position, as both reference binaries report them.
      return {
        output: `err: ${jsonSyntaxError(rawArguments, "display") ?? (err as Error).message}`,
        result: null,
      };
    }
  }
  const invocation = { server: target.server, tool: target.tool, arguments: args };
  let outcome: McpCallOutcome | null = null;
  const output = await betweenMcpEvents(ctx, callId, invocation, async () => {
    const refused = await approvalRefusal(ctx, mcp, callId, target, args);
    // A refused call ends at once, as 0.166.0 ends it: nothing ran, zero duration.
    if (refused !== null) {
      outcome = { Err: refused };
      return { result: outcome, output: mcpFunctionOutput(outcome), ran: false };
    }
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
    outcome = result;
    return { result, output: mcpFunctionOutput(result) };
  });
  return { output, result: outcome };
}

/**
 * Asks the user before the call when 0.166.0 would (see tool-approval.ts; only on threads whose client answers
 * MCP elicitations — 0.58.0 asks nobody); resolves with why the call may not run, or null when it may. Nobody is
 * asked in full access (approval policy `never` with the `danger-full-access` sandbox), for a tool configured
 * `approve`, an `auto` tool whose annotations need no approval, or one the user allowed for the session; under
 * `never` otherwise, a call that needs approval is refused. With the automatic reviewer on (`routesToGuardian`)
 * the reviewer decides instead of the user, as 0.166.0 has it: a denial ends the call with what the model is told
 * of it (0.166.0's rejection text), an interrupt ends the turn.
 */
async function approvalRefusal(
  ctx: ToolContext,
  mcp: McpConnectionManager,
  callId: string,
  target: { server: string; tool: string },
  args: Record<string, unknown> | null,
): Promise<string | null> {
  if (!ctx.mcpElicitations.enabled) return null;
  const { approvalPolicy, sandboxPolicy } = ctx.settings();
  if (approvalPolicy === "never" && sandboxPolicy.mode === "danger-full-access") return null;
  const mode = mcp.approvalMode(target.server, target.tool);
  if (mode === "approve") return null;
  const info = mcp.toolInfo(target.server, target.tool);
  const key = `${target.server}/${target.tool}`;
  if (mode === "auto") {
    const annotations = info?.definition.annotations as Record<string, unknown> | undefined;
    if (!requiresMcpToolApproval(annotations) || ctx.mcpElicitations.allowedTools.has(key)) return null;
  }
  if (approvalPolicy === "never") return MCP_TOOL_CALL_REFUSED.never;
  if (routesToGuardian(ctx.settings())) {
    const review = await ctx.reviewByGuardian(
      callId,
      guardianMcpAction(target.server, target.tool, args, info),
    );
    if (ctx.signal.aborted) throw new TurnAborted();
    if (review.decision === "approved") return null;
    return review.rejection ?? MCP_TOOL_CALL_REFUSED.decline;
  }
  const request = mcpToolApprovalRequest(target.server, target.tool, args, info, mode);
  const answer = await ctx.askMcpElicitation(target.server, request);
  if (ctx.signal.aborted) throw new TurnAborted();
  const decision = mcpToolApprovalDecision(answer, mode);
  if (decision === "decline" || decision === "cancel") return MCP_TOOL_CALL_REFUSED[decision];
  if (decision === "acceptForSession" || decision === "acceptAndRemember")
    ctx.mcpElicitations.allowedTools.add(key);
  if (decision === "acceptAndRemember")
    await persistMcpToolApproval(ctx.codexHome, target.server, target.tool).catch((err: Error) => {
      // Remembered for the session all the same (0.166.0 falls back the same way).
      process.stderr.write(`codex-ts: could not remember the approval of ${key}: ${err.message}\n`);
    });
  return null;
}

/** list_mcp_resources / list_mcp_resource_templates / read_mcp_resource (mcp/resource-tools.ts). */
export async function mcpResourceToolCall(
  ctx: ToolContext,
  callId: string,
  tool: string,
  rawArguments: string,
): Promise<string> {
  // A 0.166 family's calls are answered in 0.166.0's words.
  const call = resourceToolCall(
    ctx.mcp,
    tool,
    rawArguments,
    ctx.family().toolset === "0.58" ? "0.58" : "0.166",
  );
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
