import { resolve } from "node:path";
import type { InputItem as ProtocolInputItem, ReviewDecision } from "@codex-ts/app-server-protocol";
import type { ResponseItemJson } from "../client/types.js";
import type { UserInputAnswers } from "../events/extension.js";
import type { McpElicitationResponse } from "../mcp/types.js";
import type { ReviewRequest } from "../review/index.js";
import type { CollaborationModeKind } from "./collaboration-mode.js";
import type { TurnSettings } from "./context.js";

/**
 * An input item as the servers submit it: v1's `text`, `image` (a URL) or `localImage` (a path), or a `skill` a 0.166
 * client selected (0.166's `UserInput::Skill`: its `SKILL.md` joins the turn; the model's message leaves it out).
 */
export type InputItem = ProtocolInputItem | SkillInputItem;

export interface SkillInputItem {
  type: "skill";
  data: { name: string; path: string };
}

/**
 * What a conversation accepts (DESIGN.md `Op`). A `user_turn`'s `final_output_json_schema` (0.58.0's
 * `Op::UserTurn` field) is that turn's JSON schema for the model's answer, sent as the request's `text.format`; it
 * does not outlive the turn (null or absent: none).
 */
export type Op =
  | { type: "user_input"; items: InputItem[] }
  | ({
      type: "user_turn";
      items: InputItem[];
      final_output_json_schema?: unknown;
      /** The id of the turn's user message item (a server noted the client's id for it); a fresh one by default. */
      item_id?: string;
    } & Partial<TurnOpSettings>)
  /**
   * A turn the server starts on its own (0.166.0's goal continuation): its input is a user-role context message the
   * history and the rollout keep, announced to clients as no user message item.
   */
  | { type: "context_turn"; text: string }
  | ({ type: "override_turn_context" } & Partial<TurnOpSettings>)
  | { type: "exec_approval"; id: string; decision: ReviewDecision }
  | { type: "patch_approval"; id: string; decision: ReviewDecision }
  /** The answers to `request_user_input` call `id`; null: the user gave none (the call is cancelled). */
  | { type: "user_input_answer"; id: string; response: UserInputAnswers | null }
  /** The answer to MCP question `id` (`mcp_elicitation_request`); null: none (the question is cancelled). */
  | { type: "mcp_elicitation_answer"; id: string; response: McpElicitationResponse | null }
  | { type: "interrupt" }
  | { type: "compact" }
  /** 0.58.0's `Op::Review`: a code review as a turn of its own (tasks/review.ts). */
  | { type: "review"; review_request: ReviewRequest }
  /**
   * The user's own shell command (0.166's `thread/shellCommand`): run unsandboxed by the user's shell in the
   * thread's cwd, its outcome recorded for the model. Joins the running task if there is one, else a task of its own.
   */
  | { type: "user_shell_command"; command: string; timeout_ms?: number }
  /**
   * Response items appended to the history as given (0.166's `thread/inject_items`): the next model request sees
   * them and the rollout keeps them; nothing is announced. A running turn takes them before its next request.
   */
  | { type: "inject_items"; items: ResponseItemJson[] }
  | { type: "shutdown" };

/** The turn settings a `user_turn` or `override_turn_context` op may change, as clients name them. */
export interface TurnOpSettings {
  cwd: string;
  approval_policy: TurnSettings["approvalPolicy"];
  approvals_reviewer: NonNullable<TurnSettings["approvalsReviewer"]>;
  sandbox_policy: Record<string, unknown>;
  model: string;
  effort: string | null;
  summary: string;
  /** The collaboration mode's developer message (`TurnSettings.collaborationInstructions`). */
  collaboration_instructions: string;
  /** The collaboration mode itself (`TurnSettings.collaborationMode`). */
  collaboration_mode: CollaborationModeKind;
}

/** A sandbox policy as clients send it (v1 kebab-case or v2 camelCase modes) → the core's policy. */
export function sandboxPolicyFromWire(raw: Record<string, unknown>): TurnSettings["sandboxPolicy"] {
  const mode = String(raw.mode ?? raw.type ?? "read-only")
    .replace(/([A-Z])/g, "-$1")
    .toLowerCase();
  if (mode === "workspace-write") {
    return {
      mode,
      writable_roots: ((raw.writable_roots ?? raw.writableRoots ?? []) as string[]).map((r) => resolve(r)),
      network_access: Boolean(raw.network_access ?? raw.networkAccess ?? false),
      exclude_tmpdir_env_var: Boolean(raw.exclude_tmpdir_env_var ?? raw.excludeTmpdirEnvVar ?? false),
      exclude_slash_tmp: Boolean(raw.exclude_slash_tmp ?? raw.excludeSlashTmp ?? false),
    };
  }
  return mode === "danger-full-access" ? { mode } : { mode: "read-only" };
}

/** `settings` with the fields an op sets replaced (an absent field keeps its value; `effort: null` clears it). */
export function withTurnOpSettings(settings: TurnSettings, o: Partial<TurnOpSettings>): TurnSettings {
  return {
    ...settings,
    ...(o.cwd !== undefined ? { cwd: resolve(o.cwd) } : {}),
    ...(o.approval_policy !== undefined ? { approvalPolicy: o.approval_policy } : {}),
    ...(o.approvals_reviewer !== undefined ? { approvalsReviewer: o.approvals_reviewer } : {}),
    ...(o.sandbox_policy !== undefined ? { sandboxPolicy: sandboxPolicyFromWire(o.sandbox_policy) } : {}),
    ...(o.model !== undefined ? { model: o.model } : {}),
    ...(o.effort !== undefined ? { effort: o.effort ?? undefined } : {}),
    ...(o.summary !== undefined ? { summary: o.summary, summaryDefaulted: false } : {}),
    ...(o.collaboration_instructions !== undefined
      ? { collaborationInstructions: o.collaboration_instructions }
      : {}),
    ...(o.collaboration_mode !== undefined ? { collaborationMode: o.collaboration_mode } : {}),
  };
}
