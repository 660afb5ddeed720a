import { type gen0166, invalidRequest } from "@codex-ts/app-server-protocol";

/**
 * The `thread/fork` params this server refuses before it reads anything, in 0.166.0's words (compared side by side
 * in test/threads-admin-0166.e2e.test.ts):
 *
 * - combinations 0.166.0 refuses (`attachToSource` with `ephemeral` or `deferGoalContinuation`, …);
 * - `experimentalPredictionMode` (a fork reusing its loaded parent's prompt cache) and `attachToSource` (a fork kept
 *   in its source's attachments, hidden from lists): this server implements neither, so they are refused by name
 *   rather than answered with an ordinary fork the client did not ask for (README, deliberate differences).
 *   `attachToSource` on a 0.58.0-format source gets 0.166.0's own refusal (see `attachRefusal`).
 */
export function checkForkParams(p: gen0166.ThreadForkParams): void {
  if (p.attachToSource && (p.ephemeral || p.deferGoalContinuation))
    throw invalidRequest("attachToSource cannot be combined with ephemeral or deferGoalContinuation");
  if (p.deferGoalContinuation && p.ephemeral)
    throw invalidRequest("`deferGoalContinuation` cannot be combined with `ephemeral`");
  if (p.experimentalDisablePredictionMcp && !p.experimentalPredictionMode)
    throw invalidRequest("`experimentalDisablePredictionMcp` requires `experimentalPredictionMode: true`");
  if (p.experimentalPredictionMode) {
    if (!p.ephemeral) throw invalidRequest("`experimentalPredictionMode` requires `ephemeral: true`");
    if (p.path != null || p.lastTurnId != null || p.beforeTurnId != null)
      throw invalidRequest("`experimentalPredictionMode` requires a thread id without a path or turn cutoff");
  }
  if (p.lastTurnId != null && p.beforeTurnId != null)
    throw invalidRequest("`beforeTurnId` cannot be combined with `lastTurnId`");
  if (p.permissions != null && p.sandbox != null)
    throw invalidRequest("`permissions` cannot be combined with `sandbox`");
  if (p.experimentalPredictionMode)
    throw invalidRequest("experimentalPredictionMode is not supported by this server");
}

/** `attachToSource` once the source is known: 0.166.0's refusal for a 0.58.0-format one, this server's otherwise. */
export function attachRefusal(historyMode: "legacy" | "paginated" | null): never {
  if (historyMode !== "paginated") throw invalidRequest("attachToSource requires a paginated parent");
  throw invalidRequest("attachToSource is not supported by this server");
}
