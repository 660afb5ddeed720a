import {
  internalError,
  invalidRequest,
  type Protocol058,
  type ProtocolPeer,
  parseUuid,
} from "@codex-ts/app-server-protocol";
import {
  type AuthManager,
  AuthRequestError,
  type ChatGptLogin,
  type CodexAuth,
  knownPlanType,
} from "@codex-ts/core";
import type { Handlers } from "../handler.js";

export interface AccountHandlerOptions {
  /** `requires_openai_auth` of the server's configured model provider. Default true (the built-in `openai`). */
  requiresOpenaiAuth?: boolean | undefined;
  /** Where refresh failures that do not fail a request are reported. */
  warn?: ((message: string) => void) | undefined;
}

/** Refusals are the client's problem (-32600); anything else failed on our side (-32603, with Codex's prefix). */
function rpcError(err: unknown, prefix?: string) {
  if (err instanceof AuthRequestError) return invalidRequest(err.message);
  const message = err instanceof Error ? err.message : String(err);
  return internalError(prefix ? `${prefix}: ${message}` : message);
}

async function currentOrFail(auth: AuthManager): Promise<CodexAuth | null> {
  try {
    return await auth.current();
  } catch (err) {
    throw rpcError(err, "failed to load auth");
  }
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
 * `getAuthStatus`, `userInfo`) and v2 (`account/*`), over one `AuthManager`. Notifications follow the response that
 * causes them; a ChatGPT login reports its end in the API family (v1 or v2) that started it, through `peer`.
 */
export function createAccountHandlers(
  auth: AuthManager,
  peer: ProtocolPeer<Protocol058>,
  o: AccountHandlerOptions = {},
): Handlers<Protocol058, AccountMethods> {
  const requiresOpenaiAuth = o.requiresOpenaiAuth ?? true;
  const warn = (m: string) => o.warn?.(m);

  // Settles once the last login's end has been reported.
  let lastReported: Promise<void> = Promise.resolve();
  const startChatGpt = async (family: "v1" | "v2"): Promise<ChatGptLogin> => {
    let login: ChatGptLogin;
    try {
      login = await auth.startChatGptLogin();
    } catch (err) {
      throw rpcError(err, "failed to start login server");
    }
    // Starting cancelled the running login: like 0.58.0, report its end before answering for the new one.
    await lastReported;
    lastReported = login.done
      .then(async ({ success, error }) => {
        // A cancel request's response is written before this runs (it is sent within the current turn of the
        // event loop), so the end it caused follows it, as in 0.58.0.
        await new Promise((r) => setImmediate(r));
        const mode = success ? ((await auth.current().catch(() => null))?.mode ?? null) : null;
        if (family === "v2") {
          void peer.notify("account/login/completed", { loginId: login.loginId, success, error });
          if (success) void peer.notify("account/updated", { authMode: mode });
        } else {
          void peer.notify("loginChatGptComplete", { loginId: login.loginId, success, error });
          if (success) void peer.notify("authStatusChange", { authMethod: mode });
        }
      })
      .catch((err: unknown) => warn(`failed to report the end of a login: ${String(err)}`));
    return login;
  };

  const saveApiKey = async (apiKey: string) => {
    try {
      await auth.loginApiKey(apiKey);
    } catch (err) {
      throw rpcError(err, "failed to save api key");
    }
  };

  const logout = async () => {
    try {
      await auth.logout();
    } catch (err) {
      throw rpcError(err, "logout failed");
    }
  };

  const refreshQuietly = async () => {
    try {
      await auth.refresh();
    } catch (err) {
      warn(`failed to refresh token: ${(err as Error).message}`);
    }
  };

  const cancel = (loginId: string) => {
    try {
      auth.cancelLogin(loginId);
    } catch (err) {
      throw rpcError(err);
    }
    return {};
  };

  return {
    async loginApiKey(p, ctx) {
      await saveApiKey(p.apiKey);
      const sent = await ctx.respond({});
      void peer.notify("authStatusChange", { authMethod: "apikey" });
      return sent;
    },

    async loginChatGpt() {
      const { loginId, authUrl } = await startChatGpt("v1");
      return { loginId, authUrl };
    },

    // The login id is a UUID, checked by the decode (0.58.0's `UUID parsing failed: …`).
    cancelLoginChatGpt: (p) => cancel(p.loginId),

    async logoutChatGpt(_p, ctx) {
      await logout();
      const sent = await ctx.respond({});
      void peer.notify("authStatusChange", { authMethod: null });
      return sent;
    },

    async getAuthStatus(p) {
      // Like 0.58.0: a provider that does not use OpenAI auth has no account to report, stored or not.
      if (!requiresOpenaiAuth) return { authMethod: null, authToken: null, requiresOpenaiAuth };
      if (p.refreshToken) await refreshQuietly();
      const current = await currentOrFail(auth);
      if (!current) return { authMethod: null, authToken: null, requiresOpenaiAuth };
      if (!p.includeToken) return { authMethod: current.mode, authToken: null, requiresOpenaiAuth };
      try {
        return { authMethod: current.mode, authToken: await current.getToken(), requiresOpenaiAuth };
      } catch (err) {
        // Codex reports a token it cannot produce (a failed refresh) as "not logged in", not as an error.
        warn(`failed to get token for auth status: ${(err as Error).message}`);
        return { authMethod: null, authToken: null, requiresOpenaiAuth };
      }
    },

    async userInfo() {
      const current = await currentOrFail(auth);
      return { allegedUserEmail: current?.mode === "chatgpt" ? (current.email ?? null) : null };
    },

    async "account/read"(p) {
      if (!requiresOpenaiAuth) return { account: null, requiresOpenaiAuth };
      if (p.refreshToken) await refreshQuietly();
      const current = await currentOrFail(auth);
      if (!current) return { account: null, requiresOpenaiAuth };
      if (current.mode === "apikey") return { account: { type: "apiKey" }, requiresOpenaiAuth };
      if (!current.email || !current.planType) {
        throw invalidRequest("email and plan type are required for chatgpt authentication");
      }
      const account = {
        type: "chatgpt" as const,
        email: current.email,
        planType: knownPlanType(current.planType),
      };
      return { account, requiresOpenaiAuth };
    },

    async "account/login/start"(p, ctx) {
      if (p.type === "chatgpt") {
        const { loginId, authUrl } = await startChatGpt("v2");
        return { type: "chatgpt", loginId, authUrl };
      }
      await saveApiKey(p.apiKey);
      const sent = await ctx.respond({ type: "apiKey" });
      void peer.notify("account/login/completed", { loginId: null, success: true, error: null });
      void peer.notify("account/updated", { authMode: "apikey" });
      return sent;
    },

    // v2 takes any string and reports a malformed id itself, as 0.58.0 does.
    "account/login/cancel"(p) {
      let loginId: string;
      try {
        loginId = parseUuid(p.loginId);
      } catch {
        throw invalidRequest(`invalid login id: ${p.loginId}`);
      }
      return cancel(loginId);
    },

    async "account/logout"(_p, ctx) {
      await logout();
      const sent = await ctx.respond({});
      void peer.notify("account/updated", { authMode: null });
      return sent;
    },

    async "account/rateLimits/read"() {
      try {
        return { rateLimits: await auth.readRateLimits() };
      } catch (err) {
        throw rpcError(err);
      }
    },
  };
}
