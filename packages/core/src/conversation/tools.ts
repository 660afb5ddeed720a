import type { ToolSpec } from "../client/model-client.js";
import { type ApplyPatchToolType, FREEFORM_APPLY_PATCH_TOOL } from "./apply-patch-tool.js";

/**
 * The tools offered to the model. apply_patch is the function form unless `applyPatch` is "freeform" (see
 * `applyPatchToolType`); Chat providers only ever see the function tools.
 */
export function toolSpecs(o: {
  viewImage: boolean;
  webSearch: boolean;
  applyPatch?: ApplyPatchToolType;
}): ToolSpec[] {
  const tools: ToolSpec[] = [
    {
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
    },
    {
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
          },
        },
        required: ["plan"],
        additionalProperties: false,
      },
    },
  ];
  tools.push(o.applyPatch === "freeform" ? FREEFORM_APPLY_PATCH_TOOL : FUNCTION_APPLY_PATCH_TOOL);
  if (o.viewImage) {
    tools.push({
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
    });
  }
  if (o.webSearch) tools.push({ type: "web_search" });
  return tools;
}

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
