import type { ToolSpec } from "../client/types.js";

// The tools 0.166.0 offers `gpt-5.5`, with its parameter names, types and enums (checked against the native
// binary's request to a mock model: test/request-0166.e2e.test.ts in the app-server package). The descriptions
// are this project's own words.

const OUTPUT_BUDGET = {
  type: "number",
  description: "Most output tokens to return (default 10000); longer output is cut in the middle.",
};

/** 0.166.0's `exec_command`: `sandbox_permissions` replaces 0.58.0's `with_escalated_permissions`. */
const EXEC_COMMAND_0166: ToolSpec = {
  type: "function",
  name: "exec_command",
  description: "Runs a command in a PTY, returning output or a session ID for ongoing interaction.",
  strict: false,
  parameters: {
    type: "object",
    properties: {
      cmd: { type: "string", description: "The shell command to run." },
      justification: {
        type: "string",
        description: "With `require_escalated` only: the question the user is asked to approve.",
      },
      login: {
        type: "boolean",
        description: "Run the shell as a login shell (-l); true unless set to false.",
      },
      max_output_tokens: OUTPUT_BUDGET,
      prefix_rule: {
        type: "array",
        description:
          'With `require_escalated` only: a command prefix the approval may cover from now on, e.g. ["git", "pull"].',
        items: { type: "string" },
      },
      sandbox_permissions: {
        type: "string",
        description:
          "`require_escalated` asks to run outside the sandbox; `use_default` (the default) does not.",
        enum: ["use_default", "require_escalated"],
      },
      shell: { type: "string", description: "The shell to start; the user's shell unless given." },
      tty: { type: "boolean", description: "Whether the command needs a terminal." },
      workdir: { type: "string", description: "Where to run the command; the turn's cwd unless given." },
      yield_time_ms: {
        type: "number",
        description: "How long to wait for output before answering (ms, default 10000, 250-30000).",
      },
    },
    required: ["cmd"],
    additionalProperties: false,
  },
};

const WRITE_STDIN_0166: ToolSpec = {
  type: "function",
  name: "write_stdin",
  description: "Writes characters to an existing unified exec session and returns recent output.",
  strict: false,
  parameters: {
    type: "object",
    properties: {
      chars: { type: "string", description: "What to write; empty (the default) only reads new output." },
      max_output_tokens: OUTPUT_BUDGET,
      session_id: { type: "number", description: "The session `exec_command` reported." },
      yield_time_ms: {
        type: "number",
        description: "How long to wait for output after writing (ms).",
      },
    },
    required: ["session_id"],
    additionalProperties: false,
  },
};

/** The unified exec pair 0.166.0 offers, in its order. */
export const UNIFIED_EXEC_TOOLS_0166: readonly ToolSpec[] = [EXEC_COMMAND_0166, WRITE_STDIN_0166];
