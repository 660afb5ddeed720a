import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { v2 } from "@codex-ts/app-server-protocol";
import { type AuthRecord, type AuthStore, createAuthStore, type StoreMode } from "@codex-ts/auth-storage";
import { parseClaims } from "./claims.js";
import { DEFAULT_ISSUER, DEFAULT_LOGIN_PORT, REFRESH_AFTER_MS } from "./constants.js";
import { type DeviceCode, pollDeviceCode, requestDeviceCode } from "./device-code.js";
import { startLoginServer, workspaceError } from "./login-server.js";
import { exchangeApiKey, exchangeCode, issuerUrl, refreshTokens, type TokenSet } from "./token-client.js";
import { rateLimitsFromUsage, usageUrl } from "./usage.js";

export type AuthMode = "apikey" | "chatgpt";

/** The credentials in use. `getToken()` is what goes after `Bearer`; ChatGPT tokens are refreshed when stale. */
export interface CodexAuth {
  mode: AuthMode;
  apiKey?: string;
  getToken(): Promise<string>;
  accountId?: string | null;
  /** The ChatGPT user (a ChatGPT login's account session id). */
  userId?: string | null;
  email?: string | null;
  planType?: string | null;
}

export interface LoginResult {
  success: boolean;
  error: string | null;
}

export interface ChatGptLogin {
  loginId: string;
  authUrl: string;
  /** Settles once: success after the browser reached `/success`, else Codex's error text. Never rejects. */
  done: Promise<LoginResult>;
}

export interface AuthManagerOptions {
  codexHome: string;
  storeMode: StoreMode;
  /** OAuth issuer base URL. Default https://auth.openai.com. */
  issuer?: string | undefined;
  /** `chatgpt_base_url` (the usage endpoint lives under it). */
  chatgptBaseUrl: string;
  forcedLoginMethod?: "chatgpt" | "api" | undefined;
  forcedChatgptWorkspaceId?: string | undefined;
  originator: string;
  userAgent: () => string;
  /** Callback port of the ChatGPT login. Default 1455 (Codex's); 0 picks a free port. */
  loginPort?: number | undefined;
  /** Refresh endpoint; default `<issuer>/oauth/token` (Codex honours `CODEX_REFRESH_TOKEN_URL_OVERRIDE` here). */
  refreshTokenUrl?: string | undefined;
  /**
   * Environment for `CODEX_API_KEY`, which, when non-empty, overrides stored credentials — as `codex exec` does.
   * The app server leaves this unset: Codex's app server reads neither `CODEX_API_KEY` nor `OPENAI_API_KEY`.
   */
  apiKeyEnv?: NodeJS.ProcessEnv | undefined;
  /** Store warnings (keyring fallbacks). */
  warn?: ((message: string) => void) | undefined;
}

/**
 * A refusal by policy or state, not a failure: a login method disabled by `forced_login_method`, an unknown login
 * id, rate limits without ChatGPT auth. The app server answers these with -32600.
 */
/** What the ChatGPT backend answered to one request (`AuthManager.chatgptBackendRequest`). */
export interface BackendAnswer {
  method: string;
  url: string;
  status: number;
  contentType: string | null;
  /** The body as text, cut at `MAX_BACKEND_ANSWER_BYTES`. */
  text: string;
}

/** A backend answer is read up to this many bytes (the rest is dropped): a hostile backend cannot exhaust memory. */
const MAX_BACKEND_ANSWER_BYTES = 4 * 1024 * 1024;

/** `res`'s body as UTF-8 text, at most `max` bytes of it. */
async function readBounded(res: Response, max: number): Promise<string> {
  if (!res.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    const room = max - size;
    chunks.push(chunk.byteLength > room ? chunk.subarray(0, room) : chunk);
    size += Math.min(chunk.byteLength, room);
    if (size >= max) break;
  }
  return Buffer.concat(chunks).toString("utf8");
}

export class AuthRequestError extends Error {
  override readonly name = "AuthRequestError";
}

/** The running login (one at a time): a browser login's callback server, or a device code being polled. */
interface ActiveLogin {
  loginId: string;
  /** Stops it; settles once its resources (the callback server's port) are released. */
  cancel(reason: string): Promise<void>;
}

/** A device-code login started for a client (0.166's `chatgptDeviceCode`): what to show, and how it ends. */
export interface DeviceCodeLogin {
  loginId: string;
  verificationUrl: string;
  userCode: string;
  /** Settles once: success after the tokens were stored, else the error text. Never rejects. */
  done: Promise<LoginResult>;
}

/** How long a new login waits for the previous login server to close before binding anyway. */
const PREVIOUS_LOGIN_CLOSE_TIMEOUT_MS = 2000;

/** The same stored ChatGPT credentials: a refresh computed from `a` may replace `b`. */
function sameCredentials(a: AuthRecord, b: AuthRecord): boolean {
  return (
    a.OPENAI_API_KEY == null &&
    b.OPENAI_API_KEY == null &&
    a.tokens?.refresh_token === b.tokens?.refresh_token &&
    a.tokens?.access_token === b.tokens?.access_token
  );
}

function isStale(lastRefresh: string | undefined): boolean {
  if (!lastRefresh) return true;
  const at = Date.parse(lastRefresh);
  return Number.isNaN(at) || Date.now() - at > REFRESH_AFTER_MS;
}

/**
 * Codex's account state: API-key and ChatGPT logins over one credential store, token refresh, the usage endpoint.
 * Every read goes to the store, so a login by another process is seen at once.
 *
 * Changes to the store (API-key login, logout, a ChatGPT login's tokens, a refresh's result) are applied one at a
 * time in the order they were asked for, so requests sent together leave the state of the last one. A refresh
 * talks to the issuer outside that order (a slow issuer delays no logout) and then commits only if no change was
 * applied meanwhile and the store still holds the credentials it refreshed: it never saves over a newer record or
 * after a logout. Login starts are serialised too: each one cancels the running login and waits for its callback
 * server to release the port before binding, as the real Codex handles one request at a time.
 */
export class AuthManager {
  private readonly store: AuthStore;
  private readonly events = new EventEmitter();
  private readonly issuer: string;
  private active: ActiveLogin | null = null;
  private refreshing: Promise<AuthRecord | null> | null = null;
  /** The tail of the queue of store changes; never rejects. */
  private changes: Promise<unknown> = Promise.resolve();
  /** Bumped by every applied change, so a refresh that started before one knows it is stale. */
  private generation = 0;
  /** The tail of the queue of login starts; never rejects. */
  private loginStarts: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: AuthManagerOptions) {
    this.issuer = o.issuer ?? DEFAULT_ISSUER;
    this.store = createAuthStore({
      codexHome: o.codexHome,
      mode: o.storeMode,
      ...(o.warn ? { warn: o.warn } : {}),
    });
  }

  /** The auth in use, or null when logged out. Throws `AuthStorageError` when the store cannot be read. */
  async current(): Promise<CodexAuth | null> {
    const envKey = this.o.apiKeyEnv?.CODEX_API_KEY;
    if (envKey) return this.apiKeyAuth(envKey);
    const loaded = await this.store.load();
    return loaded ? this.authOf(loaded.record) : null;
  }

  private apiKeyAuth(apiKey: string): CodexAuth {
    return { mode: "apikey", apiKey, getToken: async () => apiKey };
  }

  /** Codex's rule: a stored API key wins over ChatGPT tokens stored next to it. */
  private authOf(record: AuthRecord): CodexAuth | null {
    if (record.OPENAI_API_KEY != null) return this.apiKeyAuth(record.OPENAI_API_KEY);
    const tokens = record.tokens;
    if (!tokens) return null;
    const claims = parseClaims(tokens.id_token);
    return {
      mode: "chatgpt",
      accountId: tokens.account_id ?? claims.accountId,
      userId: claims.userId,
      email: claims.email,
      planType: claims.planType,
      getToken: async () => {
        if (!isStale(record.last_refresh)) return tokens.access_token;
        const fresh = await this.refreshRecord();
        return fresh?.tokens?.access_token ?? tokens.access_token;
      },
    };
  }

  private assertAllowed(method: "api" | "chatgpt"): void {
    const forced = this.o.forcedLoginMethod;
    if (!forced || forced === method) return;
    throw new AuthRequestError(
      method === "api"
        ? "API key login is disabled. Use ChatGPT login instead."
        : "ChatGPT login is disabled. Use API key login instead.",
    );
  }

  /** Runs a store change after every change asked for before it (see the class comment). */
  private applyInOrder<T>(change: () => Promise<T>): Promise<T> {
    const run = this.changes.then(() => {
      this.generation++;
      return change();
    });
    this.changes = run.catch(() => undefined);
    return run;
  }

  /** Stores `{OPENAI_API_KEY: key}`, replacing any ChatGPT tokens. */
  async loginApiKey(apiKey: string): Promise<void> {
    this.assertAllowed("api");
    await this.applyInOrder(async () => {
      await this.store.save({ OPENAI_API_KEY: apiKey });
      this.emitChanged("apikey");
    });
  }

  /** Removes the stored credentials from every backend of the store mode. */
  async logout(): Promise<void> {
    await this.applyInOrder(async () => {
      await this.store.delete();
      this.emitChanged(null);
    });
  }

  /** Refreshes the stored ChatGPT tokens now (no-op for API-key auth or when logged out). */
  async refresh(): Promise<void> {
    await this.refreshRecord();
  }

  /**
   * One refresh at a time: concurrent callers share it. A failure leaves the stored record untouched. Resolves to
   * the record in force afterwards: the refreshed one, or whatever a login or logout that overtook it left.
   */
  private refreshRecord(): Promise<AuthRecord | null> {
    this.refreshing ??= (async () => {
      try {
        const startedAt = this.generation;
        const loaded = await this.store.load();
        const record = loaded?.record ?? null;
        if (!record?.tokens || record.OPENAI_API_KEY != null) return record;
        const fresh = await refreshTokens({
          url: this.o.refreshTokenUrl ?? issuerUrl(this.issuer, "/oauth/token"),
          refreshToken: record.tokens.refresh_token,
          headers: { "user-agent": this.o.userAgent(), originator: this.o.originator },
        });
        return await this.applyInOrder(async () => {
          const now = (await this.store.load())?.record ?? null;
          // A login or logout applied since the refresh started (here, or by another process) wins.
          if (this.generation !== startedAt + 1 || !now?.tokens || !sameCredentials(now, record)) return now;
          const next: AuthRecord = {
            ...now,
            tokens: { ...now.tokens, ...fresh },
            last_refresh: new Date().toISOString(),
          };
          await this.store.save(next);
          this.emitChanged("chatgpt");
          return next;
        });
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /**
   * Starts a browser login: a callback server on 127.0.0.1, PKCE, the authorize URL. A login already running is
   * cancelled first (its `done` reports `Login server error: Login cancelled`), as in Codex.
   */
  async startChatGptLogin(): Promise<ChatGptLogin> {
    this.assertAllowed("chatgpt");
    const run = this.loginStarts.then(() => this.startLoginNow());
    this.loginStarts = run.catch(() => undefined);
    return run;
  }

  /** One login start, run after the previous one has finished starting (see `startChatGptLogin`). */
  private async startLoginNow(): Promise<ChatGptLogin> {
    const previous = this.active;
    this.active = null;
    if (previous) {
      // Our own server holds the port until it has closed: wait (bounded), so the bind below does not fail.
      await Promise.race([
        previous.cancel("Login cancelled"),
        new Promise((resolve) => setTimeout(resolve, PREVIOUS_LOGIN_CLOSE_TIMEOUT_MS).unref()),
      ]);
    }
    const server = await startLoginServer({
      issuer: this.issuer,
      port: this.o.loginPort ?? DEFAULT_LOGIN_PORT,
      originator: this.o.originator,
      forcedWorkspaceId: this.o.forcedChatgptWorkspaceId,
      persist: (tokens) => this.persistLogin(tokens),
    });
    const loginId = randomUUID();
    const login: ActiveLogin = { loginId, cancel: (reason) => server.cancel(reason) };
    this.active = login;
    const done = server.done.then(async (outcome): Promise<LoginResult> => {
      if (this.active === login) this.active = null;
      if (!outcome.ok) return { success: false, error: `Login server error: ${outcome.message}` };
      this.emitChanged((await this.current().catch(() => null))?.mode ?? null);
      return { success: true, error: null };
    });
    return { loginId, authUrl: server.authUrl, done };
  }

  /**
   * Device-code login (`codex login --device-auth`), for machines without a browser: asks the issuer for a user
   * code, hands it to `show` (the user enters it at its verification URL), polls until the user has (at most 15
   * minutes; `signal` stops it), exchanges the PKCE code the issuer then gives for tokens, checks the forced
   * workspace and stores them. As in 0.58.0 no API key is requested for the ID token. Throws with the issuer's
   * refusal or the workspace error.
   */
  async loginWithDeviceCode(show: (code: DeviceCode) => void, signal?: AbortSignal): Promise<void> {
    this.assertAllowed("chatgpt");
    const code = await requestDeviceCode(this.issuer);
    show(code);
    await this.completeDeviceCode(code, signal);
  }

  /**
   * The device-code login as a running login of this manager (0.166's `account/login/start {type:
   * "chatgptDeviceCode"}`): like a browser login it cancels the one running, has a login id `cancelLogin` stops
   * (`done` then reports `Login was not completed`), and reports its end in `done`. Throws when the issuer gives no
   * code (its refusal, as `codex login --device-auth` words it).
   */
  async startDeviceCodeLogin(): Promise<DeviceCodeLogin> {
    this.assertAllowed("chatgpt");
    const run = this.loginStarts.then(async () => {
      const previous = this.active;
      this.active = null;
      if (previous) await previous.cancel("Login cancelled");
      const code = await requestDeviceCode(this.issuer);
      const abort = new AbortController();
      const login: ActiveLogin = {
        loginId: randomUUID(),
        cancel: async (reason) => abort.abort(new Error(reason)),
      };
      this.active = login;
      const done = this.completeDeviceCode(code, abort.signal).then(
        (): LoginResult => ({ success: true, error: null }),
        (err: unknown): LoginResult => ({
          success: false,
          error: abort.signal.aborted ? "Login was not completed" : (err as Error).message,
        }),
      );
      void done.then(() => {
        if (this.active === login) this.active = null;
      });
      return { loginId: login.loginId, verificationUrl: code.verificationUrl, userCode: code.userCode, done };
    });
    this.loginStarts = run.catch(() => undefined);
    return run;
  }

  /** Polls until the user entered `code`, trades the grant for tokens, checks the workspace, stores them. */
  private async completeDeviceCode(code: DeviceCode, signal?: AbortSignal): Promise<void> {
    const grant = await pollDeviceCode(this.issuer, code, signal);
    const tokens = await exchangeCode({
      issuer: this.issuer,
      code: grant.authorizationCode,
      redirectUri: issuerUrl(this.issuer, "/deviceauth/callback"),
      verifier: grant.codeVerifier,
    });
    const denied = workspaceError(this.o.forcedChatgptWorkspaceId, tokens.id_token);
    if (denied) throw new AuthRequestError(denied);
    await this.storeLogin(tokens, null);
    this.emitChanged((await this.current().catch(() => null))?.mode ?? null);
  }

  private async persistLogin(tokens: TokenSet): Promise<void> {
    // Codex also trades the ID token for an API key; most accounts are refused, which is not an error.
    const apiKey = await exchangeApiKey({ issuer: this.issuer, idToken: tokens.id_token }).catch(() => null);
    await this.storeLogin(tokens, apiKey);
  }

  private async storeLogin(tokens: TokenSet, apiKey: string | null): Promise<void> {
    await this.applyInOrder(() =>
      this.store.save({
        OPENAI_API_KEY: apiKey,
        tokens: { ...tokens, account_id: parseClaims(tokens.id_token).accountId },
        last_refresh: new Date().toISOString(),
      }),
    );
  }

  /** Cancels the running login; its `done` reports `Login server error: Login was not completed`. */
  cancelLogin(loginId: string): void {
    const login = this.active;
    if (!login || login.loginId !== loginId) throw new AuthRequestError(`login id not found: ${loginId}`);
    this.active = null;
    void login.cancel("Login was not completed");
  }

  /** Stops a running login (at shutdown), and any login whose start was already under way. */
  close(): void {
    const stop = () => {
      void this.active?.cancel("Login was not completed");
      this.active = null;
    };
    stop();
    void this.loginStarts.then(stop);
  }

  /** `GET <chatgpt_base_url>wham/usage` with the ChatGPT token, mapped to the v2 snapshot. */
  async readRateLimits(): Promise<v2.RateLimitSnapshot> {
    const auth = await this.current();
    if (!auth) throw new AuthRequestError("codex account authentication required to read rate limits");
    if (auth.mode !== "chatgpt")
      throw new AuthRequestError("chatgpt authentication required to read rate limits");
    const token = await auth.getToken();
    const url = usageUrl(this.o.chatgptBaseUrl);
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      "user-agent": this.o.userAgent(),
      originator: this.o.originator,
    };
    if (auth.accountId) headers["chatgpt-account-id"] = auth.accountId;
    let res: Response;
    try {
      res = await fetch(url, { headers, signal: AbortSignal.timeout(60_000) });
    } catch (err) {
      throw new Error(`failed to fetch codex rate limits: GET ${url} failed: ${(err as Error).message}`);
    }
    if (!res.ok) throw new Error(`failed to fetch codex rate limits: GET ${url} failed: ${res.status}`);
    const body = (await res.json().catch(() => null)) as unknown;
    if (body === null) throw new Error(`failed to fetch codex rate limits: GET ${url} returned invalid JSON`);
    return rateLimitsFromUsage(body);
  }

  /**
   * One request to the ChatGPT backend (`<chatgpt_base_url><path>`) with the ChatGPT login's token and account, as
   * `readRateLimits` sends it; null without a ChatGPT login. The answer is returned whatever its status: each caller
   * words its own failures. A request that gets no answer throws (with the URL).
   */
  async chatgptBackendRequest(
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    body?: unknown,
  ): Promise<BackendAnswer | null> {
    const auth = await this.current();
    if (auth?.mode !== "chatgpt") return null;
    const url = `${this.o.chatgptBaseUrl.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${await auth.getToken()}`,
      "user-agent": this.o.userAgent(),
      originator: this.o.originator,
    };
    if (auth.accountId) headers["chatgpt-account-id"] = auth.accountId;
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (err) {
      throw new Error(`${method} ${url} failed: ${(err as Error).message}`);
    }
    const text = await readBounded(res, MAX_BACKEND_ANSWER_BYTES);
    return { method, url, status: res.status, contentType: res.headers.get("content-type"), text };
  }

  /** Called with the new auth mode (null = logged out) after a login, logout or refresh. Returns an unsubscribe. */
  on(event: "changed", listener: (mode: AuthMode | null) => void): () => void {
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  private emitChanged(mode: AuthMode | null): void {
    this.events.emit("changed", mode);
  }
}
