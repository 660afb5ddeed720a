import * as ev from "../../../events/constructors.js";
import { applyPatch, type PlannedChange, planChanges, toFileChanges } from "../../../tools/apply-patch.js";
import { EmptyPatchError, parsePatch } from "../../../tools/apply-patch-parser.js";
import { execToolOutput } from "../../../tools/exec-output.js";
import { assessPatchSafety } from "../../../tools/patch-safety.js";
import { TurnAborted } from "../../turn-aborted.js";
import type { ToolContext, ToolHandler } from "../context.js";

/** `apply_patch`: the freeform tool's input, or the function tool's `input` argument, applied in the turn's cwd. */
export const applyPatchHandler: ToolHandler = async (ctx, { callId, call, args }) => {
  const input = call.type === "custom_tool_call" ? String(call.input ?? "") : String(args.input ?? "");
  return applyPatchAt(ctx, callId, input, ctx.settings().cwd);
};

/**
 * Verifies a patch against the files in `cwd`, asks for approval when the policy wants it, and applies it between
 * `patch_apply_begin` and `patch_apply_end` (its output as `exec_command_output_delta`s, as 0.58.0's patch process
 * prints it), followed by the turn's diff. Returns the text the model gets.
 */
export async function applyPatchAt(
  ctx: ToolContext,
  callId: string,
  input: string,
  cwd: string,
): Promise<string> {
  const s = ctx.settings();
  let planned: PlannedChange[];
  try {
    planned = await planChanges(parsePatch(input), cwd);
  } catch (err) {
    if (err instanceof EmptyPatchError) return "patch rejected: empty patch";
    return `apply_patch verification failed: ${(err as Error).message}`;
  }
  const changes = toFileChanges(planned);
  // Every path the patch touches (move targets too), resolved through symlinks, against the writable roots:
  // `untrusted` asks for every edit, anything outside the roots needs the user (or is refused under `never`).
  const safety = await assessPatchSafety({
    changes: planned,
    cwd: s.cwd,
    sandboxPolicy: s.sandboxPolicy,
    approvalPolicy: s.approvalPolicy,
  });
  if (safety.decision === "reject") return safety.reason;
  const autoApproved = safety.decision === "auto-approve";
  if (!autoApproved) {
    // The automatic reviewer (when the turn routes approvals to it) sees every file the patch touches.
    const files = planned.flatMap((p) => (p.movePath ? [p.path, p.movePath] : [p.path]));
    const decision = await ctx.askApproval(callId, ev.applyPatchApprovalRequest(callId, changes), {
      type: "applyPatch",
      cwd,
      files,
      patch: input,
    });
    if (decision === "abort") throw new TurnAborted();
    if (decision === "denied") return ctx.takeGuardianRejection(callId) ?? "patch rejected by user";
  }
  await ctx.turnDiff.beforePatch(planned);
  ctx.emit(ev.patchApplyBegin(callId, autoApproved, changes));
  const started = Date.now();
  const result = await applyPatch(input, cwd);
  // 0.58.0 runs the patch as a child process, whose output reaches clients as output deltas before the end event.
  for (const [stream, text] of [
    ["stdout", result.stdout],
    ["stderr", result.stderr],
  ] as const) {
    if (text) ctx.emit(ev.execCommandOutputDelta(callId, stream, Buffer.from(text)));
  }
  ctx.emit(ev.patchApplyEnd(callId, result));
  await ctx.emitTurnDiff();
  return execToolOutput({
    aggregatedOutput: result.success ? result.stdout : result.stderr,
    exitCode: result.success ? 0 : 1,
    durationMs: Date.now() - started,
  }).forHistory;
}
