import { internalError, invalidRequest, parseUuid } from "@codex-ts/app-server-protocol";
import {
  type AuthManager,
  AuthRequestError,
  type ChatGptLogin,
  type CodexAuth,
  type DeviceCodeLogin,
} from "@codex-ts/core";

/** Refusals are the client's problem (-32600); anything else failed on our side (-32603, with Codex's prefix). */
export function accountRpcError(err: unknown, prefix?: string) {
  if (err instanceof AuthRequestError) return invalidRequest(err.message);
  const message = err instanceof Error ? err.message : String(err);
  return internalError(prefix ? `${prefix}: ${message}` : message);
}

/** How a ChatGPT login ended, and the auth mode after it (null unless it succeeded). */
export interface LoginEnd {
  /** Null for a login that needs no flow (an API key). */
  loginId: string | null;
  success: boolean;
  error: string | null;
  auth: CodexAuth | null;
}

/** The account as both generations report it before their shapes differ. */
export type AccountState =
  | { type: "none" }
  | { type: "apiKey" }
  | { type: "chatgpt"; email: string | null; planType: string | null };

/**
 * The account operations behind both generations' handlers (0.58's v1 and `account/*`, 0.166's `account/*`): one
 * implementation over the core's `AuthManager`, errors in Codex's words. The handlers only shape requests and
 * answers and send the notifications of their generation.
 */
export class AccountService {
  // Settles once the last login's end has been reported.
  private lastReported: Promise<void> = Promise.resolve();

  constructor(
    readonly auth: AuthManager,
    /** `requires_openai_auth` of the server's configured model provider (default true: the built-in `openai`). */
    readonly requiresOpenaiAuth: boolean,
    private readonly warn: (message: string) => void,
  ) {}

  async current(): Promise<CodexAuth | null> {
    try {
      return await this.auth.current();
    } catch (err) {
      throw accountRpcError(err, "failed to load auth");
    }
  }

  /**
   * The account to report. Like Codex, a provider that does not use OpenAI auth has none, stored or not (the
   * store is not read); a failed refresh is logged and the stored account reported.
   */
  async read(refreshToken: boolean | undefined): Promise<AccountState> {
    if (!this.requiresOpenaiAuth) return { type: "none" };
    if (refreshToken) await this.refreshQuietly();
    const current = await this.current();
    if (!current) return { type: "none" };
    if (current.mode === "apikey") return { type: "apiKey" };
    return { type: "chatgpt", email: current.email ?? null, planType: current.planType ?? null };
  }

  async refreshQuietly(): Promise<void> {
    try {
      await this.auth.refresh();
    } catch (err) {
      this.warn(`failed to refresh token: ${(err as Error).message}`);
    }
  }

  async loginApiKey(apiKey: string): Promise<void> {
    try {
      await this.auth.loginApiKey(apiKey);
    } catch (err) {
      throw accountRpcError(err, "failed to save api key");
    }
  }

  /**
   * Starts a ChatGPT login; `report` is called once it ends (after the response that started it is out). Starting
   * cancels the running login, whose end is reported first, as in Codex.
   */
  startChatGpt(report: (end: LoginEnd & { loginId: string }) => void): Promise<ChatGptLogin> {
    return this.startLogin(() => this.auth.startChatGptLogin(), "failed to start login server", report);
  }

  /** Starts a device-code login (the user enters a code at a URL); its end is reported as a browser login's. */
  startDeviceCode(report: (end: LoginEnd & { loginId: string }) => void): Promise<DeviceCodeLogin> {
    return this.startLogin(() => this.auth.startDeviceCodeLogin(), "failed to request device code", report);
  }

  private async startLogin<L extends ChatGptLogin | DeviceCodeLogin>(
    start: () => Promise<L>,
    failure: string,
    report: (end: LoginEnd & { loginId: string }) => void,
  ): Promise<L> {
    let login: L;
    try {
      login = await start();
    } catch (err) {
      throw accountRpcError(err, failure);
    }
    return this.reportEnd(login, report);
  }

  /**
   * Reports `login`'s end through `report`. The login it replaced has its end reported first, before the answer
   * that started this one (as in Codex).
   */
  private async reportEnd<L extends ChatGptLogin | DeviceCodeLogin>(
    login: L,
    report: (end: LoginEnd & { loginId: string }) => void,
  ): Promise<L> {
    await this.lastReported;
    this.lastReported = login.done
      .then(async ({ success, error }) => {
        // A cancel request's response is written before this runs (it is sent within the current turn of the
        // event loop), so the end it caused follows it, as in Codex.
        await new Promise((r) => setImmediate(r));
        const auth = success ? await this.auth.current().catch(() => null) : null;
        report({ loginId: login.loginId, success, error, auth });
      })
      .catch((err: unknown) => this.warn(`failed to report the end of a login: ${String(err)}`));
    return login;
  }

  /** Cancels a running login by id; an unknown id is `AuthRequestError`'s refusal (`login id not found: …`). */
  cancel(loginId: string): void {
    try {
      this.auth.cancelLogin(loginId);
    } catch (err) {
      throw accountRpcError(err);
    }
  }

  /** Cancels a running login by id; false when there is none with that id (0.166.0 answers `notFound`). */
  tryCancel(loginId: string): boolean {
    try {
      this.auth.cancelLogin(loginId);
      return true;
    } catch (err) {
      if (err instanceof AuthRequestError) return false;
      throw accountRpcError(err);
    }
  }

  /** A v2 login id, which any string may claim to be: a malformed one is the client's error. */
  static v2LoginId(loginId: string): string {
    try {
      return parseUuid(loginId);
    } catch {
      throw invalidRequest(`invalid login id: ${loginId}`);
    }
  }

  async logout(): Promise<void> {
    try {
      await this.auth.logout();
    } catch (err) {
      throw accountRpcError(err, "logout failed");
    }
  }

  async rateLimits() {
    try {
      return await this.auth.readRateLimits();
    } catch (err) {
      throw accountRpcError(err);
    }
  }
}
