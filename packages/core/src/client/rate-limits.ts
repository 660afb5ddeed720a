/** A rate-limit window as the core's token_count event carries it. */
export interface RateLimitWindow {
  used_percent: number;
  window_minutes: number | null;
  resets_at: number | null;
}
export interface RateLimitSnapshot {
  primary: RateLimitWindow | null;
  secondary: RateLimitWindow | null;
}

function intOrNull(text: string | null): number | null {
  if (text === null) return null;
  const n = Number(text.trim());
  return Number.isInteger(n) ? n : null;
}

function window(headers: Headers, name: "primary" | "secondary"): RateLimitWindow | null {
  const used = headers.get(`x-codex-${name}-used-percent`);
  const usedPercent = used === null ? Number.NaN : Number.parseFloat(used);
  if (Number.isNaN(usedPercent)) return null;
  const minutes = intOrNull(headers.get(`x-codex-${name}-window-minutes`));
  const resetsAt = intOrNull(headers.get(`x-codex-${name}-reset-at`));
  // A window exists only when it says something: Codex drops all-zero windows.
  if (usedPercent === 0 && (minutes ?? 0) === 0 && resetsAt === null) return null;
  return { used_percent: usedPercent, window_minutes: minutes, resets_at: resetsAt };
}

/** Reads `x-codex-{primary,secondary}-{used-percent,window-minutes,reset-at}` response headers. */
export function rateLimitsFromHeaders(headers: Headers): RateLimitSnapshot {
  return { primary: window(headers, "primary"), secondary: window(headers, "secondary") };
}
