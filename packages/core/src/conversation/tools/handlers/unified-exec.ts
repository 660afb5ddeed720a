import * as ev from "../../../events/constructors.js";
import { parseCommand } from "../../../exec/parse-command.js";
import { renderStructuredOutput } from "../../../tools/exec-output.js";
import { patchFromShellCommand } from "../../../tools/shell-apply-patch.js";
import { decodeExecCommandArgs, decodeWriteStdinArgs, rustDebugString } from "../../../unified-exec/args.js";
import {
  type UnifiedExecEvent,
  UnifiedExecManager,
  type UnifiedExecOutcome,
} from "../../../unified-exec/manager.js";
import { escalationRefusal } from "../../../unified-exec/tool-specs.js";
import { sandboxFailureMessage } from "../../sandbox-assessment.js";
import { TurnAborted } from "../../turn-aborted.js";
import type { ToolContext, ToolHandler } from "../context.js";
import { runWithApproval } from "../exec-approval.js";
import { applyPatchAt } from "./apply-patch.js";

/**
 * What 0.58.0 tells the model when the user refuses (or aborts at) an exec_command approval: no session
 * is created. No `exec_command_end` is sent for it.
 */
export const EXEC_COMMAND_REJECTED =
  'exec_command failed: CreateSession { message: "Rejected(\\"rejected by user\\")" }';

/** What 0.166.0 tells the model of a command its rules refuse: the reason, wrapped as its error prints it. */
export function execCommandForbidden(reason: string): string {
  return `exec_command failed: CreateProcess { message: ${rustDebugString(`Rejected(${rustDebugString(reason)})`)} }`;
}

/**
 * `exec_command`: starts a command on a terminal of its own (unified-exec/) and answers what it printed within the
 * yield time, keeping a still-running command as a session for write_stdin. As 0.58.0: the arguments are decoded by
 * the tool itself (its serde wording), an escalation the policy cannot grant is refused before anything is sent,
 * `exec_command_begin` shows the bare `cmd` and comes before the approval, which shows `[shell, -lc, cmd]`; the
 * session's events (`exec_command_end` once it has ended, then the output as one delta) follow the call.
 */
export const execCommandHandler: ToolHandler = async (ctx, { callId, call }) => {
  const decoded = decodeExecCommandArgs(String(call.arguments ?? ""));
  if (!decoded.ok) return decoded.error;
  const args = decoded.args;
  const turn = ctx.settings();
  const refusal = escalationRefusal(turn.approvalPolicy, args.withEscalatedPermissions);
  if (refusal !== null) return refusal;
  // 0.166.0's exec_command (offered to gpt-5.5 and, on 0.166 threads, to models outside its catalogue; registered
  // for its code-mode models too) runs and is reported its own way.
  const family = ctx.family();
  const modern = family.toolset !== "0.58";
  const patch = modern ? patchFromShellCommand([args.shell, args.login ? "-lc" : "-c", args.cmd]) : null;
  if (patch !== null) return interceptedPatch(ctx, callId, patch, UnifiedExecManager.workdir(args, turn.cwd));
  const shellCommand = UnifiedExecManager.shellCommand(args);
  const announce = (phase: "announced" | "started" | "rejected", processId: string | null = null) =>
    ctx.notify(
      ev.unifiedExecCommand({
        phase,
        callId,
        command: shellCommand,
        parsedCmd: parseCommand(shellCommand),
        processId,
      }),
    );
  if (modern) announce("announced");
  ctx.emit(UnifiedExecManager.beginEvent(callId, args, turn.cwd));
  let spawned = false;
  const guarded = runWithApproval(ctx, {
    callId,
    command: shellCommand,
    cwd: UnifiedExecManager.workdir(args, turn.cwd),
    escalate: args.withEscalatedPermissions === true,
    justification: args.justification,
    run: (sandbox) =>
      ctx.unifiedExec.execCommand(args, {
        callId,
        cwd: turn.cwd,
        env: ctx.commandEnvironment(),
        sandbox,
        signal: ctx.signal,
        ...(modern
          ? {
              modern,
              outputLimit: family.toolOutputLimit,
              onSpawn: (processId: number) => {
                spawned = true;
                announce("started", String(processId));
              },
              // Still running when the call returned: its end, whenever it comes, belongs to this turn's item.
              onBackgroundEnd: (events: UnifiedExecEvent[]) => {
                for (const event of events) ctx.emit(event);
              },
            }
          : {}),
      }),
    sandboxDenied: (o) => o.sandboxDenied,
    failureMessage: (o) => sandboxFailureMessage(endOutput(o)),
    reject: (forbiddenBy) =>
      forbiddenBy === undefined ? EXEC_COMMAND_REJECTED : execCommandForbidden(forbiddenBy),
    reviewSource: { source: "unifiedExec", tool: "exec_command" },
  });
  // A command the user cancelled at its approval ends its 0.166 item as declined (0.58.0 reports nothing); an
  // interrupt (no output of its own) leaves the item open, as 0.166.0 does.
  const outcome = await guarded.catch((err: unknown) => {
    if (modern && !spawned && err instanceof TurnAborted && err.output !== undefined) announce("rejected");
    throw err;
  });
  if ("rejected" in outcome) {
    if (modern) announce("rejected");
    return outcome.rejected;
  }
  return answer(ctx, outcome.ran);
};

/**
 * `write_stdin`: feeds (or, with empty `chars`, polls) a kept session and answers what it printed within the yield
 * time. No approval and no begin event (0.58.0); the events carry the call id of the exec_command that started the
 * session. An interrupt while it waits drops what it had read, as 0.58.0 does; the session stays.
 */
export const writeStdinHandler: ToolHandler = async (ctx, { call }) => {
  const decoded = decodeWriteStdinArgs(String(call.arguments ?? ""));
  if (!decoded.ok) return decoded.error;
  const outcome = await ctx.unifiedExec.writeStdin(decoded.args, {
    signal: ctx.signal,
    outputLimit: ctx.family().toolOutputLimit,
    modern: ctx.family().toolset !== "0.58",
  });
  const output = answer(ctx, outcome);
  if (outcome.interaction) ctx.notify(ev.terminalInteraction(outcome.interaction));
  return output;
};

/**
 * 0.166.0's exec_command applies an `apply_patch <<'EOF' … EOF` script itself instead of running it (observed with
 * the native binary, for `gpt-5.5` and for models outside its catalogue, which are offered no apply_patch tool):
 * patch events (a `fileChange` item, no command item), approval as for the apply_patch tool, and the patch's
 * result under exec_command's own `Wall time` header.
 */
async function interceptedPatch(
  ctx: ToolContext,
  callId: string,
  patch: string,
  cwd: string,
): Promise<string> {
  const started = performance.now();
  const result = await applyPatchAt(ctx, callId, patch, cwd);
  const seconds = ((performance.now() - started) / 1000).toFixed(4);
  return `Wall time: ${seconds} seconds\nOutput:\n${renderStructuredOutput(result) ?? result}`;
}

/** The unified exec tools read their raw arguments themselves (their error texts name the tool). */
export const UNIFIED_EXEC_HANDLERS: ReadonlyMap<string, ToolHandler> = new Map([
  ["exec_command", execCommandHandler],
  ["write_stdin", writeStdinHandler],
]);

/** Emits a call's events in 0.58.0's order and returns its answer; an interrupted call reports nothing. */
function answer(ctx: ToolContext, outcome: UnifiedExecOutcome): string {
  if (ctx.signal.aborted) throw new TurnAborted();
  for (const event of outcome.events) ctx.emit(event);
  return outcome.output;
}

/** The ended command's output, as the sandbox assessment reads a failed run. */
function endOutput(o: UnifiedExecOutcome) {
  const end = o.events.find((e) => e.type === "exec_command_end");
  const text = (end?.type === "exec_command_end" ? end.aggregated_output : undefined) ?? "";
  return { aggregatedOutput: text, stdout: text, stderr: "", exitCode: o.exitCode ?? -1 };
}
