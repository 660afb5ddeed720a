import type { gen0166 } from "@codex-ts/app-server-protocol";
import type { ItemOf0166, ItemTimes } from "../events/items-0166.js";

type Json = Record<string, unknown>;
type CollabItem = ItemOf0166<"collabAgentToolCall">;

/** The protocol's tool names and the ones 0.166.0's rollout records (`CollabAgentToolCall.tool`). */
const TOOL_RECORD: Record<gen0166.CollabAgentTool, string> = {
  spawnAgent: "spawn_agent",
  sendInput: "send_input",
  resumeAgent: "resume_agent",
  wait: "wait",
  closeAgent: "close_agent",
  sendMessage: "send_message",
  followupTask: "followup_task",
  interruptAgent: "interrupt_agent",
  listAgents: "list_agents",
};

const STATUS_RECORD: Record<gen0166.CollabAgentStatus, string> = {
  pendingInit: "pending_init",
  running: "running",
  interrupted: "interrupted",
  completed: "completed",
  errored: "errored",
  shutdown: "shutdown",
  notFound: "not_found",
};

const invert = <K extends string>(m: Record<K, string>) =>
  new Map(Object.entries(m).map(([k, v]) => [v as string, k as K]));
const TOOL_WIRE = invert(TOOL_RECORD);
const STATUS_WIRE = invert(STATUS_RECORD);

/** An agent's state as 0.166.0 records it: `"pending_init"`, or `{"completed": "<message>"}` for a final message. */
function stateRecord(s: gen0166.CollabAgentState): unknown {
  const status = STATUS_RECORD[s.status];
  return s.status === "completed" || s.status === "errored" ? { [status]: s.message ?? null } : status;
}

function stateWire(v: unknown): gen0166.CollabAgentState {
  if (typeof v === "string") return { status: STATUS_WIRE.get(v) ?? "notFound", message: null };
  const [key, message] = Object.entries((v ?? {}) as Json)[0] ?? ["not_found", null];
  return {
    status: STATUS_WIRE.get(key) ?? "notFound",
    message: typeof message === "string" ? message : null,
  };
}

/**
 * A multi-agent tool call's item as 0.166.0 records it in the rollout (`item_completed` with a
 * `CollabAgentToolCall`): snake case, `receiver_agents` (their nicknames, unknown to the item here: null), the
 * prompt, model and effort only where the item has them.
 */
export function collabItemRecord(item: CollabItem): Json {
  return {
    type: "CollabAgentToolCall",
    id: item.id,
    tool: TOOL_RECORD[item.tool],
    status: item.status === "inProgress" ? "in_progress" : item.status,
    sender_thread_id: item.senderThreadId,
    receiver_thread_ids: item.receiverThreadIds,
    receiver_agents: item.receiverThreadIds.map((id) => ({ thread_id: id, agent_nickname: null })),
    ...(item.prompt != null ? { prompt: item.prompt } : {}),
    ...(item.model != null ? { model: item.model } : {}),
    ...(item.reasoningEffort != null ? { reasoning_effort: item.reasoningEffort } : {}),
    agents_states: Object.fromEntries(
      Object.entries(item.agentsStates).map(([id, s]) => [id, stateRecord(s)]),
    ),
  };
}

/** A recorded `CollabAgentToolCall` (0.166.0's or ours) as the protocol's item. */
export function collabItemFromRecord(id: string, r: Json, times: ItemTimes): CollabItem {
  const strs = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  const status = str(r.status);
  const states = (r.agents_states ?? {}) as Json;
  return {
    type: "collabAgentToolCall",
    id,
    tool: TOOL_WIRE.get(str(r.tool) ?? "") ?? "wait",
    status: status === "failed" ? "failed" : status === "in_progress" ? "inProgress" : "completed",
    senderThreadId: str(r.sender_thread_id) ?? "",
    receiverThreadIds: strs(r.receiver_thread_ids),
    prompt: str(r.prompt),
    model: str(r.model),
    reasoningEffort: str(r.reasoning_effort) as gen0166.ReasoningEffort | null,
    agentsStates: Object.fromEntries(Object.entries(states).map(([k, v]) => [k, stateWire(v)])),
    ...times,
  };
}
