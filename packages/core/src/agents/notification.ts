import type { ResponseItemJson } from "../client/types.js";
import { type AgentStatus, statusJson } from "./status.js";

/**
 * What 0.166.0 adds to a parent's history when an agent it spawned (or resumed) first reaches a final status: a user
 * message `<subagent_notification>\n{"agent_path":"<agent id>","status":<status>}\n</subagent_notification>`, the
 * status as `wait_agent` shows it (`{"completed":"<last message>"}`, `"shutdown"`, …). Observed with the native
 * binary; it starts no turn (a running turn takes it before its next request, an idle thread's next turn sees it).
 */
export function subagentNotification(agentId: string, status: AgentStatus): ResponseItemJson {
  const body = JSON.stringify({ agent_path: agentId, status: statusJson(status) });
  return {
    type: "message",
    role: "user",
    content: [{ type: "input_text", text: `<subagent_notification>\n${body}\n</subagent_notification>` }],
  };
}
