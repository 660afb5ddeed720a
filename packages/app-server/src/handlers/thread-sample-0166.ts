import { internalError, invalidRequest, type Protocol0166 } from "@codex-ts/app-server-protocol";
import type { Handlers } from "../handler.js";
import { parseThreadId, type ThreadRegistry } from "../threads/registry.js";

/**
 * `thread/sample` (experimental): one model request on a loaded, idle thread's context plus the prompt as a user
 * message, answered and forgotten — nothing is recorded and no notification is sent (codex-acp asks it for the
 * user's likely next message after each turn). As 0.166.0: the thread must be loaded (`thread/sample requires a
 * loaded source`), idle (`sample source must be idle`) and `expectedTurnId` its latest finished turn (`sample
 * source turn must be the latest finished turn`); a thread with no turn yet has nothing stored to sample (0.166.0's
 * thread-store words); `text` is null when the model called a tool; after 30 s it answers `sample timed out`. `effort` is not applied (0.166.0 applies it only
 * where the provider can change it without losing the prompt cache).
 */
/**
 * How long a sample may take: 0.166.0 gives up after 30 s (`sample timed out`). `CODEX_TS_TEST_SAMPLE_TIMEOUT_MS`
 * (test-only, read when the module loads) lowers it; a value that is not a positive integer below it is ignored.
 */
const SAMPLE_TIMEOUT_MS = ((raw) =>
  raw && /^[1-9]\d{0,6}$/.test(raw) ? Math.min(Number(raw), 30_000) : 30_000)(
  process.env.CODEX_TS_TEST_SAMPLE_TIMEOUT_MS,
);

/**
 * `thread/sample` and `thread/sample/cancel {requestId}` (experimental): the cancel names a sample this connection
 * asked for (by its request id) and stops it; one unknown or already answered is a no-op. Either way `{}`.
 */
/** How a cancelled sample is answered (0.166.0's words). */
const SAMPLE_CANCELLED = "sample canceled";

export function createThreadSampleHandler0166(
  registry: ThreadRegistry,
  requireExperimental: (method: string) => void,
): Handlers<Protocol0166, "thread/sample" | "thread/sample/cancel"> {
  // The samples running now, by their request id (`JSON.stringify`: 1 and "1" are different ids).
  const running = new Map<string, AbortController>();
  return {
    "thread/sample/cancel"(p) {
      requireExperimental("thread/sample/cancel");
      running.get(JSON.stringify(p.requestId))?.abort();
      return {};
    },

    async "thread/sample"(p, ctx) {
      const thread = registry.get(parseThreadId(p.threadId));
      if (!thread) throw invalidRequest("thread/sample requires a loaded source");
      if (thread.currentTask()) throw invalidRequest("sample source must be idle");
      const latest = thread.mapper.latestFinishedTurn;
      if (latest === null)
        throw invalidRequest(`invalid thread-store request: no rollout found for thread id ${thread.id}`);
      if (p.expectedTurnId !== latest)
        throw invalidRequest("sample source turn must be the latest finished turn");
      const deadline = AbortSignal.timeout(SAMPLE_TIMEOUT_MS);
      const cancel = new AbortController();
      const key = JSON.stringify(ctx.requestId);
      running.set(key, cancel);
      try {
        const r = await thread.conversation.sample(p.prompt, AbortSignal.any([deadline, cancel.signal]));
        return {
          sourceTurnId: latest,
          responseId: r.responseId,
          text: r.text,
          inputTokens: r.usage?.input_tokens ?? null,
          cachedInputTokens: r.usage?.cached_input_tokens ?? null,
          outputTokens: r.usage?.output_tokens ?? null,
        };
      } catch (err) {
        if (cancel.signal.aborted) throw internalError(SAMPLE_CANCELLED);
        throw internalError(deadline.aborted ? "sample timed out" : (err as Error).message);
      } finally {
        if (running.get(key) === cancel) running.delete(key);
      }
    },
  };
}
