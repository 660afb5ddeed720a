import type { AgentRoleConfig } from "@codex-ts/config-loader";
import type { NamespacedFunction, ToolSpec } from "../client/types.js";
import { agentTypeDescription } from "./roles.js";

/** The namespace 0.166.0 offers its multi-agent tools in (version 1 of its multi-agent tools). */
export const MULTI_AGENT_NAMESPACE = "multi_agent_v1";

const INPUT_ITEMS = {
  type: "array",
  description: "Input items, for explicit mentions (app:// paths and the like) besides text.",
  items: {
    type: "object",
    properties: {
      audio_url: { type: "string", description: "An audio data URL (type audio)." },
      image_url: { type: "string", description: "An image URL (type image)." },
      name: { type: "string", description: "The display name (type skill or mention)." },
      path: {
        type: "string",
        description:
          "A path (type local_image, local_audio, skill) or a mention's target such as app://<connector-id>.",
      },
      text: { type: "string", description: "The text (type text)." },
      type: {
        type: "string",
        description: "text, image, local_image, audio, local_audio, skill or mention.",
      },
    },
    additionalProperties: false,
  },
};

const fn = (
  name: string,
  description: string,
  properties: Record<string, unknown>,
  required?: string[],
): NamespacedFunction => ({
  type: "function",
  name,
  description,
  strict: false,
  parameters: {
    type: "object",
    properties,
    ...(required ? { required } : {}),
    additionalProperties: false,
  },
});

/**
 * The multi-agent tools as 0.166.0 offers them (its names, parameters and order: close, resume, send, spawn, wait),
 * described in this server's words; `spawn_agent`'s `agent_type` lists the roles (`[agents.<role>]` and built-in).
 */
export const multiAgentTools = (roles: Record<string, AgentRoleConfig> = {}): ToolSpec => ({
  type: "namespace",
  name: MULTI_AGENT_NAMESPACE,
  description: "Tools for spawning and managing sub-agents.",
  tools: [
    fn(
      "close_agent",
      "Closes an agent (and its open descendants) once it is no longer needed; returns its status before it was closed. An agent counts toward the limit of open agents until it is closed.",
      { target: { type: "string", description: "The id of the agent to close (from spawn_agent)." } },
      ["target"],
    ),
    fn(
      "resume_agent",
      "Opens a closed agent again so that it can take send_input and wait_agent calls.",
      { id: { type: "string", description: "The id of the agent to resume." } },
      ["id"],
    ),
    fn(
      "send_input",
      "Sends a message to an open agent: queued behind its current task, or with interrupt=true handled at once.",
      {
        interrupt: {
          type: "boolean",
          description:
            "True stops the agent's current task and handles this message now; false or absent queues it.",
        },
        items: INPUT_ITEMS,
        message: { type: "string", description: "The message as plain text. Give message or items." },
        target: { type: "string", description: "The id of the agent to message (from spawn_agent)." },
      },
      ["target"],
    ),
    fn(
      "spawn_agent",
      "Starts a sub-agent on a well-scoped task that can run beside your own work; returns its id and nickname. It runs your model unless `model` says otherwise. Spawn agents only when the user (or the project's instructions) asks for sub-agents, delegation or parallel work.",
      {
        // Offered only with roles of the user's (0.166.0 offers no agent_type without one).
        ...(Object.keys(roles).length > 0
          ? { agent_type: { type: "string", description: agentTypeDescription(roles) } }
          : {}),
        fork_context: {
          type: "boolean",
          description: "True gives the agent this thread's history; false or absent only the task.",
        },
        items: INPUT_ITEMS,
        message: { type: "string", description: "The agent's task as plain text. Give message or items." },
        model: { type: "string", description: "Another model for the agent; leave out to use yours." },
        reasoning_effort: {
          type: "string",
          description: "Another reasoning effort for the agent; leave out to use yours.",
        },
      },
    ),
    fn(
      "wait_agent",
      "Waits until one of the agents reaches a final status (a completed agent's includes its last message). An empty status means the wait timed out.",
      {
        targets: {
          type: "array",
          description: "The ids of the agents to wait for; returns when any of them is done.",
          items: { type: "string" },
        },
        timeout_ms: {
          type: "number",
          description: "How long to wait in milliseconds: 30000 by default, at least 10000, at most 3600000.",
        },
      },
      ["targets"],
    ),
  ],
});

/** The tools with the built-in roles only. */
export const MULTI_AGENT_TOOLS: ToolSpec = multiAgentTools();
