import type { ResponseItemJson } from "../client/types.js";
import type { InputItem } from "../conversation/op.js";

/** What a spawned agent thread starts with: its parent, depth and name, and what it inherits or overrides. */
export interface SpawnRequest {
  parentThreadId: string;
  depth: number;
  nickname: string;
  /** Overrides of the parent's model and reasoning effort (null: inherited). */
  model: string | null;
  reasoningEffort: string | null;
  /** The role it was spawned as (`agent_type`) and what the role's config file sets (null: no role named). */
  role: { name: string; developerInstructions: string | null } | null;
}

/** The model an agent thread runs, as the `collabAgentToolCall` item reports it. */
export interface SpawnedThread {
  threadId: string;
  model: string;
  reasoningEffort: string | null;
}

/**
 * Runs agent threads for the multi-agent tools: the app server's sub-agent host opens them as threads of its own
 * (their own rollouts, followed by its clients). It reports each thread's progress to `AgentRegistry.update`.
 */
export interface AgentThreadHost {
  /**
   * Why a spawn may not run `model` (null: the parent's) at `effort` (null: the model's default), in 0.166.0's
   * words (an unknown model, an effort the model does not support); null when it may.
   */
  refuseSpawn(parentThreadId: string, model: string | null, effort: string | null): string | null;
  /** Opens the thread (its first turn is the first `send`). */
  open(request: SpawnRequest): Promise<SpawnedThread>;
  /** Sends `items` to the thread (a new turn, or joins the running one); `interrupt` first stops what runs. */
  send(threadId: string, items: InputItem[], interrupt: boolean): Promise<void>;
  /** Stops the thread (interrupts its turn) and unloads it. */
  close(threadId: string): Promise<void>;
  /** Adds `item` to thread `threadId`'s history without starting a turn (a running turn takes it next). */
  inject(threadId: string, item: ResponseItemJson): void;
  /** Loads a closed thread again from its rollout; false when there is none. */
  resume(threadId: string): Promise<boolean>;
}
