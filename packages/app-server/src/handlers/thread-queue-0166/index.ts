import {
  internalError,
  invalidRequest,
  type Protocol0166,
  type QueueMethod0166,
} from "@codex-ts/app-server-protocol";
import { MAX_QUEUED_PER_THREAD, type QueueStore, type SessionsStore } from "@codex-ts/core";
import type { Handlers } from "../../handler.js";
import { queuedSubmission } from "../../threads/queued-input.js";
import type { ThreadRegistry } from "../../threads/registry.js";
import { experimentalCheck } from "../experimental-api.js";
import { pendingTurn } from "../turns-0166.js";
import { checkNoRemoteImages, queuedContent } from "./input.js";
import { type QueueThread, queueThread } from "./thread.js";

/** 0.166.0's page of `thread/queue/list` when the client names none (the thread list's), and its largest. */
const DEFAULT_PAGE = 25;
const MAX_PAGE = 100;

export interface QueueServices0166 {
  registry: ThreadRegistry;
  queue: QueueStore;
  sessions: SessionsStore | undefined;
  codexHome: string;
  experimentalApi: () => boolean;
}

/** A list cursor: the offset 0.166.0 gives as `nextCursor`, refused in the words of Rust's integer parser. */
function parseCursor(cursor: string): number {
  const why =
    cursor === ""
      ? "cannot parse integer from empty string"
      : !/^\+?\d+$/.test(cursor)
        ? "invalid digit found in string"
        : BigInt(cursor) > 2n ** 64n - 1n
          ? "number too large to fit in target type"
          : null;
  if (why) throw invalidRequest(`invalid queue pagination cursor: ${why}`);
  return Math.min(Number(cursor), Number.MAX_SAFE_INTEGER);
}

/**
 * The experimental `thread/queue/*` methods, as 0.166.0 serves them: user messages waiting for a stored thread's next
 * turn (loaded or not), kept in the queue database (`QueueStore`), at most 100 per thread, listed first to start
 * first (pages of 25 by default, the cursor an offset). A loaded thread works its queue (`QueueDriver`): its
 * clients are told of each change (`thread/queue/changed`), and a message queued on an idle thread starts at once.
 * Refusals in 0.166.0's words, in its order (remote images, then the thread, then the input).
 */
export function createThreadQueueHandlers0166(s: QueueServices0166): Handlers<Protocol0166, QueueMethod0166> {
  const { registry, queue } = s;
  const thread = async (method: string, rawId: string): Promise<QueueThread> => {
    experimentalCheck(() => s.experimentalApi())(method);
    return queueThread(registry, s.sessions, rawId);
  };
  const stored = <T>(work: () => T): T => {
    try {
      return work();
    } catch (err) {
      throw internalError(`thread queue is unavailable: ${(err as Error).message}`);
    }
  };
  const where = (t: QueueThread) => ({
    cwd: t.loaded?.settings.cwd ?? process.cwd(),
    codexHome: s.codexHome,
  });
  /** Tells a loaded thread's clients (none follow a thread that is not loaded, as in 0.166.0). */
  const changed = (t: QueueThread) => t.loaded?.queue?.changed();

  return {
    async "thread/queue/add"(p, ctx) {
      checkNoRemoteImages(p.input);
      const t = await thread("thread/queue/add", p.threadId);
      const content = await queuedContent(p.input, where(t));
      const row = stored(() => queue.add(t.id, content, p.clientUserMessageId));
      if (!row) throw invalidRequest(`queue cannot contain more than ${MAX_QUEUED_PER_THREAD} submissions`);
      changed(t);
      // An idle thread starts it at once: the queue's change (taken) goes out before this answer, as 0.166.0 sends
      // it, the turn's notifications after it (held from here on; the start announced itself synchronously).
      const starting = t.loaded?.queue?.startNextIfIdle();
      const hold = t.loaded?.hold();
      try {
        await starting;
        return await ctx.respond({ queuedSubmission: queuedSubmission(row) });
      } finally {
        hold?.release();
      }
    },

    async "thread/queue/list"(p) {
      const t = await thread("thread/queue/list", p.threadId);
      const offset = p.cursor == null ? 0 : parseCursor(p.cursor);
      const limit = Math.min(MAX_PAGE, Math.max(1, p.limit ?? DEFAULT_PAGE));
      const rows = stored(() => queue.list(t.id));
      const end = offset + limit;
      return {
        data: rows.slice(offset, end).map(queuedSubmission),
        nextCursor: end < rows.length ? String(end) : null,
      };
    },

    async "thread/queue/update"(p, ctx) {
      checkNoRemoteImages(p.input);
      const t = await thread("thread/queue/update", p.threadId);
      const content = await queuedContent(p.input, where(t));
      const row = stored(() => queue.update(t.id, p.queuedSubmissionId, content));
      if (!row) throw invalidRequest(`queued submission not found: ${p.queuedSubmissionId}`);
      const sent = await ctx.respond({ queuedSubmission: queuedSubmission(row) });
      changed(t);
      return sent;
    },

    async "thread/queue/delete"(p, ctx) {
      const t = await thread("thread/queue/delete", p.threadId);
      const deleted = stored(() => queue.delete(t.id, p.queuedSubmissionId));
      const sent = await ctx.respond({ deleted });
      if (deleted) changed(t);
      return sent;
    },

    async "thread/queue/reorder"(p, ctx) {
      const t = await thread("thread/queue/reorder", p.threadId);
      if (!stored(() => queue.reorder(t.id, p.queuedSubmissionIds)))
        throw invalidRequest("queue reorder must include every queued submission exactly once");
      const sent = await ctx.respond({});
      changed(t);
      return sent;
    },

    async "thread/queue/start"(p, ctx) {
      const t = await thread("thread/queue/start", p.threadId);
      const row =
        p.queuedSubmissionId == null
          ? stored(() => queue.list(t.id)[0])
          : stored(() => queue.get(t.id, p.queuedSubmissionId as string));
      if (!row)
        throw invalidRequest(
          p.queuedSubmissionId == null
            ? "queue is empty"
            : `queued submission not found: ${p.queuedSubmissionId}`,
        );
      const driver = t.loaded?.queue;
      // Unloaded since it was looked up (an archive, an unsubscribe's delay): not loaded, as far as the client goes.
      if (!t.loaded || !driver || driver.unloaded)
        throw invalidRequest("resume the thread before starting a queued message");
      if (!driver.free()) throw invalidRequest("thread already has an active or pending turn");
      // The turn's notifications (the queue's change first) follow this answer.
      const hold = t.loaded.hold();
      try {
        const turnId = await driver.start(row);
        return await ctx.respond({ turn: pendingTurn(turnId) });
      } finally {
        hold.release();
      }
    },
  };
}
