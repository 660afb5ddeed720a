import type { RolloutHead } from "./head.js";
import { type SessionSummary, summaryFromHead } from "./summary.js";

/**
 * What listing needs to know about one rollout, derived from its head. Small (no head records), so the index can
 * cache it per file; the summary is kept without the path and the default provider, which belong to the caller.
 */
export interface HeadFacts {
  /** session_meta.source; null when the head has no session_meta. */
  source: unknown;
  /** The recorded model_provider; null when none was recorded. */
  provider: string | null;
  sawUserEvent: boolean;
  /** Null when the head yields no summary (no session_meta on line one, or no real user message). */
  summary: Omit<SessionSummary, "path" | "modelProvider"> | null;
}

export function factsFromHead(head: RolloutHead): HeadFacts {
  const full = summaryFromHead("", head, "");
  let summary: HeadFacts["summary"] = null;
  if (full) {
    const { path: _path, modelProvider: _provider, ...rest } = full;
    summary = rest;
  }
  return {
    source: head.meta ? head.meta.source : null,
    provider: head.meta?.model_provider ?? null,
    sawUserEvent: head.sawUserEvent,
    summary,
  };
}

export function summaryFromFacts(
  path: string,
  facts: HeadFacts,
  defaultProvider: string,
): SessionSummary | null {
  if (!facts.summary) return null;
  return { ...facts.summary, path, modelProvider: facts.provider ?? defaultProvider };
}
