import type { ModelProviderInfo } from "@codex-ts/config-loader";
import type { ModelError } from "./types.js";

// How long the client waits on a model provider, and when it tells the turn (README "Limits"). Every wait is bounded
// by the provider's `stream_idle_timeout_ms`, so a test (or an impatient user) shortens them all with one setting.

/** The longest `Retry-After` honoured, whatever the provider asks for (a longer one waits this long). */
export const RETRY_AFTER_CAP_MS = 60_000;

/**
 * The longest `Retry-After` the client waits for silently before re-sending a failed HTTP request (0.58.0 re-sends
 * 429s and 5xx without a notice). When a provider asks for longer, the wait (capped) is announced first with
 * `stream_error "Reconnecting... n/N"`.
 */
export const SILENT_RETRY_WAIT_MAX_MS = 5_000;

/** `setTimeout`'s largest delay (2^31 - 1 ms): Node fires a longer one after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/** How much of an error response's body is read (it is echoed in the error message); the rest is dropped. */
export const ERROR_BODY_MAX_BYTES = 64 * 1024;

/** A delay a timer can hold: NaN and negatives are 0, more than `MAX_TIMER_MS` is `MAX_TIMER_MS`. */
export function timerMs(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}

/** The wait before retry number `attempt` (1-based): exponential from 200 ms, capped at 10 s, ±10 % jitter. */
export function retryBackoffMs(attempt: number): number {
  return Math.min(200 * 2 ** (attempt - 1), 10_000) * (0.9 + Math.random() * 0.2);
}

/**
 * The wait before the turn's retry number `retries`: the failure's own wait when it carries one (a `Retry-After`
 * the client did not spend silently), else the backoff. A used-up HTTP retry carries none: 0.58.0 backs off there.
 */
export function turnRetryDelayMs(err: ModelError, retries: number): number {
  return err.retryAfterMs ?? retryBackoffMs(retries);
}

/**
 * A `Retry-After` header in delta-seconds (fractions allowed): what the provider asked for (`requestedMs`) and the
 * wait the client grants (`waitMs`), capped at `min(RETRY_AFTER_CAP_MS, stream_idle_timeout_ms)`: the client never
 * waits on the provider longer than it would wait for it to say anything. Absent, zero, negative or unparsable
 * values (an HTTP-date too: 0.58.0 reads only seconds) give undefined, and the usual backoff applies.
 */
export function retryAfter(
  header: string | null,
  provider: ModelProviderInfo,
): { requestedMs: number; waitMs: number } | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
  const requestedMs = seconds * 1000;
  return { requestedMs, waitMs: Math.min(requestedMs, retryAfterCapMs(provider)) };
}

export function retryAfterCapMs(provider: ModelProviderInfo): number {
  return timerMs(Math.min(RETRY_AFTER_CAP_MS, provider.streamIdleTimeoutMs));
}

/** How long the client waits for a response's headers: the provider's `stream_idle_timeout_ms`. */
export function headersTimeoutMs(provider: ModelProviderInfo): number {
  return timerMs(provider.streamIdleTimeoutMs);
}

/**
 * Waits `ms` (clamped to what a timer holds) or until `signal` aborts, whichever comes first; never rejects (the
 * caller checks `signal.aborted`). The abort listener is removed either way, so a long turn's signal does not
 * collect one per retry.
 */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, timerMs(ms));
    signal.addEventListener("abort", done, { once: true });
  });
}
