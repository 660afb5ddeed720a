import { invalidRequest } from "@codex-ts/app-server-protocol";

export interface ModelPreset {
  id: string;
  model: string;
  displayName: string;
  description: string;
  supportedReasoningEfforts: { reasoningEffort: string; description: string }[];
  defaultReasoningEffort: string;
  isDefault: boolean;
}

/**
 * One page of `model/list`, with 0.58.0's cursor rules: the cursor is the decimal start index; a
 * non-numeric cursor and one past the end are errors; a cursor equal to the total gives an empty page;
 * a limit of 0 (or none) means "all remaining" when absent and 1 when zero.
 */
export function pageModels(
  presets: readonly ModelPreset[],
  params: { cursor?: string | null; limit?: number | null },
): { data: ModelPreset[]; nextCursor: string | null } {
  const total = presets.length;
  let start = 0;
  if (params.cursor != null) {
    if (!/^\d+$/.test(params.cursor)) throw invalidRequest(`invalid cursor: ${params.cursor}`);
    start = Number(params.cursor);
    if (start > total) throw invalidRequest(`cursor ${start} exceeds total models ${total}`);
  }
  const limit = params.limit == null ? total : Math.max(1, params.limit);
  const end = Math.min(total, start + limit);
  return { data: presets.slice(start, end), nextCursor: end < total ? String(end) : null };
}
