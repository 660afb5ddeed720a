/**
 * Progress of one MCP tool call, passed on at a bounded rate. A server may send progress as fast as it can write
 * (164k notifications in 8 s were seen); each one passed on is a notification to every client. Up to
 * MCP_PROGRESS_BURST go through at once, then at most MCP_PROGRESS_PER_SECOND: in between only the latest value is
 * kept, and it goes out when the rate allows — or when the call ends, before its result.
 */

export const MCP_PROGRESS_BURST = 10;
export const MCP_PROGRESS_PER_SECOND = 10;

export interface ThrottledCallback<T> {
  (value: T): void;
  /** Passes on the value still held back, if any, and stops the timer. */
  flush(): void;
}

export function throttleLatest<T>(
  deliver: (value: T) => void,
  burst = MCP_PROGRESS_BURST,
  perSecond = MCP_PROGRESS_PER_SECOND,
): ThrottledCallback<T> {
  let tokens = burst;
  let refilledAt = Date.now();
  let pending: { value: T } | null = null;
  let timer: NodeJS.Timeout | undefined;
  const refill = () => {
    const now = Date.now();
    tokens = Math.min(burst, tokens + ((now - refilledAt) * perSecond) / 1000);
    refilledAt = now;
  };
  const release = () => {
    timer = undefined;
    refill();
    if (pending && tokens >= 1) {
      tokens--;
      const { value } = pending;
      pending = null;
      deliver(value);
    }
    if (pending) schedule();
  };
  const schedule = () => {
    if (timer) return;
    const wait = Math.max(1, Math.ceil(((1 - tokens) * 1000) / perSecond));
    timer = setTimeout(release, wait);
  };
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending) {
      const { value } = pending;
      pending = null;
      deliver(value);
    }
  };
  const throttled = (value: T) => {
    refill();
    if (!pending && tokens >= 1) {
      tokens--;
      deliver(value);
      return;
    }
    pending = { value };
    schedule();
  };
  return Object.assign(throttled, { flush });
}
