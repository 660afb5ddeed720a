import { readFile, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AuthStorageError } from "@codex-ts/auth-storage";
import { makeJwt } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import {
  type AuthManager,
  type AuthMode,
  AuthRequestError,
  type AuthSource,
  rateLimitsFromUsage,
  usageUrl,
} from "../src/index.js";
import { useAuthFixtures } from "./helpers/auth-fixtures.js";

const fx = useAuthFixtures("codex-auth-");
const { manager, authFile } = fx;
const readAuth = async () => JSON.parse(await readFile(authFile(), "utf8")) as Record<string, unknown>;
/** The callback server binds 127.0.0.1 while Codex's redirect URI says `localhost`; go to the bound address. */
const loopback = (url: string) => url.replace("://localhost:", "://127.0.0.1:");

/** Plays the browser: the fx.issuer's authorize page redirects to the callback, which we request. */
async function approve(authUrl: string): Promise<Response> {
  const authorize = await fetch(authUrl, { redirect: "manual" });
  expect(authorize.status).toBe(302);
  return fetch(loopback(authorize.headers.get("location") ?? ""), { redirect: "manual" });
}

async function loginThroughBrowser(m: AuthManager) {
  const login = await m.startChatGptLogin();
  const callback = await approve(login.authUrl);
  expect(callback.status).toBe(302);
  const success = await fetch(loopback(callback.headers.get("location") ?? ""));
  expect(success.status).toBe(200);
  expect(await success.text()).toContain("Signed in to Codex");
  return { login, result: await login.done };
}

function changes(m: AuthManager): Array<AuthMode | null> {
  const seen: Array<AuthMode | null> = [];
  m.on("changed", (mode) => seen.push(mode));
  return seen;
}

async function seedChatGpt(lastRefresh: Date | null) {
  const tokens = fx.issuer.issueTokens();
  const record = {
    OPENAI_API_KEY: null,
    tokens: { ...tokens, account_id: "acct-123" },
    ...(lastRefresh ? { last_refresh: lastRefresh.toISOString() } : {}),
  };
  await writeFile(authFile(), JSON.stringify(record, null, 2), { mode: 0o600 });
  return tokens;
}

const DAY = 24 * 60 * 60 * 1000;

describe("API key auth", () => {
  it("logs in, reports the mode and token, and logs out", async () => {
    const m = manager();
    const seen = changes(m);
    expect(await m.current()).toBeNull();
    await m.loginApiKey("sk-test-1");
    expect(await readFile(authFile(), "utf8")).toBe('{\n  "OPENAI_API_KEY": "sk-test-1"\n}');
    expect((await stat(authFile())).mode & 0o777).toBe(0o600);
    const auth = await m.current();
    expect(auth?.mode).toBe("apikey");
    expect(auth?.apiKey).toBe("sk-test-1");
    expect(await auth?.getToken()).toBe("sk-test-1");
    await m.logout();
    await expect(stat(authFile())).rejects.toThrow(/ENOENT/);
    expect(await m.current()).toBeNull();
    expect(seen).toEqual(["apikey", null]);
  });

  it("replaces ChatGPT tokens, and a stored key wins over tokens stored next to it", async () => {
    const tokens = await seedChatGpt(new Date());
    await writeFile(authFile(), JSON.stringify({ OPENAI_API_KEY: "sk-both", tokens }));
    expect((await manager().current())?.mode).toBe("apikey");
    await manager().loginApiKey("sk-new");
    expect(await readAuth()).toEqual({ OPENAI_API_KEY: "sk-new" });
  });

  it("honours CODEX_API_KEY only when given an environment (codex exec), ignoring OPENAI_API_KEY", async () => {
    expect(await manager({ apiKeyEnv: { OPENAI_API_KEY: "sk-env" } }).current()).toBeNull();
    const auth = await manager({ apiKeyEnv: { CODEX_API_KEY: "sk-codex" } }).current();
    expect(await auth?.getToken()).toBe("sk-codex");
  });

  it("refuses API key login when ChatGPT login is forced, writing nothing", async () => {
    const m = manager({ forcedLoginMethod: "chatgpt" });
    await expect(m.loginApiKey("sk-x")).rejects.toThrow(
      new AuthRequestError("API key login is disabled. Use ChatGPT login instead."),
    );
    await expect(stat(authFile())).rejects.toThrow(/ENOENT/);
  });

  it("reports a corrupt auth.json naming the file and leaves it as it is", async () => {
    await writeFile(authFile(), "{not json", { mode: 0o600 });
    const err = await manager()
      .current()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthStorageError);
    expect((err as Error).message).toContain(authFile());
    expect(await readFile(authFile(), "utf8")).toBe("{not json");
  });
});

describe("ChatGPT login", () => {
  it("runs end to end: authorize URL, PKCE code exchange, stored tokens, claims", async () => {
    const m = manager();
    const seen = changes(m);
    const { login, result } = await loginThroughBrowser(m);
    expect(result).toEqual({ success: true, error: null });
    expect(login.loginId).toMatch(/^[0-9a-f-]{36}$/);

    const url = new URL(login.authUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${fx.issuer.issuer}/oauth/authorize`);
    expect([...url.searchParams.keys()]).toEqual([
      "response_type",
      "client_id",
      "redirect_uri",
      "scope",
      "code_challenge",
      "code_challenge_method",
      "id_token_add_organizations",
      "codex_cli_simplified_flow",
      "state",
      "originator",
    ]);
    expect(login.authUrl).toContain("&scope=openid%20profile%20email%20offline_access&");
    expect(url.searchParams.get("redirect_uri")).toMatch(/^http:\/\/localhost:\d+\/auth\/callback$/);
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const exchange = fx.issuer.requests.find(
      (r) => (r.body as Record<string, string>).grant_type === "authorization_code",
    );
    expect((exchange?.body as Record<string, string> | undefined)?.code_verifier).toMatch(
      /^[A-Za-z0-9_-]{86}$/,
    );

    const stored = await readAuth();
    expect(stored.OPENAI_API_KEY).toBeNull();
    expect(stored.tokens).toMatchObject({ access_token: fx.issuer.accessTokens[0], account_id: "acct-123" });
    expect(Date.now() - Date.parse(String(stored.last_refresh))).toBeLessThan(60_000);
    expect((await stat(authFile())).mode & 0o777).toBe(0o600);

    const auth = await m.current();
    expect(auth).toMatchObject({
      mode: "chatgpt",
      email: "user@example.com",
      planType: "plus",
      accountId: "acct-123",
    });
    expect(await auth?.getToken()).toBe(fx.issuer.accessTokens[0]);
    expect(seen).toEqual(["chatgpt"]);

    // The model client reads its Bearer token and account id through this interface.
    const source: AuthSource = m;
    expect((await source.current())?.accountId).toBe("acct-123");
  });

  it("answers bad callbacks like Codex and keeps waiting for a good one", async () => {
    const m = manager();
    const login = await m.startChatGptLogin();
    const redirect = new URL(new URL(login.authUrl).searchParams.get("redirect_uri") ?? "");
    const base = `http://127.0.0.1:${redirect.port}`;
    const state = new URL(login.authUrl).searchParams.get("state") ?? "";
    const get = async (p: string) => {
      const r = await fetch(base + p, { redirect: "manual" });
      return [r.status, await r.text()];
    };
    expect(await get("/auth/callback?code=x&state=wrong")).toEqual([400, "State mismatch"]);
    expect(await get(`/auth/callback?state=${state}`)).toEqual([400, "Missing authorization code"]);
    expect(await get(`/auth/callback?code=bogus&state=${state}`)).toEqual([
      500,
      "Token exchange failed: token endpoint returned status 400",
    ]);
    expect(await get("/success")).toEqual([404, "Not Found"]);
    expect(await get("/elsewhere")).toEqual([404, "Not Found"]);
    const callback = await approve(login.authUrl);
    expect(callback.status).toBe(302);
    const location = new URL(callback.headers.get("location") ?? "");
    expect(location.pathname).toBe("/success");
    expect(location.searchParams.get("plan_type")).toBe("plus");
    await fetch(loopback(location.toString()));
    expect(await login.done).toEqual({ success: true, error: null });
  });

  it("ends up in API-key mode when the issuer trades the ID token for a key (Codex's rule)", async () => {
    fx.issuer.apiKeyExchange = true;
    const m = manager();
    const seen = changes(m);
    expect((await loginThroughBrowser(m)).result.success).toBe(true);
    const stored = await readAuth();
    expect(stored.OPENAI_API_KEY).toMatch(/^sk-exchanged-/);
    expect(stored.tokens).toBeDefined();
    expect((await m.current())?.mode).toBe("apikey");
    expect(seen).toEqual(["apikey"]);
  });

  it("cancels: the login ends with Codex's error and the port is released", async () => {
    const m = manager();
    const login = await m.startChatGptLogin();
    const port = new URL(new URL(login.authUrl).searchParams.get("redirect_uri") ?? "").port;
    expect(() => m.cancelLogin("not-a-login")).toThrow(
      new AuthRequestError("login id not found: not-a-login"),
    );
    m.cancelLogin(login.loginId);
    expect(await login.done).toEqual({
      success: false,
      error: "Login server error: Login was not completed",
    });
    await expect(fetch(`http://127.0.0.1:${port}/cancel`)).rejects.toThrow();
    expect(() => m.cancelLogin(login.loginId)).toThrow(AuthRequestError);
    await expect(stat(authFile())).rejects.toThrow(/ENOENT/);
  });

  it("stores nothing for a login cancelled while the issuer is answering", async () => {
    const m = manager();
    const login = await m.startChatGptLogin();
    const gate = fx.issuer.pauseTokenEndpoint();
    const authorize = await fetch(login.authUrl, { redirect: "manual" });
    const callback = fetch(loopback(authorize.headers.get("location") ?? ""), { redirect: "manual" }).catch(
      (err: unknown) => err,
    );
    await gate.arrived;
    m.cancelLogin(login.loginId);
    expect(await login.done).toEqual({
      success: false,
      error: "Login server error: Login was not completed",
    });
    gate.release();
    await callback;
    // The issuer mints the released exchange's token in its own time (expect.poll's default second can pass first
    // on a loaded machine).
    await expect.poll(() => fx.issuer.accessTokens.length, { timeout: 60_000 }).toBe(1);
    // A later login completes; only its tokens are stored, and only it went on to the API-key exchange.
    expect((await loginThroughBrowser(m)).result.success).toBe(true);
    const stored = (await readAuth()).tokens as Record<string, string>;
    expect(stored.access_token).toBe(fx.issuer.accessTokens[1]);
    const keyExchanges = fx.issuer.requests.filter(
      (r) =>
        (r.body as Record<string, string>).grant_type === "urn:ietf:params:oauth:grant-type:token-exchange",
    );
    expect(keyExchanges).toHaveLength(1);
  });

  it("runs one login at a time: a new login cancels the running one", async () => {
    const m = manager();
    const first = await m.startChatGptLogin();
    const second = await m.startChatGptLogin();
    expect(await first.done).toEqual({ success: false, error: "Login server error: Login cancelled" });
    expect(() => m.cancelLogin(first.loginId)).toThrow("login id not found");
    expect((await loginThroughBrowser(m)).result.success).toBe(true);
    expect(await second.done).toEqual({ success: false, error: "Login server error: Login cancelled" });
  });

  it("asks a login server left on the fixed port to cancel, then takes the port", async () => {
    const port = await freePort();
    const other = manager({ loginPort: port });
    const old = await other.startChatGptLogin();
    const login = await manager({ loginPort: port }).startChatGptLogin();
    expect(await old.done).toEqual({ success: false, error: "Login server error: Login cancelled" });
    expect(new URL(login.authUrl).searchParams.get("redirect_uri")).toBe(
      `http://localhost:${port}/auth/callback`,
    );
  });

  it("fails with Codex's message when the port stays busy", async () => {
    const busy = createServer((_req, res) => res.end("busy"));
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    const port = (busy.address() as AddressInfo).port;
    try {
      await expect(manager({ loginPort: port }).startChatGptLogin()).rejects.toThrow(
        `Port 127.0.0.1:${port} is already in use`,
      );
    } finally {
      await closeServer(busy);
    }
  });

  it("honours forced_login_method = api", async () => {
    await expect(manager({ forcedLoginMethod: "api" }).startChatGptLogin()).rejects.toThrow(
      new AuthRequestError("ChatGPT login is disabled. Use API key login instead."),
    );
  });

  it("honours forced_chatgpt_workspace_id: the URL asks for it and another workspace is refused", async () => {
    const m = manager({ forcedChatgptWorkspaceId: "ws-allowed" });
    const login = await m.startChatGptLogin();
    expect(login.authUrl.endsWith("&allowed_workspace_id=ws-allowed")).toBe(true);
    const callback = await approve(login.authUrl);
    expect(callback.status).toBe(403);
    expect(await callback.text()).toBe("Login is restricted to workspace id ws-allowed.");
    expect(await login.done).toEqual({
      success: false,
      error: "Login server error: Login is restricted to workspace id ws-allowed.",
    });
    await expect(stat(authFile())).rejects.toThrow(/ENOENT/);

    fx.issuer.claims = { ...fx.issuer.claims, accountId: "ws-allowed" };
    expect((await loginThroughBrowser(m)).result.success).toBe(true);
  });
});

describe("token refresh", () => {
  it("refreshes a token older than 8 days before handing it out, keeping the account id", async () => {
    const old = await seedChatGpt(new Date(Date.now() - 9 * DAY));
    const m = manager();
    const seen = changes(m);
    const token = await (await m.current())?.getToken();
    expect(token).not.toBe(old.access_token);
    expect(token).toBe(fx.issuer.accessTokens.at(-1));
    const refresh = fx.issuer.requests.find(
      (r) => (r.body as Record<string, string>).grant_type === "refresh_token",
    );
    expect(refresh?.body).toEqual({
      client_id: "app_EMoamEEZ73f0CkXaXp7hrann",
      grant_type: "refresh_token",
      refresh_token: old.refresh_token,
      scope: "openid profile email",
    });
    expect(refresh?.headers.originator).toBe("codex_cli_rs");
    const stored = await readAuth();
    expect(stored.tokens).toMatchObject({ access_token: token, account_id: "acct-123" });
    expect(Date.now() - Date.parse(String(stored.last_refresh))).toBeLessThan(60_000);
    expect(seen).toEqual(["chatgpt"]);
  });

  it("does not refresh a recent token; refresh() forces it and concurrent callers share one request", async () => {
    const seeded = await seedChatGpt(new Date(Date.now() - 7 * DAY));
    const m = manager();
    expect(await (await m.current())?.getToken()).toBe(seeded.access_token);
    await Promise.all([m.refresh(), m.refresh()]);
    expect(fx.issuer.requests.filter((r) => r.path === "/oauth/token")).toHaveLength(1);
    expect(((await readAuth()).tokens as Record<string, string>).access_token).toBe(
      fx.issuer.accessTokens.at(-1),
    );
  });

  it("leaves stored credentials intact when the refresh fails", async () => {
    await seedChatGpt(new Date(Date.now() - 9 * DAY));
    const before = await readFile(authFile(), "utf8");
    fx.issuer.refreshFailure = 401;
    const m = manager();
    const auth = await m.current();
    await expect(auth?.getToken()).rejects.toThrow(/refresh token was rejected/);
    await expect(m.refresh()).rejects.toThrow(/log out and sign in again/);
    fx.issuer.refreshFailure = 500;
    await expect(m.refresh()).rejects.toThrow("Failed to refresh token: token endpoint returned status 500");
    expect(await readFile(authFile(), "utf8")).toBe(before);
  });

  it("is a no-op for API-key auth", async () => {
    const m = manager();
    await m.loginApiKey("sk-1");
    await m.refresh();
    expect(fx.issuer.requests).toHaveLength(0);
  });
});

describe("rate limits", () => {
  it("reads the usage endpoint with the ChatGPT token and maps it to the v2 snapshot", async () => {
    await seedChatGpt(new Date());
    const limits = await manager().readRateLimits();
    expect(limits).toEqual({
      primary: { usedPercent: 42, windowDurationMins: 300, resetsAt: 1764000000 },
      secondary: { usedPercent: 7, windowDurationMins: 10080, resetsAt: 1764500000 },
    });
    const req = fx.issuer.requests.find((r) => r.path === "/backend-api/wham/usage");
    expect(req?.headers.authorization).toBe(`Bearer ${fx.issuer.accessTokens[0]}`);
    expect(req?.headers["chatgpt-account-id"]).toBe("acct-123");
  });

  it("needs ChatGPT auth, with Codex's two messages", async () => {
    const m = manager();
    await expect(m.readRateLimits()).rejects.toThrow(
      new AuthRequestError("codex account authentication required to read rate limits"),
    );
    await m.loginApiKey("sk-1");
    await expect(m.readRateLimits()).rejects.toThrow(
      new AuthRequestError("chatgpt authentication required to read rate limits"),
    );
  });

  it("reports a failing backend", async () => {
    await writeFile(
      authFile(),
      JSON.stringify({
        OPENAI_API_KEY: null,
        tokens: { id_token: makeJwt({}), access_token: "unknown", refresh_token: "r" },
        last_refresh: new Date().toISOString(),
      }),
    );
    await expect(manager().readRateLimits()).rejects.toThrow(
      `failed to fetch codex rate limits: GET ${fx.issuer.chatgptBaseUrl}wham/usage failed: 401`,
    );
  });

  it("maps windows and endpoint URLs like Codex", () => {
    expect(usageUrl("https://chatgpt.com/backend-api/")).toBe("https://chatgpt.com/backend-api/wham/usage");
    expect(usageUrl("http://127.0.0.1:9/base")).toBe("http://127.0.0.1:9/base/api/codex/usage");
    expect(
      rateLimitsFromUsage({
        rate_limit: { primary_window: { used_percent: 12.6, limit_window_seconds: 90, reset_at: null } },
      }),
    ).toEqual({ primary: { usedPercent: 13, windowDurationMins: 2, resetsAt: null }, secondary: null });
    expect(rateLimitsFromUsage("garbage")).toEqual({ primary: null, secondary: null });
  });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await closeServer(s);
  return port;
}

function closeServer(s: Server): Promise<void> {
  return new Promise((r) => s.close(() => r()));
}
