import type { CodexEventParams } from "@codex-ts/app-server-protocol";
import { type CoreEvent, isCodexWireEvent } from "@codex-ts/core";

/** A v1 listener notification: `codex/event/<type>` with the event and its conversation. */
export interface CodexEventNotification {
  method: `codex/event/${string}`;
  params: CodexEventParams;
}

/**
 * A v1 listener notification: every core event as `codex/event/<type>` with the conversation id added, or null for
 * events v1 does not carry (the core's extensions to 0.58.0's `EventMsg`).
 */
export function toV1Notification(conversationId: string, event: CoreEvent): CodexEventNotification | null {
  if (!isCodexWireEvent(event.msg.type)) return null;
  return {
    method: `codex/event/${event.msg.type}`,
    params: { id: event.id, msg: event.msg, conversationId },
  };
}
