import { isCodexWireEvent } from "@codex-ts/core";
import type { CoreEvent } from "./core-events.js";

/**
 * A v1 listener notification: every core event as `codex/event/<type>` with the conversation id added, or null for
 * events v1 does not carry.
 */
export function toV1Notification(
  conversationId: string,
  event: CoreEvent,
): { method: string; params: unknown } | null {
  if (!isCodexWireEvent(event.msg.type)) return null;
  return {
    method: `codex/event/${event.msg.type}`,
    params: { id: event.id, msg: event.msg, conversationId },
  };
}
