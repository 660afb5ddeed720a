import { invalidRequest, type v2 } from "@codex-ts/app-server-protocol";

/** A model preset as `model/list` returns it. */
export type ModelPreset = v2.Model;

const USIZE_MAX = 2n ** 64n - 1n;

/**
 * One page of a list with Codex's cursor rules (`model/list` in 0.58.0, `permissionProfile/list` in 0.166.0): the
 * cursor is the decimal start index (Rust's `usize` parse: digits, an optional `+`); an unreadable cursor and one
 * past the end are errors naming the list (`noun`); a cursor equal to the total gives an empty page; no limit means
 * everything left, and a limit of 0 means 1.
 */
export function pageItems<T>(
  items: readonly T[],
  params: { cursor?: string | null | undefined; limit?: number | null | undefined },
  noun: string,
): { data: T[]; nextCursor: string | null } {
  const total = items.length;
  let start = 0;
  if (params.cursor != null) {
    const cursor = params.cursor;
    if (!/^\+?\d+$/.test(cursor) || BigInt(cursor) > USIZE_MAX)
      throw invalidRequest(`invalid cursor: ${cursor}`);
    const index = BigInt(cursor);
    if (index > BigInt(total)) throw invalidRequest(`cursor ${index} exceeds total ${noun} ${total}`);
    start = Number(index);
  }
  const limit = params.limit == null ? total : Math.max(1, params.limit);
  const end = Math.min(total, start + limit);
  return { data: items.slice(start, end), nextCursor: end < total ? String(end) : null };
}

/** `model/list`: one page of the built-in presets. */
export function pageModels(
  presets: readonly ModelPreset[],
  params: { cursor?: string | null | undefined; limit?: number | null | undefined },
): { data: ModelPreset[]; nextCursor: string | null } {
  return pageItems(presets, params, "models");
}
