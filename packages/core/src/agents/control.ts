import type { AgentRegistry } from "./registry.js";

/**
 * What one thread's multi-agent tools act on: the registry of its root thread, and where the thread stands in it
 * (its own id and depth: 0 for the root, the spawn depth for an agent).
 */
export interface AgentControl {
  registry: AgentRegistry;
  threadId: string;
  depth: number;
}

/** Whether a thread at `control`'s depth is offered the multi-agent tools (0.166.0: below `max_depth` only). */
export function offersAgentTools(control: AgentControl | null | undefined): boolean {
  return !!control && control.depth < control.registry.limits.maxDepth;
}
