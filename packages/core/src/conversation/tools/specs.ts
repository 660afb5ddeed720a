import type { AgentRoleConfig } from "@codex-ts/config-loader";
import { multiAgentTools } from "../../agents/tool-specs.js";
import type { ToolSpec } from "../../client/types.js";
import { GOAL_TOOLS } from "../../goals/tool-specs.js";
import { MCP_RESOURCE_TOOLS } from "../../mcp/resource-tools.js";
import { UNIFIED_EXEC_TOOLS } from "../../unified-exec/tool-specs.js";
import { UNIFIED_EXEC_TOOLS_0166 } from "../../unified-exec/tool-specs-0166.js";
import { type ApplyPatchToolType, FREEFORM_APPLY_PATCH_TOOL } from "../apply-patch-tool.js";

/**
 * The tools offered to the model, in 0.58.0's order: the shell (the built-in `local_shell` for codex-mini-latest;
 * exec_command + write_stdin with unified exec, which wins over both `local_shell` and `shell_command`),
 * the three MCP resource tools (offered even without MCP servers), update_plan, apply_patch in the form
 * `applyPatchToolType` chose (none when null), web_search, view_image. Chat providers only see the function tools.
 */
export function toolSpecs(o: {
  viewImage: boolean;
  webSearch: boolean;
  applyPatch: ApplyPatchToolType | null;
  localShell?: boolean;
  /** Feature `shell_command_tool`: `shell_command` (a script string) instead of the family's shell tool. */
  shellCommand?: boolean;
  /** Feature `unified_exec`: exec_command and write_stdin instead of any shell tool. */
  unifiedExec?: boolean;
}): ToolSpec[] {
  const shell: ToolSpec[] = o.unifiedExec
    ? [...UNIFIED_EXEC_TOOLS]
    : o.shellCommand
      ? [SHELL_COMMAND_TOOL]
      : o.localShell
        ? [{ type: "local_shell" }]
        : [SHELL_TOOL];
  const tools: ToolSpec[] = [...shell, ...MCP_RESOURCE_TOOLS, UPDATE_PLAN_TOOL];
  if (o.applyPatch === "freeform") tools.push(FREEFORM_APPLY_PATCH_TOOL);
  if (o.applyPatch === "function") tools.push(FUNCTION_APPLY_PATCH_TOOL);
  if (o.webSearch) tools.push({ type: "web_search" });
  if (o.viewImage) tools.push(VIEW_IMAGE_TOOL);
  return tools;
}

/**
 * The tools 0.166.0 offers `gpt-5.5` (the `unified` toolset of its model family), in its order: exec_command and
 * write_stdin, the three MCP resource tools when the thread has MCP servers (`mcpResources`), request_user_input,
 * the freeform apply_patch, view_image with its `detail`, the goal tools on a stored thread (`goals`), `tool_search`
 * when MCP tools are deferred behind it (`toolSearch`), and web_search unless `web_search = "disabled"` (live or
 * the cached index, as request-shape.ts's `webSearchMode` decides). No update_plan. (0.166.0 also offers tool_search without MCP tools, for its multi-agent tools,
 * which this server does not have: README, 0.166 differences.)
 *
 * `generic`: what 0.166.0 offers a model outside its catalogue instead (observed with the native binary): no
 * apply_patch and no tool_search, view_image without `detail`, the MCP tools in the request as one namespace per
 * server (`mcpNamespaces`, after view_image), web_search without `search_content_types`. `multiAgent`: the
 * `multi_agent_v1` namespace (sub-agents, agents/), right after view_image, as 0.166.0 offers it to these models.
 */
export function toolSpecs0166(o: {
  webSearch: "live" | "cached" | "disabled";
  goals?: boolean;
  mcpResources?: boolean;
  toolSearch?: ToolSpec | null;
  generic?: boolean;
  mcpNamespaces?: readonly ToolSpec[];
  multiAgent?: boolean;
  /** The `[agents.<role>]` roles `spawn_agent` lists (besides the built-in ones). */
  agentRoles?: Record<string, AgentRoleConfig>;
  /** The `shell_tool` feature: off, no exec_command / write_stdin (0.166.0's). */
  shellTool?: boolean;
}): ToolSpec[] {
  const tools: ToolSpec[] = [
    ...(o.shellTool === false ? [] : UNIFIED_EXEC_TOOLS_0166),
    ...(o.mcpResources ? MCP_RESOURCE_TOOLS : []),
    REQUEST_USER_INPUT_TOOL,
    ...(o.generic ? [VIEW_IMAGE_TOOL] : [FREEFORM_APPLY_PATCH_TOOL, VIEW_IMAGE_TOOL_0166]),
    ...(o.generic && o.multiAgent ? [multiAgentTools(o.agentRoles)] : []),
    ...(o.mcpNamespaces ?? []),
  ];
  if (o.goals) tools.push(...GOAL_TOOLS);
  if (o.toolSearch) tools.push(o.toolSearch);
  if (o.webSearch !== "disabled")
    tools.push({
      type: "web_search",
      external_web_access: o.webSearch === "live",
      ...(o.generic ? {} : { search_content_types: ["text", "image"] }),
    });
  return tools;
}

const SHELL_TOOL: ToolSpec = {
  type: "function",
  name: "shell",
  description: "Runs a shell command and returns its output.",
  strict: false,
  parameters: {
    type: "object",
    properties: {
      command: { type: "array", items: { type: "string" }, description: "The command to execute" },
      workdir: { type: "string", description: "The working directory to execute the command in" },
      timeout_ms: { type: "number", description: "The timeout for the command in milliseconds" },
      with_escalated_permissions: {
        type: "boolean",
        description:
          "Whether to request escalated permissions. Set to true if the command needs to run outside the sandbox",
      },
      justification: {
        type: "string",
        description: "Only set with with_escalated_permissions: why it is needed",
      },
    },
    required: ["command"],
    additionalProperties: false,
  },
};

/** The same parameters as `shell`, but `command` is one script for the user's shell (`<shell> -lc <command>`). */
const SHELL_COMMAND_TOOL: ToolSpec = {
  type: "function",
  name: "shell_command",
  description: "Runs a shell script in the user's default shell and returns its output.",
  strict: false,
  parameters: {
    type: "object",
    properties: {
      ...(SHELL_TOOL.type === "function"
        ? (SHELL_TOOL.parameters.properties as Record<string, unknown>)
        : {}),
      command: { type: "string", description: "The script to run in the user's default shell" },
    },
    required: ["command"],
    additionalProperties: false,
  },
};

const UPDATE_PLAN_TOOL: ToolSpec = {
  type: "function",
  name: "update_plan",
  description: "Updates the task plan: a short list of steps, each pending, in_progress or completed.",
  strict: false,
  parameters: {
    type: "object",
    properties: {
      explanation: { type: "string" },
      plan: {
        type: "array",
        items: {
          type: "object",
          properties: {
            step: { type: "string" },
            status: { type: "string", description: "One of: pending, in_progress, completed" },
          },
          required: ["step", "status"],
          additionalProperties: false,
        },
        description: "The steps of the plan, in order",
      },
    },
    required: ["plan"],
    additionalProperties: false,
  },
};

const VIEW_IMAGE_TOOL: ToolSpec = {
  type: "function",
  name: "view_image",
  description: "Attach a local image (by filesystem path) to the conversation context for this turn.",
  strict: false,
  parameters: {
    type: "object",
    properties: { path: { type: "string", description: "Local filesystem path to an image file" } },
    required: ["path"],
    additionalProperties: false,
  },
};

/** 0.166.0's view_image: `detail` may ask for the image as it is (`original`); this server always sends it so. */
const VIEW_IMAGE_TOOL_0166: ToolSpec = {
  type: "function",
  name: "view_image",
  description: "Shows the model a local image file (by its path) when it needs to look at one.",
  strict: false,
  parameters: {
    type: "object",
    properties: {
      detail: {
        type: "string",
        description: "`high` (the default) or `original` for the image at its own resolution.",
        enum: ["high", "original"],
      },
      path: { type: "string", description: "The image file's path." },
    },
    required: ["path"],
    additionalProperties: false,
  },
};

const FUNCTION_APPLY_PATCH_TOOL: ToolSpec = {
  type: "function",
  name: "apply_patch",
  description:
    "Edits files with a patch: `*** Begin Patch`, then `*** Add File: path` / `*** Delete File: path` / `*** Update File: path` hunks with @@ context and +/- lines, then `*** End Patch`.",
  strict: false,
  parameters: {
    type: "object",
    properties: {
      input: { type: "string", description: "The entire contents of the apply_patch command" },
    },
    required: ["input"],
    additionalProperties: false,
  },
};

/** The tool as offered (this server's descriptions; 0.166.0's parameters and constraints). */
const REQUEST_USER_INPUT_TOOL: ToolSpec = {
  type: "function",
  name: "request_user_input",
  description:
    "Asks the user one to three short questions, each with a few choices, and waits for the answers. Only available in Plan mode.",
  strict: false,
  parameters: {
    type: "object",
    properties: {
      questions: {
        type: "array",
        description: "The questions to ask; one is best, three at most.",
        items: {
          type: "object",
          properties: {
            header: {
              type: "string",
              description: "A short label for the question (12 characters or fewer).",
            },
            id: { type: "string", description: "A stable snake_case id the answer is returned under." },
            options: {
              type: "array",
              description:
                'Two or three mutually exclusive choices, the recommended one first with "(Recommended)" after its label. Leave out an "Other" choice: the user can always answer in their own words.',
              items: {
                type: "object",
                properties: {
                  description: {
                    type: "string",
                    description: "One short sentence on what choosing it means.",
                  },
                  label: {
                    type: "string",
                    description: "The choice as the user sees it (one to five words).",
                  },
                },
                required: ["label", "description"],
                additionalProperties: false,
              },
            },
            question: { type: "string", description: "The question, in one sentence." },
          },
          required: ["id", "header", "question", "options"],
          additionalProperties: false,
        },
      },
    },
    required: ["questions"],
    additionalProperties: false,
  },
};
