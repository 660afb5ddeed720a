import type { CollabAgentToolCallItem } from "../events/extension.js";
import { type AgentStatus, collabState } from "./status.js";

type Tool = CollabAgentToolCallItem["tool"];

/**
 * The `collabAgentToolCall` item of one call, built up as 0.166.0 reports it: started with the receivers it names
 * (none yet for a spawn) and no agent states, then completed or failed with the states it saw.
 */
export class CollabCall {
  private item: CollabAgentToolCallItem;

  constructor(
    callId: string,
    tool: Tool,
    senderThreadId: string,
    o: {
      receivers?: string[];
      prompt?: string | null;
      model?: string | null;
      reasoningEffort?: string | null;
    },
  ) {
    this.item = {
      type: "collabAgentToolCall",
      id: callId,
      tool,
      status: "inProgress",
      senderThreadId,
      receiverThreadIds: o.receivers ?? [],
      prompt: o.prompt ?? null,
      model: o.model ?? null,
      reasoningEffort: o.reasoningEffort ?? null,
      agentsStates: {},
    };
  }

  started(): CollabAgentToolCallItem {
    return { ...this.item };
  }

  /** The item as it ends: `states` by thread id, and what else changed (a spawn's receiver and model). */
  ended(
    status: "completed" | "failed",
    states: ReadonlyMap<string, AgentStatus>,
    more: Partial<Pick<CollabAgentToolCallItem, "receiverThreadIds" | "model" | "reasoningEffort">> = {},
  ): CollabAgentToolCallItem {
    const agentsStates: CollabAgentToolCallItem["agentsStates"] = {};
    for (const [id, s] of states) agentsStates[id] = collabState(s);
    this.item = { ...this.item, ...more, status, agentsStates };
    return { ...this.item };
  }
}
