import type { Protocol0166, ProtocolPeer } from "@codex-ts/app-server-protocol";

/** What the request asked to read whole: `thread/read`'s `includeTurns`, or a resume's or fork's turns. */
export type Hydration = "read" | "resumeOrFork";

/** 0.166.0's words, by the way the client should ask instead. */
const SUMMARIES: Record<Hydration, string> = {
  read: "Full-history hydration is deprecated for paginated threads; omit `includeTurns` or set it to `false`, then page with `thread/turns/list` and `thread/items/list`.",
  resumeOrFork:
    "Full-history hydration is deprecated for paginated threads; use `excludeTurns: true`, then page with `thread/turns/list` and `thread/items/list`.",
};

/**
 * 0.166.0 warns the client (only the one asking, every time, before anything else the request causes) when it reads
 * a paginated thread's whole history: `thread/read` with `includeTurns`, `thread/resume` or `thread/fork` without
 * `excludeTurns`. Legacy (0.58.0-format) threads get no notice.
 */
export async function noticeFullHydration(
  peer: ProtocolPeer<Protocol0166>,
  historyMode: "legacy" | "paginated" | null | undefined,
  kind: Hydration,
  /** Whether the client asked for no turns (`excludeTurns`; for `thread/read`, `!includeTurns`). */
  excluded: boolean | null | undefined,
): Promise<void> {
  if (historyMode !== "paginated" || excluded) return;
  await peer.notify("deprecationNotice", { summary: SUMMARIES[kind], details: null });
}
