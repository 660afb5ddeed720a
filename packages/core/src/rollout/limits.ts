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

/** Largest rollout file loaded for resume; bigger files are refused at once (their size is known before reading). */
export const ROLLOUT_MAX_BYTES = 256 * 1024 * 1024;
