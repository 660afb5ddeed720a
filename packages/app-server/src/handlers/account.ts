import {
  internalError,
  invalidRequest,
  type NotificationParams,
  type Result,
  type ServerNotificationMethod,
} from "@codex-ts/app-server-protocol";
import {
  type AuthManager,
  AuthRequestError,
  type ChatGptLogin,
  type CodexAuth,
  knownPlanType,
} from "@codex-ts/core";
import { object, optionalBool, requiredString } from "../params.js";
import type { RequestHandler } from "../server.js";
import { parseUuid } from "../uuid.js";

export interface AccountHandlerOptions {
  /** `requires_openai_auth` of the server's configured model provider. Default true (the built-in `openai`). */
  requiresOpenaiAuth?: boolean | undefined;
  /** Where refresh failures that do not fail a request are reported. */
  warn?: ((message: string) => void) | undefined;
}

type LoginStart = { type: "apiKey"; apiKey: string } | { type: "chatgpt" };

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

/**
 * The account methods of Codex 0.58.0, v1 (`loginApiKey`, `loginChatGpt`, `cancelLoginChatGpt`, `logoutChatGpt`,
 * `getAuthStatus`, `userInfo`) and v2 (`account/*`), over one `AuthManager`. Notifications follow the response that
 * causes them; a ChatGPT login reports its end in the API family (v1 or v2) that started it.
 */
export function createAccountHandlers(
  auth: AuthManager,
  notify: (method: string, params: unknown) => void,
  o: AccountHandlerOptions = {},
) {
  const requiresOpenaiAuth = o.requiresOpenaiAuth ?? true;
  const send = <M extends ServerNotificationMethod>(method: M, params: NotificationParams<M>) =>
    notify(method, params);
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
          send("account/login/completed", { loginId: login.loginId, success, error });
          if (success) send("account/updated", { authMode: mode });
        } else {
          send("loginChatGptComplete", { loginId: login.loginId, success, error });
          if (success) send("authStatusChange", { authMethod: mode });
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

  const loginApiKey: RequestHandler<string> = {
    decode: (params) => requiredString(object(params, "struct LoginApiKeyParams"), "apiKey"),
    async handle(apiKey): Promise<Result<"loginApiKey">> {
      await saveApiKey(apiKey);
      return {};
    },
    afterResponse: () => send("authStatusChange", { authMethod: "apikey" }),
  };

  const loginChatGpt: RequestHandler<null> = {
    decode: () => null,
    async handle(): Promise<Result<"loginChatGpt">> {
      const { loginId, authUrl } = await startChatGpt("v1");
      return { loginId, authUrl };
    },
  };

  const cancelLoginChatGpt: RequestHandler<string> = {
    decode(params) {
      const raw = requiredString(object(params, "struct CancelLoginChatGptParams"), "loginId");
      try {
        return parseUuid(raw);
      } catch (err) {
        throw invalidRequest(`Invalid request: UUID parsing failed: ${(err as Error).message}`);
      }
    },
    handle: (loginId): Result<"cancelLoginChatGpt"> => cancel(loginId),
  };

  const logoutChatGpt: RequestHandler<null> = {
    decode: () => null,
    async handle(): Promise<Result<"logoutChatGpt">> {
      await logout();
      return {};
    },
    afterResponse: () => send("authStatusChange", { authMethod: null }),
  };

  const getAuthStatus: RequestHandler<{ includeToken: boolean; refreshToken: boolean }> = {
    decode(params) {
      const p = object(params, "struct GetAuthStatusParams");
      return { includeToken: optionalBool(p, "includeToken"), refreshToken: optionalBool(p, "refreshToken") };
    },
    async handle({ includeToken, refreshToken }): Promise<Result<"getAuthStatus">> {
      // Like 0.58.0: a provider that does not use OpenAI auth has no account to report, stored or not.
      if (!requiresOpenaiAuth) return { authMethod: null, authToken: null, requiresOpenaiAuth };
      if (refreshToken) await refreshQuietly();
      const current = await currentOrFail(auth);
      if (!current) return { authMethod: null, authToken: null, requiresOpenaiAuth };
      if (!includeToken) return { authMethod: current.mode, authToken: null, requiresOpenaiAuth };
      try {
        return { authMethod: current.mode, authToken: await current.getToken(), requiresOpenaiAuth };
      } catch (err) {
        // Codex reports a token it cannot produce (a failed refresh) as "not logged in", not as an error.
        warn(`failed to get token for auth status: ${(err as Error).message}`);
        return { authMethod: null, authToken: null, requiresOpenaiAuth };
      }
    },
  };

  const userInfo: RequestHandler<null> = {
    decode: () => null,
    async handle(): Promise<Result<"userInfo">> {
      const current = await currentOrFail(auth);
      return { allegedUserEmail: current?.mode === "chatgpt" ? (current.email ?? null) : null };
    },
  };

  const accountRead: RequestHandler<{ refreshToken: boolean }> = {
    decode(params) {
      // serde reads an empty sequence as a struct with every field absent.
      if (Array.isArray(params) && params.length === 0) return { refreshToken: false };
      return { refreshToken: optionalBool(object(params, "struct GetAccountParams"), "refreshToken") };
    },
    async handle({ refreshToken }): Promise<Result<"account/read">> {
      if (!requiresOpenaiAuth) return { account: null, requiresOpenaiAuth };
      if (refreshToken) await refreshQuietly();
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
  };

  const accountLoginStart: RequestHandler<LoginStart> = {
    decode(params) {
      const p = object(params, "internally tagged enum LoginAccountParams");
      if (!("type" in p)) throw invalidRequest("Invalid request: missing field `type`");
      const type = p.type;
      if (typeof type === "number" && Number.isInteger(type)) {
        throw invalidRequest(
          `Invalid request: invalid value: integer \`${type}\`, expected variant index 0 <= i < 2`,
        );
      }
      if (type === "apiKey") return { type, apiKey: requiredString(p, "apiKey") };
      if (type === "chatgpt") return { type };
      const shown =
        typeof type === "string" ? `unknown variant \`${type}\`` : `invalid type: ${JSON.stringify(type)}`;
      throw invalidRequest(`Invalid request: ${shown}, expected \`apiKey\` or \`chatgpt\``);
    },
    async handle(p): Promise<Result<"account/login/start">> {
      if (p.type === "apiKey") {
        await saveApiKey(p.apiKey);
        return { type: "apiKey" };
      }
      const { loginId, authUrl } = await startChatGpt("v2");
      return { type: "chatgpt", loginId, authUrl };
    },
    afterResponse(result) {
      if ((result as { type?: string }).type !== "apiKey") return;
      send("account/login/completed", { loginId: null, success: true, error: null });
      send("account/updated", { authMode: "apikey" });
    },
  };

  const accountLoginCancel: RequestHandler<string> = {
    decode: (params) => requiredString(object(params, "struct CancelLoginAccountParams"), "loginId"),
    handle(raw): Result<"account/login/cancel"> {
      let loginId: string;
      try {
        loginId = parseUuid(raw);
      } catch {
        throw invalidRequest(`invalid login id: ${raw}`);
      }
      return cancel(loginId);
    },
  };

  const accountLogout: RequestHandler<null> = {
    decode: () => null,
    async handle(): Promise<Result<"account/logout">> {
      await logout();
      return {};
    },
    afterResponse: () => send("account/updated", { authMode: null }),
  };

  const accountRateLimitsRead: RequestHandler<null> = {
    decode: () => null,
    async handle(): Promise<Result<"account/rateLimits/read">> {
      try {
        return { rateLimits: await auth.readRateLimits() };
      } catch (err) {
        throw rpcError(err);
      }
    },
  };

  return {
    loginApiKey,
    loginChatGpt,
    cancelLoginChatGpt,
    logoutChatGpt,
    getAuthStatus,
    userInfo,
    "account/read": accountRead,
    "account/login/start": accountLoginStart,
    "account/login/cancel": accountLoginCancel,
    "account/logout": accountLogout,
    "account/rateLimits/read": accountRateLimitsRead,
  };
}
