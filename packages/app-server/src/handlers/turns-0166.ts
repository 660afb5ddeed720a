import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import {
  type gen0166,
  internalError,
  invalidRequest,
  type Protocol0166,
} from "@codex-ts/app-server-protocol";
import { type InputItem, SteerError, type SteerRefusal } from "@codex-ts/core";
import type { Handlers } from "../handler.js";
import type { LoadedThread } from "../threads/loaded-thread.js";
import type { ThreadRegistry } from "../threads/registry.js";
import { applySettings } from "../threads/settings.js";
import { checkInputSize, inputItem0166 } from "../threads/user-input-0166.js";

/** A refused `turn/steer` in 0.166.0's words (clients match them). */
function steerRefusal(r: SteerRefusal): Error {
  switch (r.kind) {
    case "no_active_turn":
      return invalidRequest("no active turn to steer");
    case "expected_turn_mismatch":
      return invalidRequest(`expected active turn id \`${r.expected}\` but found \`${r.actual}\``);
    case "empty_input":
      return invalidRequest("input must not be empty");
    case "not_steerable":
      return invalidRequest(`cannot steer a ${r.turnKind} turn`);
  }
}

/**
 * Steers `items` into the thread's running turn (as `turn/steer` would) and gives that turn's id; null when no turn
 * takes input any more (it just ended, or has not started yet), so that the caller starts a new one.
 */
function joinRunningTurn(
  thread: LoadedThread,
  items: InputItem[],
  clientUserMessageId: string | null | undefined,
): string | null {
  const itemId = randomUUID();
  if (clientUserMessageId) thread.mapper.noteClientId(itemId, clientUserMessageId);
  try {
    return thread.conversation.steer(items, { itemId });
  } catch (err) {
    if (err instanceof SteerError && err.refusal.kind === "no_active_turn") return null;
    if (err instanceof SteerError) throw steerRefusal(err.refusal);
    throw err;
  }
}

/**
 * A turn as `turn/start` announces it: nothing has happened yet (0.166.0's shape, times unknown). `review/start`
 * announces its turn with no root and the review's label as its item.
 */
export function pendingTurn(
  id: string,
  o: { rootTurnId?: string | null; items?: gen0166.ThreadItem[] } = {},
): gen0166.Turn {
  return {
    id,
    rootTurnId: o.rootTurnId === undefined ? id : o.rootTurnId,
    items: o.items ?? [],
    itemsView: "notLoaded",
    status: "inProgress",
    error: null,
    startedAt: null,
    completedAt: null,
    durationMs: null,
  };
}

/** A schema a client gave (`outputSchema`), or none: absent and null both mean none, as in 0.166.0. */
const schemaOf = (outputSchema: unknown): unknown => outputSchema ?? null;

/**
 * `turn/start`, `turn/steer` and `turn/interrupt` on 0.166 threads. Turn ids are UUIDv7, as 0.166.0 mints them.
 * A turn's notifications follow its request's response: the handler holds them, submits, responds, releases.
 */
export function createTurnHandlers0166(
  registry: ThreadRegistry,
): Handlers<Protocol0166, "turn/start" | "turn/steer" | "turn/interrupt"> {
  return {
    async "turn/start"(p, ctx) {
      const thread = registry.require(p.threadId);
      checkInputSize(p.input);
      const items = p.input.map(inputItem0166);
      const active = thread.currentTask();
      if (active?.kind === "regular") {
        // 0.166.0 starts or steers: input sent while a turn runs joins that turn, unless it asks for another answer
        // schema than the turn's (compared as JSON values, key order aside).
        const required = schemaOf(p.outputSchema);
        const current = thread.lastTurnSchema;
        const activeSchema = current?.turnId === active.id ? current.schema : null;
        if (required !== null && !isDeepStrictEqual(required, activeSchema))
          throw internalError("failed to submit turn input: ActiveTurnOutputSchemaMismatch");
      }
      const applied = applySettings(thread.settings, p, thread.opened.requirements);
      thread.settings = applied.next;
      // 0.166.0 announces changed settings before it answers.
      if (applied.changed)
        thread.send({
          method: "thread/settings/updated",
          params: { threadId: thread.id, threadSettings: applied.next },
        });
      const hold = thread.hold();
      try {
        if (applied.overrides)
          await thread.conversation.submit({ type: "override_turn_context", ...applied.overrides });
        const joined =
          active?.kind === "regular" ? joinRunningTurn(thread, items, p.clientUserMessageId) : null;
        if (joined) return await ctx.respond({ turn: pendingTurn(joined) });
        const turnId = await thread.startUserTurn(items, {
          clientUserMessageId: p.clientUserMessageId,
          outputSchema: p.outputSchema,
        });
        return await ctx.respond({ turn: pendingTurn(turnId) });
      } finally {
        hold.release();
      }
    },

    "turn/steer"(p) {
      const thread = registry.require(p.threadId);
      const items = p.input.map(inputItem0166);
      const itemId = randomUUID();
      if (p.clientUserMessageId) thread.mapper.noteClientId(itemId, p.clientUserMessageId);
      try {
        return { turnId: thread.conversation.steer(items, { expectedTurnId: p.expectedTurnId, itemId }) };
      } catch (err) {
        if (err instanceof SteerError) throw steerRefusal(err.refusal);
        throw err;
      }
    },

    async "turn/interrupt"(p, ctx) {
      const thread = registry.require(p.threadId);
      const active = thread.currentTask();
      // An empty turn id interrupts whatever runs (0.166.0 answers `{}` even when nothing does).
      if (!active) {
        if (p.turnId === "") return {};
        throw invalidRequest("no active turn to interrupt");
      }
      if (p.turnId !== "" && p.turnId !== active.id)
        throw invalidRequest(`expected active turn id ${p.turnId} but found ${active.id}`);
      // Answered once the core has ended the turn, before the thread's idle status and `turn/completed`.
      const hold = thread.hold();
      try {
        const ended = thread.untilAborted();
        await thread.conversation.submit({ type: "interrupt" });
        await ended;
        return await ctx.respond({});
      } finally {
        hold.release();
      }
    },
  };
}
