import { parseUuid } from "@codex-ts/app-server-protocol";
import type { RequestObserver } from "../server.js";
import type { Subscriber, ThreadSubscribers } from "./thread-subscribers.js";

function threadIdOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const thread = (value as { thread?: unknown }).thread;
  if (typeof thread !== "object" || thread === null) return undefined;
  const id = (thread as { id?: unknown }).id;
  return typeof id === "string" ? id : undefined;
}

function paramThreadId(params: unknown): string | undefined {
  if (typeof params !== "object" || params === null) return undefined;
  const raw = (params as { threadId?: unknown }).threadId;
  if (typeof raw !== "string") return undefined;
  try {
    return parseUuid(raw);
  } catch {
    return undefined;
  }
}

/**
 * Subscribes a 0.166 connection of a listening server to the threads it starts, forks or resumes (as later Codex
 * does), and unsubscribes it on `thread/unsubscribe`. A resume by id subscribes before it is handled, so the
 * thread's notifications sent ahead of the answer (its loaded status) reach the asker; a failed resume undoes it.
 */
export function subscriptionObserver(hub: ThreadSubscribers, sub: Subscriber): RequestObserver {
  return (generation, req) => {
    if (generation !== "0.166") return undefined;
    switch (req.method) {
      case "thread/start":
      case "thread/fork":
        return (outcome) => {
          const id = outcome.ok ? threadIdOf(outcome.result) : undefined;
          if (id) hub.subscribe(sub, id);
        };
      case "thread/resume": {
        const early = paramThreadId(req.params);
        const added = early !== undefined && !hub.isSubscribed(sub, early);
        if (early !== undefined) hub.subscribe(sub, early);
        return (outcome) => {
          const id = outcome.ok ? threadIdOf(outcome.result) : undefined;
          if (id) hub.subscribe(sub, id);
          else if (added && early !== undefined) hub.unsubscribe(sub, early);
        };
      }
      case "thread/unsubscribe": {
        const id = paramThreadId(req.params);
        return (outcome) => {
          if (outcome.ok && id !== undefined) hub.unsubscribe(sub, id);
        };
      }
      default:
        return undefined;
    }
  };
}
