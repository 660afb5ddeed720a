import {
  type gen0166,
  internalError,
  invalidRequest,
  type Protocol0166,
} from "@codex-ts/app-server-protocol";
import type { Config } from "@codex-ts/config-loader";
import type { Handlers } from "../../handler.js";
import { parseThreadId } from "../../threads/registry.js";
import type { AccountSessions } from "./account-sessions.js";
import type { AccountBackend } from "./backend.js";

type Methods =
  | "account/usage/read"
  | "account/rateLimitResetCredit/consume"
  | "account/workspaceMessages/read"
  | "account/sendAddCreditsNudgeEmail"
  | "account/gatewayOAuth/read"
  | "account/gatewayOAuth/cancel"
  | "accountSession/switch";

export interface AccountExtrasServices {
  /** The account backend; without one (no account store) every backend method is refused as without a login. */
  backend: AccountBackend | undefined;
  /** The effective config (its model provider), for `account/gatewayOAuth/read`. */
  currentConfig: (() => Promise<Config>) | undefined;
  /** The login's account sessions (none without an account store). */
  sessions: AccountSessions | undefined;
  requireExperimental(method: string): void;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const int = (v: unknown): number | null => (typeof v === "number" && Number.isInteger(v) ? v : null);

/** The backend's reset outcome codes and the protocol's names for them. */
const RESET_OUTCOMES: Record<string, gen0166.ConsumeAccountRateLimitResetCreditOutcome> = {
  reset: "reset",
  nothing_to_reset: "nothingToReset",
  no_credit: "noCredit",
  already_redeemed: "alreadyRedeemed",
};

/** `GET wham/profiles/me`'s `stats` as `account/usage/read` reports them (0.166.0's mapping). */
function tokenUsage(body: unknown): gen0166.GetAccountTokenUsageResponse | undefined {
  if (!isObject(body) || !isObject(body.stats)) return undefined;
  const s = body.stats;
  const buckets = Array.isArray(s.daily_usage_buckets)
    ? s.daily_usage_buckets.flatMap((b) =>
        isObject(b) && typeof b.start_date === "string" && int(b.tokens) !== null
          ? [{ startDate: b.start_date, tokens: int(b.tokens) as number }]
          : [],
      )
    : null;
  return {
    summary: {
      lifetimeTokens: int(s.lifetime_tokens),
      peakDailyTokens: int(s.peak_daily_tokens),
      longestRunningTurnSec: int(s.longest_running_turn_sec),
      currentStreakDays: int(s.current_streak_days),
      longestStreakDays: int(s.longest_streak_days),
    },
    dailyUsageBuckets: buckets,
    threadUsage: null,
  };
}

/** A summary that says nothing (`account/usage/read` for one thread). */
const NO_SUMMARY: gen0166.AccountTokenUsageSummary = {
  lifetimeTokens: null,
  peakDailyTokens: null,
  longestRunningTurnSec: null,
  currentStreakDays: null,
  longestStreakDays: null,
};

/** `POST wham/usage/thread_usage/query`'s estimate of `threadId`, or 0.166.0's words for an answer without it. */
function threadUsage(body: unknown, threadId: string): { usage: gen0166.ThreadUsage } | { error: string } {
  const invalid = { error: "Invalid thread usage response." };
  if (!isObject(body) || !Array.isArray(body.threads)) return invalid;
  if (body.threads.some((t) => !isObject(t) || t.thread_id !== threadId))
    return { error: "thread usage returned unexpected threads" };
  const found = body.threads[0];
  if (!isObject(found)) return { error: "thread usage response omitted requested thread" };
  const credits = int(found.estimated_usage_credits_micros);
  if (credits === null || !Array.isArray(found.groups)) return invalid;
  const groups: gen0166.ThreadUsageBreakdownGroup[] = [];
  for (const g of found.groups) {
    if (!isObject(g) || int(g.estimated_usage_credits_micros) === null) return invalid;
    groups.push({
      model: typeof g.model === "string" ? g.model : null,
      reasoningEffort: typeof g.reasoning_effort === "string" ? g.reasoning_effort : null,
      speed: typeof g.speed === "string" ? g.speed : null,
      estimatedUsageCreditsMicros: int(g.estimated_usage_credits_micros) as number,
      netNewInputTokens: int(g.net_new_input_tokens),
      cachedInputTokens: int(g.cached_input_tokens),
      inputTokens: int(g.input_tokens),
      outputTokens: int(g.output_tokens),
      totalTokens: int(g.total_tokens),
    });
  }
  return {
    usage: {
      threadId,
      estimatedUsageCreditsMicros: credits,
      estimatedUsageUsdMicros: int(found.estimated_usage_usd_micros),
      nativeUsageUsdMicros: int(found.native_usage_usd_micros),
      groups,
    },
  };
}

/** Seconds since the epoch of an RFC 3339 time (0.166.0 reports the backend's times so); null when there is none. */
function unixSeconds(v: unknown): number | null {
  if (typeof v !== "string") return null;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

const MESSAGE_TYPES = new Set(["headline", "announcement"]);

/** `GET wham/workspace-messages` as `account/workspaceMessages/read` reports it. */
function workspaceMessages(body: unknown): gen0166.GetWorkspaceMessagesResponse | undefined {
  if (!isObject(body) || !Array.isArray(body.messages)) return undefined;
  const messages: gen0166.WorkspaceMessage[] = [];
  for (const m of body.messages) {
    if (!isObject(m) || typeof m.message_id !== "string" || typeof m.message_body !== "string")
      return undefined;
    messages.push({
      messageId: m.message_id,
      messageType:
        typeof m.message_type === "string" && MESSAGE_TYPES.has(m.message_type)
          ? (m.message_type as gen0166.WorkspaceMessageType)
          : "unknown",
      messageBody: m.message_body,
      createdAt: unixSeconds(m.created_at),
      archivedAt: unixSeconds(m.archived_at),
    });
  }
  return { featureEnabled: true, messages };
}

/**
 * The ChatGPT account's extras, as 0.166.0 serves them. Each backend method needs a ChatGPT login (else -32600
 * `codex account authentication required …` without a login, `chatgpt authentication required …` with an API
 * key) and calls `<chatgpt_base_url>wham/…`:
 * - `account/usage/read {threadId?}` → `GET wham/profiles/me`: the profile's token `summary` and daily buckets; with
 *   a `threadId` (checked first: `invalid thread id: …`) instead `POST wham/usage/thread_usage/query {thread_ids}`:
 *   that thread's estimate as `threadUsage` (null when the backend answers 404), the summary empty.
 * - `account/rateLimitResetCredit/consume {idempotencyKey, creditId?}` → `POST
 *   wham/rate-limit-reset-credits/consume {redeem_request_id, credit_id?}`: its `code` as the `outcome`.
 * - `account/workspaceMessages/read` → `GET wham/workspace-messages`: the messages (`featureEnabled: true`); a 404
 *   means the route is off for this client (`featureEnabled: false`, no messages).
 * - `account/sendAddCreditsNudgeEmail {creditType}` → `POST wham/accounts/send_add_credits_nudge_email
 *   {credit_type}`: `sent` when it is accepted, `cooldown_active` when it answers 429.
 * - `account/gatewayOAuth/read`: the effective model provider; no provider of this server uses gateway OAuth
 *   (`required: false`, `status: null`); `account/gatewayOAuth/cancel` has nothing to cancel: `{}`.
 * - `accountSession/switch {sessionId, accountId}` (experimental): needs a managed ChatGPT login; only its one
 *   session can be named, and its own workspace is selected already (the list again); another workspace would need
 *   the backend's workspace metadata, which is not looked up here (`Failed to fetch workspace metadata`, as 0.166.0
 *   answers when that lookup fails).
 */
export function createAccountExtrasHandlers0166(s: AccountExtrasServices): Handlers<Protocol0166, Methods> {
  const call = (...args: Parameters<AccountBackend["call"]>) => {
    if (!s.backend) throw invalidRequest(`codex account authentication required ${args[0].required}`);
    return s.backend.call(...args);
  };
  return {
    async "account/usage/read"(p) {
      if (p?.threadId == null)
        return (await call(
          {
            method: "GET",
            path: "wham/profiles/me",
            required: "to read token usage",
            purpose: "fetch token usage profile",
          },
          tokenUsage,
        )) as gen0166.GetAccountTokenUsageResponse;
      // One thread's estimate instead (0.166.0 leaves the profile alone then); a 404 means there is none.
      const threadId = parseThreadId(p.threadId);
      const read = (await call(
        {
          method: "POST",
          path: "wham/usage/thread_usage/query",
          body: { thread_ids: [threadId] },
          required: "to read token usage",
          purpose: "fetch thread usage",
          alsoOk: [404],
        },
        (body, answer) => (answer.status === 404 ? { usage: null } : threadUsage(body, threadId)),
      )) as { usage: gen0166.ThreadUsage | null } | { error: string };
      if ("error" in read) throw internalError(`failed to fetch thread usage: ${read.error}`);
      return { summary: NO_SUMMARY, dailyUsageBuckets: null, threadUsage: read.usage };
    },

    async "account/rateLimitResetCredit/consume"(p) {
      const outcome = (await call(
        {
          method: "POST",
          path: "wham/rate-limit-reset-credits/consume",
          body: {
            redeem_request_id: p.idempotencyKey,
            ...(p.creditId != null ? { credit_id: p.creditId } : {}),
          },
          required: "for rate limit reset credits",
          purpose: "consume rate limit reset",
        },
        (body) => (isObject(body) && typeof body.code === "string" ? RESET_OUTCOMES[body.code] : undefined),
      )) as gen0166.ConsumeAccountRateLimitResetCreditOutcome;
      return { outcome };
    },

    async "account/workspaceMessages/read"() {
      try {
        return (await call(
          {
            method: "GET",
            path: "wham/workspace-messages",
            required: "to read workspace messages",
            purpose: "fetch workspace messages",
          },
          workspaceMessages,
        )) as gen0166.GetWorkspaceMessagesResponse;
      } catch (err) {
        // The route answers 404 where workspace messages are off for this client.
        if (err instanceof Error && / failed: 404 Not Found;/.test(err.message))
          return { featureEnabled: false, messages: [] };
        throw err;
      }
    },

    async "account/sendAddCreditsNudgeEmail"(p) {
      // The backend's status says it: sent (any 2xx answer, whatever its body) or still cooling down (429).
      const status = (await call(
        {
          method: "POST",
          path: "wham/accounts/send_add_credits_nudge_email",
          body: { credit_type: p.creditType },
          required: "to notify workspace owner",
          purpose: "notify workspace owner",
          alsoOk: [429],
        },
        (_body, answer) => (answer.status === 429 ? "cooldown_active" : "sent"),
      )) as gen0166.AddCreditsNudgeEmailStatus;
      return { status };
    },

    async "account/gatewayOAuth/read"() {
      const config = await s.currentConfig?.();
      return {
        providerId: config?.modelProviderId ?? "openai",
        providerName: config?.modelProvider.name ?? "OpenAI",
        required: false,
        status: null,
        error: null,
      };
    },

    "account/gatewayOAuth/cancel"() {
      return {};
    },

    async "accountSession/switch"(p) {
      s.requireExperimental("accountSession/switch");
      const listed = await s.sessions?.list();
      if (!listed?.activeSessionId)
        throw invalidRequest("Workspace switching requires a managed ChatGPT login");
      if (p.sessionId !== listed.activeSessionId)
        throw invalidRequest("Only the active managed account session can be switched");
      // The login's own workspace is already selected; another one needs its metadata, which is not looked up here.
      if (listed.sessions[0]?.selectedWorkspaceAccountId !== p.accountId)
        throw internalError("Failed to fetch workspace metadata");
      return listed;
    },
  };
}
