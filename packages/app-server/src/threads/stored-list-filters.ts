import { type gen0166, invalidRequest, parseUuid, RpcError } from "@codex-ts/app-server-protocol";
import type { ListSelection } from "./organization.js";

/**
 * `thread/list`'s relationship and organisation filters, checked as 0.166.0 checks them (same codes and words,
 * compared side by side in test/history-0166.e2e.test.ts) and turned into what the sessions index answers:
 *
 * - `excludedThreadIds`: up to 100 ids, each a valid thread id, left out before the limit applies.
 * - `parentThreadId` / `ancestorThreadId`: the sub-agents a thread spawned, directly or at any depth (their
 *   session_meta names the parent; the index keeps it as a column).
 * - `attachedToThreadId`: threads attached to another live in 0.166.0's state database, which this server does not
 *   keep, and it attaches none itself: a valid id lists nothing.
 * - `projectId` / `sectionId`: the threads of a project or a section (null: of none), which the organisation store
 *   knows (threads/organization.ts `listSelection`); only `projectId: ""` is refused here, in 0.166.0's words.
 * - `originators`: 0.166.0's local app-server refuses a nonempty list; so does this one.
 */

const INVALID_PARAMS = -32602;
const MAX_EXCLUDED = 100;

export interface ListFilters {
  excludedThreadIds: string[] | null;
  parentThreadId: string | null;
  ancestorThreadId: string | null;
  /** No thread can match (an attachment this server cannot have): answer an empty page. */
  none: boolean;
}

/** A thread id of a filter (`what` names it in the error, as 0.166.0 does). */
function filterId(raw: string, what: string, code: number): string {
  try {
    return parseUuid(raw);
  } catch (err) {
    throw new RpcError(code, `invalid ${what} thread id: ${(err as Error).message}`);
  }
}

export function listFilters(p: gen0166.ThreadListParams): ListFilters {
  if (p.originators && p.originators.length > 0)
    throw new RpcError(INVALID_PARAMS, "originator filtering is not supported by the local app-server");
  const excluded = p.excludedThreadIds ?? [];
  if (excluded.length > MAX_EXCLUDED)
    throw new RpcError(INVALID_PARAMS, `excludedThreadIds accepts at most ${MAX_EXCLUDED} entries`);
  const excludedThreadIds = excluded.map((id) => filterId(id, "excluded", INVALID_PARAMS));
  const parent = p.parentThreadId ?? null;
  const ancestor = p.ancestorThreadId ?? null;
  const attached = p.attachedToThreadId ?? null;
  if (parent !== null && ancestor !== null)
    throw invalidRequest("parentThreadId and ancestorThreadId are mutually exclusive");
  if (attached !== null && (parent !== null || ancestor !== null))
    throw invalidRequest("attachedToThreadId cannot be combined with parentThreadId or ancestorThreadId");
  const parentThreadId = parent === null ? null : filterId(parent, "parent", -32600);
  const ancestorThreadId = ancestor === null ? null : filterId(ancestor, "ancestor", -32600);
  if (attached !== null) parseAttached(attached);
  if (p.projectId === "") throw new RpcError(INVALID_PARAMS, "projectId must not be empty");
  return {
    excludedThreadIds: excludedThreadIds.length > 0 ? excludedThreadIds : null,
    parentThreadId,
    ancestorThreadId,
    none: attached !== null,
  };
}

/** An attachment owner's id, checked in 0.166.0's words. */
function parseAttached(raw: string): void {
  try {
    parseUuid(raw);
  } catch (err) {
    throw invalidRequest(`invalid attached thread parent id: ${(err as Error).message}`);
  }
}

/**
 * `projectId` / `sectionId` without an organisation store (no CODEX_HOME): no project exists (0.166.0's refusal),
 * no thread is in a section, and null selects every thread.
 */
export function organizationlessSelection(p: gen0166.ThreadListParams): ListSelection {
  if (typeof p.projectId === "string")
    throw new RpcError(INVALID_PARAMS, `project not found: ${p.projectId}`);
  return { included: typeof p.sectionId === "string" ? [] : null, excluded: [], includeEmpty: false };
}
