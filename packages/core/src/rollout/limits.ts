/**
 * Bounds on reading rollout files (core README, "Limits"). Rollouts are written by Codex, but any file a client
 * names, or finds its way into the sessions directory, is read through these, so none can stall or balloon the
 * process.
 */

/**
 * A rollout head (listing, summaries) reads at most this many bytes from the start of the file. Real heads — the
 * session_meta with the user's instructions, the injected context and the first user message — are far smaller;
 * a head cut here is final (later appends cannot change it).
 */
export const HEAD_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Longest rollout line loaded when a conversation is resumed. Longer lines are skipped as they stream past, never
 * held, and counted in `LoadedRollout.skippedLines`. Large enough for any image a model accepts as base64.
 */
export const ROLLOUT_LINE_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Largest rollout read whole for resume, and most bytes of lines a resume holds (bigger rollouts are replayed from
 * their latest compactions; core README "Resume"). `CODEX_TS_TEST_ROLLOUT_MAX_BYTES` (test-only, read once when the
 * process loads this module) lowers it, so the app-server's tests reach the limit without writing 256 MiB; a value
 * that is not a positive integer below the default is ignored.
 */
export const ROLLOUT_MAX_BYTES = lowered(process.env.CODEX_TS_TEST_ROLLOUT_MAX_BYTES, 256 * 1024 * 1024);

function lowered(value: string | undefined, limit: number): number {
  if (!value || !/^[1-9]\d{0,15}$/.test(value)) return limit;
  return Math.min(Number(value), limit);
}
