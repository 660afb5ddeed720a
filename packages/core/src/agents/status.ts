/**
 * A sub-agent's status as 0.166.0 reports it: in tool outputs (snake case, a final message inside
 * `{completed: …}` / `{errored: …}`) and on the 0.166 protocol's `collabAgentToolCall` items (`CollabAgentState`).
 */
export type AgentStatus =
  | { kind: "pending_init" }
  | { kind: "running" }
  | { kind: "interrupted" }
  | { kind: "completed"; message: string | null }
  | { kind: "errored"; message: string }
  | { kind: "shutdown" }
  | { kind: "not_found" };

/** Statuses an agent does not leave on its own: `wait_agent` returns once one of its targets has one. */
export function isFinal(status: AgentStatus): boolean {
  return (
    status.kind === "completed" ||
    status.kind === "errored" ||
    status.kind === "shutdown" ||
    status.kind === "not_found" ||
    status.kind === "interrupted"
  );
}

/** The status in a tool output: `"pending_init"`, or `{"completed": "<last message>"}` for the final ones with text. */
export function statusJson(status: AgentStatus): unknown {
  if (status.kind === "completed") return { completed: status.message };
  if (status.kind === "errored") return { errored: status.message };
  return status.kind;
}

const WIRE: Record<AgentStatus["kind"], string> = {
  pending_init: "pendingInit",
  running: "running",
  interrupted: "interrupted",
  completed: "completed",
  errored: "errored",
  shutdown: "shutdown",
  not_found: "notFound",
};

/** The 0.166 protocol's `CollabAgentState` of a status. */
export function collabState(status: AgentStatus): { status: string; message: string | null } {
  const message = status.kind === "completed" || status.kind === "errored" ? status.message : null;
  return { status: WIRE[status.kind], message };
}
