import { basename } from "node:path";
import type { SandboxPolicy } from "@codex-ts/config-loader";
import type { CollaborationModeKind } from "./collaboration-mode.js";

/** The per-turn settings the model is told about and that decide how tools run. */
export interface TurnSettings {
  cwd: string;
  approvalPolicy: "untrusted" | "on-failure" | "on-request" | "never";
  /**
   * Who decides what the approval policy asks (0.166's `approvals_reviewer`): the user (absent: the default), or
   * the automatic reviewer (`auto_review`, legacy `guardian_subagent`; src/guardian/).
   */
  approvalsReviewer?: "user" | "auto_review" | "guardian_subagent" | undefined;
  sandboxPolicy: SandboxPolicy;
  model: string;
  effort?: string | undefined;
  summary: string;
  /** True while `summary` is the config loader's default rather than a chosen one (`chosenSummary`). */
  summaryDefaulted?: boolean | undefined;
  /**
   * The `<collaboration_mode>` developer message of the thread's collaboration mode (0.166 threads), recorded
   * before the turn that first runs under it; undefined: none (the default mode of a new thread).
   */
  collaborationInstructions?: string | undefined;
  /**
   * The thread's collaboration mode (0.166's `collaborationMode.mode`); undefined: the default mode. Tools that
   * only work in one mode read it (`request_user_input` asks the user only in plan mode).
   */
  collaborationMode?: CollaborationModeKind | undefined;
}

function networkAccess(policy: SandboxPolicy): "enabled" | "restricted" {
  if (policy.mode === "danger-full-access") return "enabled";
  return policy.mode === "workspace-write" && policy.network_access ? "enabled" : "restricted";
}

function shellName(): string {
  return basename(process.env.SHELL ?? "bash");
}

/**
 * The `<environment_context>` user message. With `previous`, only the fields that changed are included, as Codex
 * sends when a later turn changes its settings; null when nothing changed.
 */
export function environmentContext(now: TurnSettings, previous?: TurnSettings): string | null {
  const lines: string[] = [];
  const changed = <T>(a: T, b: T | undefined) =>
    previous === undefined || JSON.stringify(a) !== JSON.stringify(b);
  if (changed(now.cwd, previous?.cwd)) lines.push(`  <cwd>${now.cwd}</cwd>`);
  if (changed(now.approvalPolicy, previous?.approvalPolicy))
    lines.push(`  <approval_policy>${now.approvalPolicy}</approval_policy>`);
  if (changed(now.sandboxPolicy, previous?.sandboxPolicy)) {
    lines.push(`  <sandbox_mode>${now.sandboxPolicy.mode}</sandbox_mode>`);
    lines.push(`  <network_access>${networkAccess(now.sandboxPolicy)}</network_access>`);
    const roots = now.sandboxPolicy.mode === "workspace-write" ? now.sandboxPolicy.writable_roots : [];
    if (roots.length) {
      lines.push("  <writable_roots>", ...roots.map((r) => `    <root>${r}</root>`), "  </writable_roots>");
    }
  }
  if (previous === undefined) lines.push(`  <shell>${shellName()}</shell>`);
  if (lines.length === 0) return null;
  return `<environment_context>\n${lines.join("\n")}\n</environment_context>`;
}

export function userMessage(text: string): Record<string, unknown> {
  return { type: "message", role: "user", content: [{ type: "input_text", text }] };
}

export function developerMessage(text: string): Record<string, unknown> {
  return { type: "message", role: "developer", content: [{ type: "input_text", text }] };
}

/**
 * The items every request starts with: developer instructions, AGENTS.md instructions, environment context. A 0.166
 * thread's `<skills_instructions>` section (`skillsInstructions`) is a second part of the developer message, after
 * the developer instructions, as 0.166.0 places it (its permissions instructions, which this server does not send,
 * follow it there).
 */
export function initialContext(
  settings: TurnSettings,
  developerInstructions: string | undefined,
  userInstructions: string | undefined,
  skillsInstructions?: string | null,
): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  const developer = [developerInstructions, skillsInstructions].filter((t): t is string => !!t);
  if (developer.length > 0) {
    items.push({
      type: "message",
      role: "developer",
      content: developer.map((text) => ({ type: "input_text", text })),
    });
  }
  if (userInstructions) {
    items.push(
      userMessage(
        `# AGENTS.md instructions for ${settings.cwd}\n\n<INSTRUCTIONS>\n${userInstructions}\n</INSTRUCTIONS>`,
      ),
    );
  }
  items.push(userMessage(environmentContext(settings)!));
  return items;
}

/** Our own base prompt (Codex's is not reused); `base_instructions` in config replaces it. */
export const DEFAULT_BASE_INSTRUCTIONS = [
  "You are a coding agent running in a terminal-based workspace on the user's machine.",
  "Work in the user's current directory. Use the `shell` tool to inspect files and run commands,",
  "`apply_patch` to edit files, and `update_plan` to keep a short plan for multi-step work.",
  "Respect the sandbox and approval settings described in the environment context; when a command needs",
  "permissions the sandbox does not give, ask for them with `with_escalated_permissions` and a justification.",
  "Be concise: report what you changed and what you verified.",
].join("\n");
