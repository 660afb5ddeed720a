import type { ToolSpec } from "../client/types.js";

const YIELD = {
  type: "number",
  description: "How long to wait (in milliseconds) for output before yielding.",
};
const MAX_TOKENS = {
  type: "number",
  description: "Maximum number of tokens to return. Excess output will be truncated.",
};

/**
 * `exec_command` as 0.58.0 offers it under `[features] unified_exec` (byte for byte, properties in its
 * alphabetical order; checked against the recorded request in test/fixtures/058/unified-exec-request.json).
 */
export const EXEC_COMMAND_TOOL: ToolSpec = {
  type: "function",
  name: "exec_command",
  description: "Runs a command in a PTY, returning output or a session ID for ongoing interaction.",
  strict: false,
  parameters: {
    type: "object",
    properties: {
      cmd: { type: "string", description: "Shell command to execute." },
      justification: {
        type: "string",
        description:
          "Only set if with_escalated_permissions is true. 1-sentence explanation of why we want to run this command.",
      },
      login: {
        type: "boolean",
        description: "Whether to run the shell with -l/-i semantics. Defaults to true.",
      },
      max_output_tokens: MAX_TOKENS,
      shell: { type: "string", description: "Shell binary to launch. Defaults to /bin/bash." },
      with_escalated_permissions: {
        type: "boolean",
        description:
          "Whether to request escalated permissions. Set to true if command needs to be run without sandbox restrictions",
      },
      workdir: {
        type: "string",
        description: "Optional working directory to run the command in; defaults to the turn cwd.",
      },
      yield_time_ms: YIELD,
    },
    required: ["cmd"],
    additionalProperties: false,
  },
};

/** `write_stdin` as 0.58.0 offers it next to `exec_command`. */
export const WRITE_STDIN_TOOL: ToolSpec = {
  type: "function",
  name: "write_stdin",
  description: "Writes characters to an existing unified exec session and returns recent output.",
  strict: false,
  parameters: {
    type: "object",
    properties: {
      chars: { type: "string", description: "Bytes to write to stdin (may be empty to poll)." },
      max_output_tokens: MAX_TOKENS,
      session_id: { type: "number", description: "Identifier of the running unified exec session." },
      yield_time_ms: YIELD,
    },
    required: ["session_id"],
    additionalProperties: false,
  },
};

/**
 * The tools 0.58.0 offers with unified exec on, in its order: exec_command and write_stdin take the place of
 * `shell` at the head of the list (the MCP resource tools, update_plan, apply_patch and view_image follow as before).
 */
export const UNIFIED_EXEC_TOOLS: readonly ToolSpec[] = [EXEC_COMMAND_TOOL, WRITE_STDIN_TOOL];

/** 0.58.0's Debug name of an approval policy, as its refusal texts print it. */
const POLICY_DEBUG: Record<string, string> = {
  untrusted: "UnlessTrusted",
  "on-failure": "OnFailure",
  "on-request": "OnRequest",
  never: "Never",
};

/**
 * What the model gets when it sets `with_escalated_permissions` under any approval policy but `on-request`
 * (sent before `exec_command_begin`; nothing runs), or null when the request may go on to approval.
 */
export function escalationRefusal(
  approvalPolicy: string,
  withEscalatedPermissions: boolean | null,
): string | null {
  if (!withEscalatedPermissions || approvalPolicy === "on-request") return null;
  const policy = POLICY_DEBUG[approvalPolicy] ?? approvalPolicy;
  return `approval policy is ${policy}; reject command — you cannot ask for escalated permissions if the approval policy is ${policy}`;
}
