import { type gen0166, invalidRequest, type Protocol0166 } from "@codex-ts/app-server-protocol";
import type { Config } from "@codex-ts/config-loader";
import type { Handlers } from "../../handler.js";
import { parseThreadId } from "../../threads/registry.js";
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
 * - `account/usage/read {threadId?}` → `GET wham/profiles/me`: the profile's token `summary` and daily buckets. A
 *   `threadId` is checked (`invalid thread id: …`); a thread's estimated usage (`threadUsage`) is not reported.
 * - `account/rateLimitResetCredit/consume {idempotencyKey, creditId?}` → `POST
 *   wham/rate-limit-reset-credits/consume {redeem_request_id, credit_id?}`: its `code` as the `outcome`.
 * - `account/workspaceMessages/read` → `GET wham/workspace-messages`: the messages (`featureEnabled: true`); a 404
 *   means the route is off for this client (`featureEnabled: false`, no messages).
 * - `account/sendAddCreditsNudgeEmail {creditType}` → `POST wham/accounts/send_add_credits_nudge_email
 *   {credit_type}`: `sent` when it is accepted, `cooldown_active` when it answers 429.
 * - `account/gatewayOAuth/read`: the effective model provider; no provider of this server uses gateway OAuth
 *   (`required: false`, `status: null`); `account/gatewayOAuth/cancel` has nothing to cancel: `{}`.
 * - `accountSession/switch` (experimental): switching workspaces needs a managed ChatGPT login; this server keeps
 *   none of the sessions it would switch between, so it refuses as 0.166.0 refuses an API-key login or an unknown
 *   session.
 */
export function createAccountExtrasHandlers0166(s: AccountExtrasServices): Handlers<Protocol0166, Methods> {
  const call = (...args: Parameters<AccountBackend["call"]>) => {
    if (!s.backend) throw invalidRequest(`codex account authentication required ${args[0].required}`);
    return s.backend.call(...args);
  };
  return {
    async "account/usage/read"(p) {
      if (p?.threadId != null) parseThreadId(p.threadId);
      return (await call(
        {
          method: "GET",
          path: "wham/profiles/me",
          required: "to read token usage",
          purpose: "fetch token usage profile",
        },
        tokenUsage,
      )) as gen0166.GetAccountTokenUsageResponse;
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

    async "accountSession/switch"() {
      s.requireExperimental("accountSession/switch");
      if (await s.backend?.hasChatgptLogin())
        throw invalidRequest("Only the active managed account session can be switched");
      throw invalidRequest("Workspace switching requires a managed ChatGPT login");
    },
  };
}
