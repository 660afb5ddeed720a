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
 * Subscribes a 0.166 connection of a listening server to the threads it starts, forks or resumes (as 0.166.0
 * does; `thread/unsubscribe` is the handler's, through the connection's `ThreadFollows`); skill roots it sets
 * (`skills/changed`) are announced to the other connections. A resume by id subscribes before it is handled, so the
 * thread's notifications sent ahead of the answer (its loaded status) reach the asker; a failed resume undoes it.
 */
export function subscriptionObserver(hub: ThreadSubscribers, sub: Subscriber): RequestObserver {
  return (generation, req) => {
    if (generation !== "0.166") return undefined;
    switch (req.method) {
      // `thread/started` goes to every 0.166 connection from the handler (a fork's through the thread's channel).
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
      case "skills/extraRoots/set":
        // The roots are the server's: the other 0.166 connections hear `skills/changed` too (the asker heard it
        // from the handler, before its answer).
        return (outcome) => {
          if (outcome.ok) hub.announce(sub, "skills/changed", {});
        };
      default:
        return undefined;
    }
  };
}
