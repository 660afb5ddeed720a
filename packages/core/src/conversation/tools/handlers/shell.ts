import * as ev from "../../../events/constructors.js";
import { truncateCommandForDisplay } from "../../../exec/command-display.js";
import { parseCommand } from "../../../exec/parse-command.js";
import {
  type RunCommandOptions,
  type RunCommandResult,
  runCommand,
  SandboxUnavailableError,
} from "../../../exec/run-command.js";
import { execCommandEnd, failedExecEnd } from "../../../tools/exec-output.js";
import { patchFromShellCommand } from "../../../tools/shell-apply-patch.js";
import { rustDebugString } from "../../../unified-exec/args.js";
import { sandboxFailureMessage } from "../../sandbox-assessment.js";
import { shellCommandArguments } from "../call-gate.js";
import type { ToolContext, ToolHandler } from "../context.js";
import { runWithApproval } from "../exec-approval.js";
import { applyPatchAt } from "./apply-patch.js";

/** Codex gives shell commands a minute unless the model asks for another timeout. */
const DEFAULT_SHELL_TIMEOUT_MS = 60_000;

/** What 0.58.0 tells the model (and shows as the command's output) when the user refuses a command. */
const REJECTED = "exec command rejected by user";

/**
 * `shell` / `container.exec` (and local shell calls): an apply_patch invocation is applied as a patch in the call's
 * `workdir`, as 0.58.0 does; anything else runs as a command.
 */
export const shellHandler: ToolHandler = async (ctx, { callId, args }) => {
  const patch = Array.isArray(args.command) ? patchFromShellCommand(args.command.map(String)) : null;
  if (patch !== null) {
    const cwd = args.workdir ? ctx.resolvePath(String(args.workdir)) : ctx.settings().cwd;
    return applyPatchAt(ctx, callId, patch, cwd);
  }
  return runShell(ctx, callId, args);
};

/** `shell_command`: a script string, run by the user's shell (see `shellCommandArguments`). */
export const shellCommandHandler: ToolHandler = async (ctx, { callId, args }) => {
  const shellArgs = shellCommandArguments(args);
  if (shellArgs === null)
    return "failed to parse function arguments: invalid type: `command` must be a string";
  return runShell(ctx, callId, shellArgs);
};

/**
 * Runs a command between `exec_command_begin` and `exec_command_end`, through the shared approval and sandbox
 * flow (exec-approval.ts; the begin event comes first, as in 0.58.0).
 */
async function runShell(ctx: ToolContext, callId: string, args: Record<string, unknown>): Promise<string> {
  const command = Array.isArray(args.command) ? args.command.map(String) : [];
  if (command.length === 0)
    return "failed to parse function arguments: `command` must be a non-empty array of strings";
  const cwd = args.workdir ? ctx.resolvePath(String(args.workdir)) : ctx.settings().cwd;
  ctx.emit(
    ev.execCommandBegin(callId, {
      command: truncateCommandForDisplay(command),
      cwd,
      parsedCmd: parseCommand(command),
    }),
  );
  const outcome = await runWithApproval(ctx, {
    callId,
    command,
    cwd,
    escalate: args.with_escalated_permissions === true,
    justification: typeof args.justification === "string" ? args.justification : null,
    run: (sandbox) =>
      runOrRefuse({
        command,
        cwd,
        env: ctx.commandEnvironment(),
        sandbox,
        signal: ctx.signal,
        timeoutMs: typeof args.timeout_ms === "number" ? args.timeout_ms : DEFAULT_SHELL_TIMEOUT_MS,
        onOutput: (stream, chunk) => ctx.emit(ev.execCommandOutputDelta(callId, stream, chunk)),
      }),
    sandboxDenied: (result) => result.sandboxDenied,
    failureMessage: sandboxFailureMessage,
    reject: (forbiddenBy) => rejected(ctx, callId, forbiddenBy),
  });
  if ("rejected" in outcome) return outcome.rejected;
  const { end, forHistory } = execCommandEnd(outcome.ran);
  ctx.emit(ev.execCommandEnd(callId, end));
  return forHistory;
}

/** Runs the command; where no sandbox can be set up, the command fails with that message instead of running. */
async function runOrRefuse(o: RunCommandOptions): Promise<RunCommandResult> {
  try {
    return await runCommand(o);
  } catch (err) {
    if (!(err instanceof SandboxUnavailableError)) throw err;
    return {
      exitCode: 1,
      stdout: "",
      stderr: `${err.message}\n`,
      aggregatedOutput: `${err.message}\n`,
      durationMs: 0,
      timedOut: false,
      sandboxDenied: false,
    };
  }
}

/**
 * Closes a refused command: `exec_command_end` with exit code -1 (0.58.0's), and the text the model gets; a command
 * the rules files forbid is told their reason instead.
 */
function rejected(ctx: ToolContext, callId: string, forbiddenBy?: string): string {
  const text =
    forbiddenBy === undefined ? REJECTED : `execution error: Rejected(${rustDebugString(forbiddenBy)})`;
  ctx.emit(ev.execCommandEnd(callId, failedExecEnd(text)));
  return text;
}
