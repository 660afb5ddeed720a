import type { Conversation, CoreEvent } from "../../src/index.js";

/** An event as a test saw it, with when it arrived (for the tests that bound how long something took). */
export type SeenEvent = CoreEvent & { at: number };

/**
 * Collects a conversation's events. `until(type)` resolves with the first event of that type, already seen or still
 * to come; with `consume`, each `until` takes the next event of that type no earlier call has taken, so a test can
 * wait for the second `task_complete` by asking twice.
 */
export function watchEvents(c: Conversation, o: { consume?: boolean } = {}) {
  const events: SeenEvent[] = [];
  const taken = new Set<SeenEvent>();
  const waiters: { type: string; resolve: (e: SeenEvent) => void }[] = [];
  const take = (e: SeenEvent) => {
    if (o.consume) taken.add(e);
    return e;
  };
  c.subscribe((event) => {
    const e = { ...event, at: Date.now() };
    events.push(e);
    // Without `consume` every waiter for the type gets this event; with it, only the oldest.
    const matching = waiters.filter((w) => w.type === e.msg.type);
    for (const w of o.consume ? matching.slice(0, 1) : matching) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(take(e));
    }
  });
  const until = (type: string) =>
    new Promise<SeenEvent>((resolve) => {
      const found = events.find((e) => e.msg.type === type && !taken.has(e));
      if (found) resolve(take(found));
      else waiters.push({ type, resolve });
    });
  return {
    events,
    until,
    of: (type: string) => events.filter((e) => e.msg.type === type),
    types: () => events.map((e) => e.msg.type),
  };
}
