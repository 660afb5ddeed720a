import type { SandboxCommandAssessment } from "@codex-ts/app-server-protocol";
import type { SandboxPolicy } from "@codex-ts/config-loader";
import * as ev from "../../events/constructors.js";
import { truncateCommandForDisplay } from "../../exec/command-display.js";
import { parseCommand } from "../../exec/parse-command.js";
import { isKnownSafeCommand } from "../../exec/safe-command.js";
import { ExecPolicyStore } from "../../execpolicy/files.js";
import { evaluateCommand } from "../../execpolicy/policy.js";
import type { GuardianAction } from "../../guardian/index.js";
import { TurnAborted } from "../turn-aborted.js";
import type { ToolContext } from "./context.js";

/**
 * A command a tool wants to run (the shell tools, exec_command), with what the approval flow needs to know about it.
 * `R` is the tool's own result type.
 */
export interface GuardedCommand<R> {
  callId: string;
  /** The argv the approval request shows, the risk assessment reads and `approved_for_session` remembers. */
  command: string[];
  /** Where it runs (shown in the approval request). */
  cwd: string;
  /** The model asked to run it outside the sandbox (`with_escalated_permissions`). */
  escalate: boolean;
  justification: string | null;
  /** Runs it, confined by `sandbox` (null: unconfined). */
  run(sandbox: SandboxPolicy | null): Promise<R>;
  /** The run ended in what looks like a sandbox denial (offers the unconfined re-run). */
  sandboxDenied(result: NoInfer<R>): boolean;
  /** The denial as the "retry without sandbox?" assessment reads it. */
  failureMessage(result: NoInfer<R>): string;
  /**
   * Closes a command that does not run (its events, if any) and returns what the model is told: refused by the
   * user, or, with `forbiddenBy`, by the rules files (the reason in 0.166.0's words).
   */
  reject(forbiddenBy?: string): string;
  /** How the automatic reviewer names the asking tool (absent: `shell`, from the shell tools). */
  reviewSource?: { source: "shell" | "unifiedExec"; tool: string };
}

export type GuardedOutcome<R> = { ran: R } | { rejected: string };

/**
 * The approval and sandbox flow every command tool shares (0.58.0's tool orchestrator): `untrusted` asks for a
 * command `isKnownSafeCommand` does not accept, `on-request` asks when the model asks for escalation (then runs it
 * unconfined), `approved_for_session` remembers the argv; a sandbox denial under `on-failure` / `untrusted` asks
 * "command failed; retry without sandbox?" and re-runs unconfined, without asking again when the user had already
 * approved the command. An `abort` answer or an interrupt ends the turn (`TurnAborted`). The caller emits the
 * command's begin event first, as 0.58.0 does, and its end events from the result.
 */
export async function runWithApproval<R>(ctx: ToolContext, g: GuardedCommand<R>): Promise<GuardedOutcome<R>> {
  const s = ctx.settings();
  // Events show the command cut to a readable size (a model can send megabytes of arguments); it runs whole.
  const view = {
    command: truncateCommandForDisplay(g.command),
    cwd: g.cwd,
    parsedCmd: parseCommand(g.command),
  };
  const key = JSON.stringify(g.command);
  const ask = async (reason: string | null, risk: SandboxCommandAssessment | null) => {
    const review: GuardianAction = {
      type: "command",
      source: g.reviewSource?.source ?? "shell",
      argv: g.command,
      cwd: g.cwd,
      justification: g.justification,
      tool: g.reviewSource?.tool ?? "shell",
    };
    const decision = await ctx.askApproval(
      g.callId,
      ev.execApprovalRequest(g.callId, view, reason, risk),
      review,
    );
    if (decision === "abort") {
      // Closed as refused (unless an interrupt already ended the turn, which closes what is open itself).
      if (ctx.signal.aborted) throw new TurnAborted();
      throw new TurnAborted(g.reject());
    }
    if (decision === "approved_for_session") ctx.approvedForSession.add(key);
    return decision;
  };
  let sandbox: SandboxPolicy | null = s.sandboxPolicy.mode === "danger-full-access" ? null : s.sandboxPolicy;
  // The user's rules (CODEX_HOME/rules, 0.166.0's exec policy) come first: a forbidden command never runs, one a
  // rule prompts for is asked about whatever the approval policy, one the rules allow runs unasked and unconfined.
  const verdict = evaluateCommand(ExecPolicyStore.for(ctx.codexHome).current(), g.command);
  if (verdict.kind === "forbidden") return { rejected: g.reject(verdict.reason) };
  if (verdict.kind === "allowed") return finish(ctx, await g.run(null));
  if (verdict.kind === "prompt") {
    if (s.approvalPolicy === "never") return { rejected: g.reject(PROMPT_CONFLICT_REASON) };
    if (!ctx.approvedForSession.has(key)) {
      const risk = await assess(ctx, g.command, null);
      if ((await ask(verdict.reason, risk)) === "denied") return refused(ctx, g);
    }
    return finish(ctx, await g.run(g.escalate ? null : sandbox));
  }
  const sessionApproved = ctx.approvedForSession.has(key);
  const needsAsk =
    !sessionApproved &&
    ((s.approvalPolicy === "untrusted" && !isKnownSafeCommand(g.command)) ||
      (s.approvalPolicy === "on-request" && g.escalate));
  // Whether the user has approved this command (now or for the session): a sandbox failure then re-runs it
  // unconfined without asking a second time, as 0.58.0 does.
  let approved = sessionApproved;
  if (needsAsk) {
    const risk = await assess(ctx, g.command, null);
    if ((await ask(g.escalate ? g.justification : null, risk)) === "denied") return refused(ctx, g);
    approved = true;
    if (g.escalate) sandbox = null;
  }
  let result = await g.run(sandbox);
  if (ctx.signal.aborted) throw new TurnAborted();
  if (g.sandboxDenied(result) && (s.approvalPolicy === "on-failure" || s.approvalPolicy === "untrusted")) {
    if (!approved) {
      const risk = await assess(ctx, g.command, g.failureMessage(result));
      // Refusing the unconfined re-run is a rejection like any other: the model is told so, not shown the
      // sandbox failure (0.58.0).
      if ((await ask("command failed; retry without sandbox?", risk)) === "denied") return refused(ctx, g);
    }
    result = await g.run(null);
    if (ctx.signal.aborted) throw new TurnAborted();
  }
  return { ran: result };
}

/** A refused approval: the user's refusal, or the automatic reviewer's with its reason for the model. */
function refused<R>(ctx: ToolContext, g: GuardedCommand<R>): GuardedOutcome<R> {
  return { rejected: g.reject(ctx.takeGuardianRejection(g.callId)) };
}

/** 0.166.0's reason for refusing a command a rule prompts for when the approval policy is `never`. */
const PROMPT_CONFLICT_REASON = "approval required by policy, but AskForApproval is set to Never";

/** A command that ran: an interrupt meanwhile ends the turn. */
function finish<R>(ctx: ToolContext, result: R): GuardedOutcome<R> {
  if (ctx.signal.aborted) throw new TurnAborted();
  return { ran: result };
}

/** The risk assessment of an approval request; an interrupt while it runs ends the turn. */
async function assess(ctx: ToolContext, command: string[], failureMessage: string | null) {
  const risk = await ctx.assessCommand(command, failureMessage);
  if (ctx.signal.aborted) throw new TurnAborted();
  return risk;
}
