import type { EventMsg } from "@codex-ts/app-server-protocol";
import type { ExtensionEventMsg } from "./extension.js";

/**
 * `token_count` as 0.58.0 sends and records it (its rate-limit windows are core's snake_case ones, which the
 * protocol's `EventMsg` now types as sent).
 */
export type TokenCountEvent = Extract<EventMsg, { type: "token_count" }>;

/** A 0.58.0 event as the core emits and records it: the protocol's `EventMsg`. */
export type CodexEventMsg = EventMsg;

/** Every event the core emits: a 0.58.0 event or an extension event (`isCodexWireEvent`). */
export type CoreEventMsg = CodexEventMsg | ExtensionEventMsg;

/** The variant of `CodexEventMsg` with this `type`. */
export type CodexEventOf<T extends CodexEventMsg["type"]> = Extract<CodexEventMsg, { type: T }>;

/**
 * A core event as subscribers receive it: the submission (turn) id it belongs to and the message. `msg` is typed as
 * the protocol's `EventMsg`, which the servers decode against; extension events are not quite that type (see
 * `toEventMsg`), and servers keep extension events apart with `isCodexWireEvent(msg.type)`.
 */
export interface CoreEvent {
  id: string;
  msg: EventMsg;
}

/**
 * A subscriber. It may answer an event with a promise (e.g. settled once the event is written to its client): the
 * turn then waits for it before reading more of the model's stream (`Session.drained`; an interrupt never waits),
 * which carries a slow client's backpressure up to the model stream. A rejected promise is ignored.
 */
export type CoreEventListener = (e: CoreEvent) => unknown;

/**
 * The one place a core event is handed over as the protocol's `EventMsg` (to subscribers). The core builds every
 * event as a `CoreEventMsg`; it differs from `EventMsg` only in extension events, which that union has no variant
 * for. Once the servers narrow with `isCodexWireEvent`, `CoreEvent.msg` can be a `CoreEventMsg` and this goes.
 */
export function toEventMsg(msg: CoreEventMsg): EventMsg {
  return msg as EventMsg;
}
