import {
  type GoalMethod0166,
  invalidRequest,
  type Protocol0166,
  type ProtocolPeer,
} from "@codex-ts/app-server-protocol";
import type { GoalStore, SessionsStore } from "@codex-ts/core";
import type { Handlers } from "../handler.js";
import { goalObject, storedGoalStatus } from "../threads/goal-wire.js";
import { parseThreadId, type ThreadRegistry } from "../threads/registry.js";

/** 0.166.0's longest objective, in characters. */
const MAX_OBJECTIVE_CHARS = 4000;

export interface GoalServices0166 {
  registry: ThreadRegistry;
  goals: GoalStore;
  sessions: SessionsStore | undefined;
  /** Where a goal change of a thread that is not loaded is announced (every 0.166 connection, as 0.166.0 does). */
  announcer: ProtocolPeer<Protocol0166>;
}

/**
 * `thread/goal/get`, `thread/goal/set` and `thread/goal/clear`: a stored thread's goal (loaded or not), kept in the
 * goals database 0.166.0 keeps it in (`GoalStore`). A change is answered, then announced (`thread/goal/updated` /
 * `thread/goal/cleared`); a loaded thread then works on an active goal (`GoalDriver`). Refusals in 0.166.0's words.
 */
export function createGoalHandlers0166(s: GoalServices0166): Handlers<Protocol0166, GoalMethod0166> {
  const { registry, goals } = s;

  /** The thread's id once it is known to be a stored thread: loaded and not ephemeral, or found in the store. */
  const storedThread = async (rawId: string): Promise<string> => {
    const id = parseThreadId(rawId);
    const loaded = registry.get(id);
    if (loaded?.meta.ephemeral) throw invalidRequest(`ephemeral thread does not support goals: ${id}`);
    if (!loaded && !(await s.sessions?.findPathById(id))) throw invalidRequest(`thread not found: ${id}`);
    return id;
  };
  const failed = (err: unknown) => invalidRequest(`thread goals are unavailable: ${(err as Error).message}`);
  const stored = <T>(work: () => T): T => {
    try {
      return work();
    } catch (err) {
      throw failed(err);
    }
  };

  return {
    async "thread/goal/get"(p) {
      const id = await storedThread(p.threadId);
      const goal = stored(() => goals.get(id));
      return { goal: goal ? goalObject(goal) : null };
    },

    async "thread/goal/set"(p, ctx) {
      const id = await storedThread(p.threadId);
      if (p.tokenBudget != null && p.tokenBudget <= 0)
        throw invalidRequest("goal budgets must be positive when provided");
      const objective = p.objective?.trim();
      if (objective !== undefined) {
        if (objective === "") throw invalidRequest("goal objective must not be empty");
        if ([...objective].length > MAX_OBJECTIVE_CHARS)
          throw invalidRequest(`goal objective must be at most ${MAX_OBJECTIVE_CHARS} characters`);
      }
      const status = p.status == null ? undefined : storedGoalStatus(p.status);
      const previous = stored(() => goals.get(id));
      const goal = stored(() =>
        objective !== undefined
          ? goals.replace(id, objective, status ?? "active", p.tokenBudget ?? null)
          : goals.update(id, {
              status,
              ...(p.tokenBudget !== undefined ? { tokenBudget: p.tokenBudget } : {}),
            }),
      );
      if (!goal) throw invalidRequest(`cannot update goal for thread ${id}: no goal exists`);
      const thread = registry.get(id);
      const hold = thread?.hold();
      try {
        const sent = await ctx.respond({ goal: goalObject(goal) });
        const updated = { threadId: id, turnId: null, goal: goalObject(goal) };
        if (thread) thread.send({ method: "thread/goal/updated", params: updated });
        else void s.announcer.notify("thread/goal/updated", updated);
        thread?.goals?.changed(goal, previous);
        return sent;
      } finally {
        hold?.release();
      }
    },

    async "thread/goal/clear"(p, ctx) {
      const id = await storedThread(p.threadId);
      const cleared = stored(() => goals.clear(id));
      const thread = registry.get(id);
      const sent = await ctx.respond({ cleared });
      if (cleared) {
        thread?.goals?.cleared();
        if (thread) thread.send({ method: "thread/goal/cleared", params: { threadId: id } });
        else void s.announcer.notify("thread/goal/cleared", { threadId: id });
      }
      return sent;
    },
  };
}
