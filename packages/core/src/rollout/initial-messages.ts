import { EventMsg } from "@codex-ts/app-server-protocol";
import type { CodexEventMsg } from "../events/types.js";
import type { RolloutItem } from "./line.js";

/** The event types of 0.58.0's `EventMsg`, read from the protocol's schema on first use (it is built lazily). */
let eventTypes058: ReadonlySet<string> | null = null;

function knownTo058(type: string): boolean {
  eventTypes058 ??= new Set(EventMsg.options.flatMap((variant) => variant.shape.type.options as string[]));
  return eventTypes058.has(type);
}

/**
 * A v1 resume's `initialMessages`, as 0.58.0 gives them: the rollout's events of the kinds 0.58.0 knows, in order.
 * 0.58.0 skips the lines it cannot parse — 0.166.0's kinds, such as the `thread_settings_applied` it writes when it
 * resumes a thread, or its compaction's `context_compacted` — and does not replay `item_completed` (a 0.166 thread's
 * item records, most of which it cannot parse either). Checking the kind alone keeps a huge resume cheap.
 */
export function initialMessagesOf(items: readonly RolloutItem[]): CodexEventMsg[] {
  return items.flatMap((i) => (i.type === "event_msg" && isInitialMessage(i.payload) ? [i.payload] : []));
}

/** Whether an event of the rollout is one of 0.58.0's `initialMessages` (see `initialMessagesOf`). */
export function isInitialMessage(event: CodexEventMsg): boolean {
  return event.type !== "item_completed" && knownTo058(event.type);
}
