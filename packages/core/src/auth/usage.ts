import type { v2 } from "@codex-ts/app-server-protocol";

/** One window of the backend's usage answer (`GET …/wham/usage`). */
interface UsageWindow {
  used_percent?: number | null;
  limit_window_seconds?: number | null;
  reset_after_seconds?: number | null;
  reset_at?: number | null;
}

/** The usage endpoint: `<base>/wham/usage` on the ChatGPT backend (`/backend-api`), else `<base>/api/codex/usage`. */
export function usageUrl(chatgptBaseUrl: string): string {
  const base = chatgptBaseUrl.replace(/\/+$/, "");
  return base.includes("/backend-api") ? `${base}/wham/usage` : `${base}/api/codex/usage`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function mapWindow(w: unknown): v2.RateLimitWindow | null {
  if (!isObject(w)) return null;
  const window = w as UsageWindow;
  const seconds = num(window.limit_window_seconds);
  const resetAt = num(window.reset_at);
  return {
    usedPercent: Math.round(num(window.used_percent) ?? 0),
    // Whole minutes, rounded up, as Codex reports them; a window without a length has none.
    windowDurationMins: seconds !== null && seconds > 0 ? Math.ceil(seconds / 60) : null,
    resetsAt: resetAt !== null ? Math.trunc(resetAt) : null,
  };
}

/** Maps the usage body `{plan_type, rate_limit: {primary_window, secondary_window}}` to the v2 snapshot. */
export function rateLimitsFromUsage(body: unknown): v2.RateLimitSnapshot {
  const limits = isObject(body) && isObject(body.rate_limit) ? body.rate_limit : {};
  return { primary: mapWindow(limits.primary_window), secondary: mapWindow(limits.secondary_window) };
}
