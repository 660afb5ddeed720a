import {
  gen0166,
  invalidRequest,
  type Protocol0166,
  type ProtocolPeer,
  type v2,
} from "@codex-ts/app-server-protocol";
import type { CodexAuth } from "@codex-ts/core";
import type { Handlers } from "../../handler.js";
import { AccountService, type LoginEnd } from "../account-service.js";

type AccountMethods0166 =
  | "account/read"
  | "account/login/start"
  | "account/login/cancel"
  | "account/logout"
  | "account/rateLimits/read";

/** 0.166's `PlanType` of a plan name from the token claims; names it does not know are `unknown`. */
export function planType0166(plan: string | null | undefined): gen0166.PlanType | null {
  if (plan == null) return null;
  const known = gen0166.PlanType.safeParse(plan);
  return known.success ? known.data : "unknown";
}

/**
 * A rate-limit snapshot (the backend's `codex` limit, as the core reads it) in 0.166's shape, for
 * `account/rateLimits/read` and the `account/rateLimits/updated` notification. What this server does not learn
 * (limit names, credits, spend controls) is null, as 0.166.0 sends it for a provider without them.
 */
export function rateLimitSnapshot0166(
  snapshot: v2.RateLimitSnapshot,
  planType: gen0166.PlanType | null = null,
): gen0166.RateLimitSnapshot {
  return {
    limitId: "codex",
    limitName: null,
    normalModelSlug: null,
    primary: snapshot.primary,
    secondary: snapshot.secondary,
    credits: null,
    individualLimit: null,
    spendControlReached: null,
    planType,
    rateLimitReachedType: null,
  };
}

/** A login's end in 0.166's notifications: `account/login/completed`, then `account/updated` when it succeeded. */
function reportLogin(
  peer: ProtocolPeer<Protocol0166>,
  end: Omit<LoginEnd, "auth">,
  auth: CodexAuth | null,
): void {
  const { loginId, success, error } = end;
  void peer.notify("account/login/completed", { loginId, success, error, onboardingEntrypoint: null });
  if (!success) return;
  const planType = auth?.mode === "chatgpt" ? planType0166(auth.planType) : null;
  void peer.notify("account/updated", { authMode: auth?.mode ?? null, planType });
}

/**
 * 0.166.0's `account/*` methods over the same `AccountService` as 0.58's: the answers and notifications in 0.166's
 * shapes (`workspaceRouting`, `planType` in `account/updated`, `onboardingEntrypoint` in
 * `account/login/completed`, cancel answered with a status), the logic and its errors shared.
 */
export function createAccountHandlers0166(svc: AccountService): Handlers<Protocol0166, AccountMethods0166> {
  return {
    async "account/read"(p) {
      const state = await svc.read(p.refreshToken);
      const requiresOpenaiAuth = svc.requiresOpenaiAuth;
      const account: gen0166.Account | null =
        state.type === "none"
          ? null
          : state.type === "apiKey"
            ? { type: "apiKey" }
            : { type: "chatgpt", email: state.email, planType: planType0166(state.planType) ?? "unknown" };
      // This server discovers no workspace routing (0.166.0 asks the ChatGPT backend for it).
      return { account, requiresOpenaiAuth, workspaceRouting: null };
    },

    async "account/login/start"(p, ctx) {
      if (p.type === "chatgpt") {
        const { loginId, authUrl } = await svc.startChatGpt((end) => reportLogin(ctx.peer, end, end.auth));
        return { type: "chatgpt", loginId, authUrl };
      }
      if (p.type === "chatgptDeviceCode") {
        const { loginId, verificationUrl, userCode } = await svc.startDeviceCode((end) =>
          reportLogin(ctx.peer, end, end.auth),
        );
        return { type: "chatgptDeviceCode", loginId, verificationUrl, userCode };
      }
      if (p.type === "apiKey") {
        await svc.loginApiKey(p.apiKey);
        const sent = await ctx.respond({ type: "apiKey" });
        reportLogin(ctx.peer, { loginId: null, success: true, error: null }, await svc.current());
        return sent;
      }
      throw invalidRequest(`account/login/start.${p.type} is not supported by this server`);
    },

    "account/login/cancel"(p) {
      return { status: svc.tryCancel(AccountService.v2LoginId(p.loginId)) ? "canceled" : "notFound" };
    },

    async "account/logout"(_p, ctx) {
      await svc.logout();
      const sent = await ctx.respond({});
      void ctx.peer.notify("account/updated", { authMode: null, planType: null });
      return sent;
    },

    async "account/rateLimits/read"() {
      const snapshot = rateLimitSnapshot0166(await svc.rateLimits());
      return { rateLimits: snapshot, rateLimitsByLimitId: { codex: snapshot } };
    },
  };
}
