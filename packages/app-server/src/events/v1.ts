import type { CoreEvent } from "./core-events.js";

/** A v1 listener notification: every core event as `codex/event/<type>` with the conversation id added. */
export function toV1Notification(
  conversationId: string,
  event: CoreEvent,
): { method: string; params: unknown } {
  return {
    method: `codex/event/${event.msg.type}`,
    params: { id: event.id, msg: event.msg, conversationId },
  };
}
