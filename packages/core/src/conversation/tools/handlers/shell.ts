import type { SandboxCommandAssessment } from "@codex-ts/app-server-protocol";
import * as ev from "../../../events/constructors.js";
import { truncateCommandForDisplay } from "../../../exec/command-display.js";
import { parseCommand } from "../../../exec/parse-command.js";
import {
  type RunCommandOptions,
  type RunCommandResult,
  runCommand,
  SandboxUnavailableError,
} from "../../../exec/run-command.js";
import { isKnownSafeCommand } from "../../../exec/safe-command.js";
import { execCommandEnd } from "../../../tools/exec-output.js";
import { patchFromShellCommand } from "../../../tools/shell-apply-patch.js";
import type { TurnSettings } from "../../context.js";
import { sandboxFailureMessage } from "../../sandbox-assessment.js";
import { TurnAborted } from "../../turn-aborted.js";
import { shellCommandArguments } from "../call-gate.js";
import type { ToolContext, ToolHandler } from "../context.js";
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
 * Runs a command between `exec_command_begin` and `exec_command_end`, asking for approval when the policy wants it
 * (the begin event comes first, as in 0.58.0) and offering an unconfined re-run after a sandbox denial.
 */
async function runShell(ctx: ToolContext, callId: string, args: Record<string, unknown>): Promise<string> {
  const command = Array.isArray(args.command) ? args.command.map(String) : [];
  if (command.length === 0)
    return "failed to parse function arguments: `command` must be a non-empty array of strings";
  const s = ctx.settings();
  const cwd = args.workdir ? ctx.resolvePath(String(args.workdir)) : s.cwd;
  // Events show the command cut to a readable size (a model can send megabytes of arguments); it runs whole.
  const view = { command: truncateCommandForDisplay(command), cwd, parsedCmd: parseCommand(command) };
  const key = JSON.stringify(command);
  const escalate = args.with_escalated_permissions === true;
  ctx.emit(ev.execCommandBegin(callId, view));
  const ask = async (reason: string | null, risk: SandboxCommandAssessment | null) => {
    const decision = await ctx.askApproval(callId, ev.execApprovalRequest(callId, view, reason, risk));
    if (decision === "abort") abortedByUser(ctx, callId);
    if (decision === "approved_for_session") ctx.approvedForSession.add(key);
    return decision;
  };
  let sandbox: TurnSettings["sandboxPolicy"] | null =
    s.sandboxPolicy.mode === "danger-full-access" ? null : s.sandboxPolicy;
  const sessionApproved = ctx.approvedForSession.has(key);
  const needsAsk =
    !sessionApproved &&
    ((s.approvalPolicy === "untrusted" && !isKnownSafeCommand(command)) ||
      (s.approvalPolicy === "on-request" && escalate));
  // Whether the user has approved this command (now or for the session): a sandbox failure then re-runs it
  // unconfined without asking a second time, as 0.58.0 does.
  let approved = sessionApproved;
  if (needsAsk) {
    const risk = await assess(ctx, command, null);
    const reason = escalate ? ((args.justification as string | undefined) ?? null) : null;
    if ((await ask(reason, risk)) === "denied") return rejected(ctx, callId);
    approved = true;
    if (escalate) sandbox = null;
  }
  const run = (policy: typeof sandbox) =>
    runOrRefuse({
      command,
      cwd,
      env: ctx.commandEnvironment(),
      sandbox: policy,
      signal: ctx.signal,
      timeoutMs: typeof args.timeout_ms === "number" ? args.timeout_ms : DEFAULT_SHELL_TIMEOUT_MS,
      onOutput: (stream, chunk) => ctx.emit(ev.execCommandOutputDelta(callId, stream, chunk)),
    });
  let result = await run(sandbox);
  if (ctx.signal.aborted) throw new TurnAborted();
  if (result.sandboxDenied && (s.approvalPolicy === "on-failure" || s.approvalPolicy === "untrusted")) {
    if (!approved) {
      const risk = await assess(ctx, command, sandboxFailureMessage(result));
      // Refusing the unconfined re-run is a rejection like any other: the model is told so, not shown the
      // sandbox failure (0.58.0).
      if ((await ask("command failed; retry without sandbox?", risk)) === "denied")
        return rejected(ctx, callId);
    }
    result = await run(null);
    if (ctx.signal.aborted) throw new TurnAborted();
  }
  const { end, forHistory } = execCommandEnd(result);
  ctx.emit(ev.execCommandEnd(callId, end));
  return forHistory;
}

/** The risk assessment of an approval request; an interrupt while it runs ends the turn. */
async function assess(ctx: ToolContext, command: string[], failureMessage: string | null) {
  const risk = await ctx.assessCommand(command, failureMessage);
  if (ctx.signal.aborted) throw new TurnAborted();
  return risk;
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
 * The user answered `abort`: the command is closed as rejected (unless an interrupt already ended the turn, which
 * closes what is open itself) and the turn ends as interrupted, as 0.58.0 does.
 */
function abortedByUser(ctx: ToolContext, callId: string): never {
  if (ctx.signal.aborted) throw new TurnAborted();
  throw new TurnAborted(rejected(ctx, callId));
}

/** Closes a refused command: `exec_command_end` with exit code -1 (0.58.0's), and the text the model gets. */
function rejected(ctx: ToolContext, callId: string): string {
  ctx.emit(
    ev.execCommandEnd(callId, {
      stdout: "",
      stderr: REJECTED,
      aggregated_output: REJECTED,
      exit_code: -1,
      duration: { secs: 0, nanos: 0 },
      formatted_output: REJECTED,
    }),
  );
  return REJECTED;
}
