import {
  type gen0166,
  invalidParams,
  type Protocol0166,
  type ProtocolPeer,
  parseUuid,
} from "@codex-ts/app-server-protocol";
import { AttachmentLimitError, type AttachmentPosition, type AttachmentRow } from "@codex-ts/core";
import type { Handlers } from "../../handler.js";
import { type ThreadStateServices0166, threadIdParam, usingState, whereabouts } from "./threads.js";

/** 0.166.0's bounds: an identity's parts in UTF-8 bytes, a payload's compact JSON in bytes, a page's rows. */
const MAX_IDENTITY_BYTES = 256;
const MAX_PAYLOAD_BYTES = 65536;
const DEFAULT_PAGE = 25;
const MAX_PAGE = 100;
/** Owner rows read from the database per step while filling a page (some may be filtered out). */
const OWNER_BATCH = 100;

type AttachmentMethods =
  | "thread/attachment/add"
  | "thread/attachment/list"
  | "thread/attachmentOwner/list"
  | "thread/attachment/remove";

const invalidCursor = () => invalidParams("invalid pagination cursor");
const pageSize = (limit: number | null | undefined) => Math.min(MAX_PAGE, Math.max(1, limit ?? DEFAULT_PAGE));

/** An attachment's identity as 0.166.0 checks it: each part non-blank and at most 256 bytes. */
function checkIdentity(attachmentType: string, identityKey: string): void {
  for (const [name, value] of [
    ["attachmentType", attachmentType],
    ["identityKey", identityKey],
  ] as const) {
    if (value.trim() === "") throw invalidParams(`${name} must not be empty`);
    if (Buffer.byteLength(value) > MAX_IDENTITY_BYTES)
      throw invalidParams(`${name} must not exceed ${MAX_IDENTITY_BYTES} bytes`);
  }
}

/** The payload as stored (its compact JSON, as 0.166.0 stores and measures it). */
function payloadText(payload: unknown): string {
  const text = JSON.stringify(payload === undefined ? null : payload);
  if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES)
    throw invalidParams(`attachment payload must not exceed ${MAX_PAYLOAD_BYTES} bytes`);
  return text;
}

const attachmentObject = (r: AttachmentRow): gen0166.ThreadAttachment => ({
  id: r.id,
  attachmentType: r.attachmentType,
  identityKey: r.identityKey,
  payload: JSON.parse(r.payload) as unknown,
  createdAt: r.createdAt,
});

/** `<threadId>|<createdAt>|<attachmentId>`, 0.166.0's cursor of a thread's attachments. */
function parseListCursor(cursor: string, threadId: string): AttachmentPosition {
  const parts = cursor.split("|");
  if (parts.length !== 3) throw invalidCursor();
  const [thread, createdAt, id] = parts as [string, string, string];
  try {
    if (parseUuid(thread) !== threadId || !/^-?\d{1,19}$/.test(createdAt)) throw invalidCursor();
    return { createdAt: Number(createdAt), id: parseUuid(id) };
  } catch {
    throw invalidCursor();
  }
}

/** 0.166.0's owner cursor: the query it continues and the last thread shown, as JSON. */
interface OwnerCursor {
  attachment_type: string;
  identity_key: string;
  archived: boolean | null;
  thread_id: string;
}

function parseOwnerCursor(cursor: string, query: Omit<OwnerCursor, "thread_id">): string {
  let c: Partial<OwnerCursor>;
  try {
    c = JSON.parse(cursor) as Partial<OwnerCursor>;
  } catch {
    throw invalidCursor();
  }
  if (
    typeof c !== "object" ||
    c === null ||
    c.attachment_type !== query.attachment_type ||
    c.identity_key !== query.identity_key ||
    (c.archived ?? null) !== query.archived ||
    typeof c.thread_id !== "string"
  )
    throw invalidCursor();
  return c.thread_id;
}

/**
 * `thread/attachment/add|list|remove` and `thread/attachmentOwner/list`: records a client keys by type and identity
 * on a stored thread (one per identity, at most 100 per thread), listed by creation, and found back by identity.
 * A change is announced (`thread/attachment/updated`) after its answer, as 0.166.0 does.
 */
export function createAttachmentHandlers0166(
  s: ThreadStateServices0166,
): Handlers<Protocol0166, AttachmentMethods> {
  const { attachments } = s.state;

  /** The thread's id once it is known as a stored thread (0.166.0: one in its state database). */
  const storedThread = async (rawId: string): Promise<string> => {
    const id = threadIdParam(rawId);
    const where = await whereabouts(s, id);
    if (where.kind === "unknown" || (where.kind === "loaded" && where.ephemeral))
      throw invalidParams(`thread not found: ${id}`);
    return id;
  };

  const announce = (
    peer: ProtocolPeer<Protocol0166>,
    row: AttachmentRow,
    operation: gen0166.ThreadAttachmentOperation,
  ) =>
    peer.notify("thread/attachment/updated", {
      threadId: row.threadId,
      attachmentType: row.attachmentType,
      identityKey: row.identityKey,
      attachmentId: row.id,
      operation,
    });

  return {
    async "thread/attachment/add"(p, ctx) {
      checkIdentity(p.attachmentType, p.identityKey);
      const payload = payloadText(p.payload);
      const id = await storedThread(p.threadId);
      let added: { row: AttachmentRow; created: boolean };
      try {
        added = usingState(() => attachments.add(id, p.attachmentType, p.identityKey, payload));
      } catch (err) {
        if (err instanceof AttachmentLimitError) throw invalidParams(err.message);
        throw err;
      }
      // 0.166.0 answers, then announces.
      const sent = await ctx.respond({
        outcome: added.created ? "created" : "existing",
        attachment: attachmentObject(added.row),
      });
      if (added.created) void announce(ctx.peer, added.row, "created");
      return sent;
    },

    async "thread/attachment/list"(p) {
      const id = threadIdParam(p.threadId);
      const after = p.cursor != null ? parseListCursor(p.cursor, id) : null;
      const { rows, more } = usingState(() => attachments.page(id, after, pageSize(p.limit)));
      const last = rows.at(-1);
      return {
        data: rows.map(attachmentObject),
        nextCursor: more && last ? `${id}|${last.createdAt}|${last.id}` : null,
      };
    },

    async "thread/attachmentOwner/list"(p) {
      checkIdentity(p.attachmentType, p.identityKey);
      const query = {
        attachment_type: p.attachmentType,
        identity_key: p.identityKey,
        archived: p.archived ?? null,
      };
      let after = p.cursor != null ? parseOwnerCursor(p.cursor, query) : null;
      const limit = pageSize(p.limit);
      const data: gen0166.ThreadAttachmentOwner[] = [];
      let more = false;
      // Rows whose thread is gone (deleted elsewhere) or filtered out by `archived` are skipped.
      for (;;) {
        const ids = usingState(() => attachments.owners(p.attachmentType, p.identityKey, after, OWNER_BATCH));
        for (const threadId of ids) {
          const where = await whereabouts(s, threadId);
          if (where.kind === "unknown" || (where.kind === "loaded" && where.ephemeral)) continue;
          const archived = where.kind === "stored" && where.archived;
          if (query.archived !== null && archived !== query.archived) continue;
          if (data.length === limit) {
            more = true;
            break;
          }
          data.push({ threadId, archived });
        }
        if (more || ids.length < OWNER_BATCH) break;
        after = ids.at(-1) ?? null;
      }
      const last = data.at(-1);
      return {
        data,
        nextCursor: more && last ? JSON.stringify({ ...query, thread_id: last.threadId }) : null,
      };
    },

    async "thread/attachment/remove"(p, ctx) {
      checkIdentity(p.attachmentType, p.identityKey);
      const id = await storedThread(p.threadId);
      const removed = usingState(() => attachments.remove(id, p.attachmentType, p.identityKey));
      const sent = await ctx.respond({});
      if (removed) void announce(ctx.peer, removed, "deleted");
      return sent;
    },
  };
}
