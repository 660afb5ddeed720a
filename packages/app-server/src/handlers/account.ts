import type { Protocol058, ProtocolPeer } from "@codex-ts/app-server-protocol";
import { invalidRequest } from "@codex-ts/app-server-protocol";
import { type AuthManager, knownPlanType } from "@codex-ts/core";
import type { Handlers } from "../handler.js";
import { AccountService } from "./account-service.js";

export interface AccountHandlerOptions {
  /** `requires_openai_auth` of the server's configured model provider. Default true (the built-in `openai`). */
  requiresOpenaiAuth?: boolean | undefined;
  /** Where refresh failures that do not fail a request are reported. */
  warn?: ((message: string) => void) | undefined;
}

type AccountMethods =
  | "loginApiKey"
  | "loginChatGpt"
  | "cancelLoginChatGpt"
  | "logoutChatGpt"
  | "getAuthStatus"
  | "userInfo"
  | "account/read"
  | "account/login/start"
  | "account/login/cancel"
  | "account/logout"
  | "account/rateLimits/read";

/**
 * The account methods of Codex 0.58.0, v1 (`loginApiKey`, `loginChatGpt`, `cancelLoginChatGpt`, `logoutChatGpt`,
 * `getAuthStatus`, `userInfo`) and v2 (`account/*`), over the `AccountService` 0.166 connections share.
 * Notifications follow the response that causes them; a ChatGPT login reports its end in the API family (v1 or
 * v2) that started it, through `peer`. Given an `AuthManager`, a service of its own is made.
 */
export function createAccountHandlers(
  account: AccountService | AuthManager,
  peer: ProtocolPeer<Protocol058>,
  o: AccountHandlerOptions = {},
): Handlers<Protocol058, AccountMethods> {
  const svc =
    account instanceof AccountService
      ? account
      : new AccountService(account, o.requiresOpenaiAuth ?? true, (m) => o.warn?.(m));
  const { requiresOpenaiAuth } = svc;

  const startChatGpt = (family: "v1" | "v2") =>
    svc.startChatGpt(({ loginId, success, error, auth }) => {
      const mode = auth?.mode ?? null;
      if (family === "v2") {
        void peer.notify("account/login/completed", { loginId, success, error });
        if (success) void peer.notify("account/updated", { authMode: mode });
      } else {
        void peer.notify("loginChatGptComplete", { loginId, success, error });
        if (success) void peer.notify("authStatusChange", { authMethod: mode });
      }
    });

  return {
    async loginApiKey(p, ctx) {
      await svc.loginApiKey(p.apiKey);
      const sent = await ctx.respond({});
      void peer.notify("authStatusChange", { authMethod: "apikey" });
      return sent;
    },

    async loginChatGpt() {
      const { loginId, authUrl } = await startChatGpt("v1");
      return { loginId, authUrl };
    },

    // The login id is a UUID, checked by the decode (0.58.0's `UUID parsing failed: …`).
    cancelLoginChatGpt: (p) => {
      svc.cancel(p.loginId);
      return {};
    },

    async logoutChatGpt(_p, ctx) {
      await svc.logout();
      const sent = await ctx.respond({});
      void peer.notify("authStatusChange", { authMethod: null });
      return sent;
    },

    async getAuthStatus(p) {
      // Like 0.58.0: a provider that does not use OpenAI auth has no account to report, stored or not.
      if (!requiresOpenaiAuth) return { authMethod: null, authToken: null, requiresOpenaiAuth };
      if (p.refreshToken) await svc.refreshQuietly();
      const current = await svc.current();
      if (!current) return { authMethod: null, authToken: null, requiresOpenaiAuth };
      if (!p.includeToken) return { authMethod: current.mode, authToken: null, requiresOpenaiAuth };
      try {
        return { authMethod: current.mode, authToken: await current.getToken(), requiresOpenaiAuth };
      } catch (err) {
        // Codex reports a token it cannot produce (a failed refresh) as "not logged in", not as an error.
        o.warn?.(`failed to get token for auth status: ${(err as Error).message}`);
        return { authMethod: null, authToken: null, requiresOpenaiAuth };
      }
    },

    async userInfo() {
      const current = await svc.current();
      return { allegedUserEmail: current?.mode === "chatgpt" ? (current.email ?? null) : null };
    },

    async "account/read"(p) {
      const state = await svc.read(p.refreshToken);
      if (state.type === "none") return { account: null, requiresOpenaiAuth };
      if (state.type === "apiKey") return { account: { type: "apiKey" }, requiresOpenaiAuth };
      if (!state.email || !state.planType) {
        throw invalidRequest("email and plan type are required for chatgpt authentication");
      }
      const account = {
        type: "chatgpt" as const,
        email: state.email,
        planType: knownPlanType(state.planType),
      };
      return { account, requiresOpenaiAuth };
    },

    async "account/login/start"(p, ctx) {
      if (p.type === "chatgpt") {
        const { loginId, authUrl } = await startChatGpt("v2");
        return { type: "chatgpt", loginId, authUrl };
      }
      await svc.loginApiKey(p.apiKey);
      const sent = await ctx.respond({ type: "apiKey" });
      void peer.notify("account/login/completed", { loginId: null, success: true, error: null });
      void peer.notify("account/updated", { authMode: "apikey" });
      return sent;
    },

    // v2 takes any string and reports a malformed id itself, as 0.58.0 does.
    "account/login/cancel"(p) {
      svc.cancel(AccountService.v2LoginId(p.loginId));
      return {};
    },

    async "account/logout"(_p, ctx) {
      await svc.logout();
      const sent = await ctx.respond({});
      void peer.notify("account/updated", { authMode: null });
      return sent;
    },

    async "account/rateLimits/read"() {
      return { rateLimits: await svc.rateLimits() };
    },
  };
}
