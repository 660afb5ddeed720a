import type { RolloutHead } from "./head.js";
import type { GitInfo } from "./line.js";
import { isInjectedContext, messageText } from "./user-message.js";

/** One listed session (see DESIGN.md); the servers map it to v1 ConversationSummary and v2 Thread. */
export interface SessionSummary {
  conversationId: string;
  path: string;
  preview: string;
  /** session_meta.timestamp, null when empty. */
  timestamp: string | null;
  modelProvider: string;
  cwd: string;
  cliVersion: string;
  source: unknown;
  git: GitInfo | null;
  /** Unix seconds parsed from the meta timestamp; 0 when missing. */
  createdAt: number;
}

const REQUEST_MARKER = "## My request for Codex:";

/** The first real user message in the head, trimmed after `## My request for Codex:` when present. */
export function previewFromHead(head: RolloutHead): string | null {
  for (const record of head.records) {
    if (record.type !== "response_item") continue;
    const text = messageText(record.payload);
    if (text === null || isInjectedContext(text)) continue;
    const marker = text.indexOf(REQUEST_MARKER);
    return marker >= 0 ? text.slice(marker + REQUEST_MARKER.length).trim() : text;
  }
  // A turn whose user message is only an event (a review's prompt): 0.166.0 lists it under that text.
  return head.userEventText || null;
}

/**
 * Builds a summary; null when the head lacks a session_meta or a preview (such files are not listed), except for a
 * head cut at the byte budget, which is summarised with an empty preview rather than dropped.
 */
export function summaryFromHead(
  path: string,
  head: RolloutHead,
  defaultProvider: string,
  /** Summarise a thread that has no user message yet too (its preview is empty): `thread/read` shows one. */
  withoutPreview = false,
): SessionSummary | null {
  const meta = head.meta;
  if (!meta || head.records[0]?.type !== "session_meta") return null;
  const preview = previewFromHead(head) ?? (head.cut || withoutPreview ? "" : null);
  if (preview === null) return null;
  const timestamp = typeof meta.timestamp === "string" && meta.timestamp !== "" ? meta.timestamp : null;
  const parsed = timestamp ? Date.parse(timestamp) : Number.NaN;
  return {
    conversationId: meta.id,
    path,
    preview,
    timestamp,
    modelProvider: meta.model_provider ?? defaultProvider,
    cwd: meta.cwd,
    cliVersion: meta.cli_version,
    source: meta.source,
    git: meta.git ?? null,
    createdAt: Number.isNaN(parsed) ? 0 : Math.floor(parsed / 1000),
  };
}
