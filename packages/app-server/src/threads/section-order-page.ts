import { invalidRequest, parseUuid } from "@codex-ts/app-server-protocol";
import type { SessionsStore, ThreadPage, ThreadQuery } from "@codex-ts/core";
import type { ThreadOrganization } from "./organization.js";

/** `thread/list`'s page size when none is asked (0 behaves as 1), as the sessions index pages. */
const DEFAULT_LIMIT = 25;

/** A `<position>|<thread id>` cursor of a section-ordered listing (0.166.0's), or its refusal. */
function parseCursor(cursor: string): { position: number; id: string } {
  const bar = cursor.indexOf("|");
  const position = Number(cursor.slice(0, bar));
  try {
    if (bar < 0 || !/^-?\d+$/.test(cursor.slice(0, bar)) || !Number.isSafeInteger(position))
      throw new Error();
    return { position, id: parseUuid(cursor.slice(bar + 1)) };
  } catch {
    throw invalidRequest(`invalid cursor: ${cursor}`);
  }
}

/**
 * `thread/list {sectionId, sortKey: "section_position"}`: the section's threads in their order (ascending unless
 * `desc` is asked), those the listing's other filters keep (one indexed query over the section's threads), with
 * 0.166.0's cursors: `nextCursor` the page's last `<position>|<id>`, `backwardsCursor` its first, one step
 * outside the page.
 */
export async function sectionOrderedPage(
  store: SessionsStore,
  org: ThreadOrganization,
  sectionId: string,
  query: ThreadQuery,
): Promise<ThreadPage & { backwardsCursor: string | null }> {
  const direction = query.sortDirection === "desc" ? "desc" : "asc";
  const anchor = query.cursor ? parseCursor(query.cursor) : null;
  const allowed = query.includedThreadIds ? new Set(query.includedThreadIds) : null;
  const ordered = org.sections
    .ordered(sectionId, direction, anchor)
    .filter((r) => !allowed || allowed.has(r.id));
  const kept =
    ordered.length === 0
      ? []
      : (
          await store.listThreads({
            ...query,
            cursor: null,
            sortKey: null,
            sortDirection: null,
            includedThreadIds: ordered.map((r) => r.id),
            includeEmpty: true,
            limit: ordered.length,
          })
        ).items;
  const byId = new Map(kept.map((t) => [t.conversationId, t]));
  const rows = ordered.filter((r) => byId.has(r.id));
  const limit = Math.max(1, query.limit ?? DEFAULT_LIMIT);
  const page = rows.slice(0, limit);
  const first = page[0];
  const last = page[page.length - 1];
  return {
    items: page.flatMap((r) => byId.get(r.id) ?? []),
    nextCursor: rows.length > limit && last ? `${last.position}|${last.id}` : null,
    backwardsCursor: first ? `${first.position + (direction === "asc" ? 1 : -1)}|${first.id}` : null,
  };
}
