import fs from "node:fs/promises";
import path from "node:path";
import {
  errorOf,
  type MockIssuer,
  responses,
  startAppServer,
  startMockIssuer,
  startMockModelServer,
  type TestAppServer,
  tempDir,
} from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

// The built CLI's `codex app-server` against a mock OAuth issuer and usage backend on 127.0.0.1.

let issuer: MockIssuer;
let codexHome: string;
const cleanup: Array<() => unknown> = [];

beforeEach(async () => {
  issuer = await startMockIssuer();
  codexHome = await tempDir("codex-account-cli-");
  await fs.writeFile(path.join(codexHome, "config.toml"), `chatgpt_base_url = "${issuer.chatgptBaseUrl}"\n`);
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  await issuer.close();
});

async function start(): Promise<TestAppServer> {
  const c = await startAppServer({
    home: codexHome,
    // The issuer override is CODEX_TS_AUTH_ISSUER; port 0 keeps parallel tests off Codex's fixed 1455.
    env: { CODEX_TS_AUTH_ISSUER: issuer.issuer, CODEX_TS_LOGIN_PORT: "0", OPENAI_API_KEY: "sk-from-env" },
  });
  cleanup.push(() => c.close());
  await c.initialize();
  return c;
}

const authFile = () => path.join(codexHome, "auth.json");
const loopback = (url: string) => url.replace("://localhost:", "://127.0.0.1:");
const notification = (
  c: TestAppServer,
  method: string,
  pred: (p: Record<string, unknown>) => boolean = () => true,
) =>
  c.waitFor(
    (m) => m.method === method && m.id === undefined && pred(m.params as Record<string, unknown>),
    method,
  );

describe("codex app-server account methods", () => {
  it("API key: login, status, account, logout (env OPENAI_API_KEY is not used, as in 0.58.0)", async () => {
    const c = await start();
    expect(await c.request("account/read", {})).toEqual({ account: null, requiresOpenaiAuth: true });
    expect(await c.request("loginApiKey", { apiKey: "sk-cli" })).toEqual({});
    expect((await notification(c, "authStatusChange")).params).toEqual({ authMethod: "apikey" });
    expect(JSON.parse(await fs.readFile(authFile(), "utf8"))).toEqual({ OPENAI_API_KEY: "sk-cli" });
    expect((await fs.stat(authFile())).mode & 0o777).toBe(0o600);
    expect(await c.request("getAuthStatus", { includeToken: true })).toEqual({
      authMethod: "apikey",
      authToken: "sk-cli",
      requiresOpenaiAuth: true,
    });
    expect(await c.request("account/read", {})).toEqual({
      account: { type: "apiKey" },
      requiresOpenaiAuth: true,
    });
    expect(await c.request("account/logout")).toEqual({});
    expect((await notification(c, "account/updated")).params).toEqual({ authMode: null });
    await expect(fs.stat(authFile())).rejects.toThrow(/ENOENT/);
    expect(await c.request("getAuthStatus", {})).toMatchObject({ authMethod: null });
  });

  it("ChatGPT: login end to end against the issuer, then account, token and rate limits", async () => {
    const c = await start();
    const res = await c.request("account/login/start", { type: "chatgpt" });
    if (res.type !== "chatgpt") throw new Error(`a ChatGPT login answered ${JSON.stringify(res)}`);
    const { loginId, authUrl } = res;
    expect(authUrl.startsWith(`${issuer.issuer}/oauth/authorize?`)).toBe(true);
    // The browser: the issuer approves and redirects to the local callback, which redirects to /success.
    const authorize = await fetch(authUrl, { redirect: "manual" });
    const callbackUrl = authorize.headers.get("location") ?? "";
    expect(callbackUrl).toMatch(/^http:\/\/localhost:\d+\/auth\/callback\?code=/);
    const callback = await fetch(loopback(callbackUrl), { redirect: "manual" });
    expect(callback.status).toBe(302);
    const success = await fetch(loopback(callback.headers.get("location") ?? ""));
    expect(success.status).toBe(200);
    expect((await notification(c, "account/login/completed")).params).toEqual({
      loginId,
      success: true,
      error: null,
    });
    expect((await notification(c, "account/updated")).params).toEqual({ authMode: "chatgpt" });

    const stored = JSON.parse(await fs.readFile(authFile(), "utf8"));
    expect(stored).toMatchObject({ OPENAI_API_KEY: null, tokens: { account_id: "acct-123" } });
    expect(await c.request("account/read", {})).toEqual({
      account: { type: "chatgpt", email: "user@example.com", planType: "plus" },
      requiresOpenaiAuth: true,
    });
    expect(await c.request("getAuthStatus", { includeToken: true })).toMatchObject({
      authMethod: "chatgpt",
      authToken: stored.tokens.access_token,
    });
    expect(await c.request("userInfo")).toEqual({ allegedUserEmail: "user@example.com" });
    expect(await c.request("account/rateLimits/read")).toEqual({
      rateLimits: {
        primary: { usedPercent: 42, windowDurationMins: 300, resetsAt: 1764000000 },
        secondary: { usedPercent: 7, windowDurationMins: 10080, resetsAt: 1764500000 },
      },
    });
    const usage = issuer.requests.find((r) => r.path === "/backend-api/wham/usage");
    expect(usage?.headers["chatgpt-account-id"]).toBe("acct-123");
  });

  it("cancels a ChatGPT login (v1) and releases its port", async () => {
    const c = await start();
    const res = await c.request("loginChatGpt");
    const port = new URL(new URL(res.authUrl).searchParams.get("redirect_uri") ?? "").port;
    expect(await c.request("cancelLoginChatGpt", { loginId: res.loginId })).toEqual({});
    expect((await notification(c, "loginChatGptComplete")).params).toEqual({
      loginId: res.loginId,
      success: false,
      error: "Login server error: Login was not completed",
    });
    await expect(fetch(`http://127.0.0.1:${port}/cancel`)).rejects.toThrow();
    expect(await errorOf(c.request("cancelLoginChatGpt", { loginId: res.loginId }))).toEqual({
      code: -32600,
      message: `login id not found: ${res.loginId}`,
    });
  });

  it("a failed refresh reports no token and leaves auth.json intact", async () => {
    const tokens = issuer.issueTokens();
    const stale = new Date(Date.now() - 9 * 24 * 3600 * 1000).toISOString();
    await fs.writeFile(
      authFile(),
      JSON.stringify({
        OPENAI_API_KEY: null,
        tokens: { ...tokens, account_id: "acct-123" },
        last_refresh: stale,
      }),
      { mode: 0o600 },
    );
    const before = await fs.readFile(authFile(), "utf8");
    issuer.refreshFailure = 401;
    const c = await start();
    expect(await c.request("getAuthStatus", { includeToken: true, refreshToken: true })).toEqual({
      authMethod: null,
      authToken: null,
      requiresOpenaiAuth: true,
    });
    expect(await c.request("account/read", { refreshToken: true })).toMatchObject({
      account: { type: "chatgpt" },
    });
    expect(await fs.readFile(authFile(), "utf8")).toBe(before);
  });

  it("a corrupt auth.json is a clear error and is left as it is", async () => {
    await fs.writeFile(authFile(), '{"OPENAI_API_KEY": ', { mode: 0o600 });
    const c = await start();
    const error = await errorOf(c.request("account/read", {}));
    expect(error.code).toBe(-32603);
    expect(error.message).toContain(`failed to load auth: failed to parse ${authFile()}`);
    expect(await fs.readFile(authFile(), "utf8")).toBe('{"OPENAI_API_KEY": ');
  });

  it("conversations use the stored login: ChatGPT token and account id reach the model provider", async () => {
    const model = await startMockModelServer([responses.turn(responses.message("hello"))]);
    cleanup.push(() => model.close());
    const provider = `model_provider = "mock"\n[model_providers.mock]\nname = "Mock"\nbase_url = "${model.baseUrl}"\nwire_api = "responses"\nrequires_openai_auth = true\nrequest_max_retries = 0\nstream_max_retries = 0\n`;
    await fs.writeFile(
      path.join(codexHome, "config.toml"),
      `chatgpt_base_url = "${issuer.chatgptBaseUrl}"\n${provider}`,
    );
    const tokens = issuer.issueTokens();
    await fs.writeFile(
      authFile(),
      JSON.stringify({
        OPENAI_API_KEY: null,
        tokens: { ...tokens, account_id: "acct-123" },
        last_refresh: new Date().toISOString(),
      }),
      { mode: 0o600 },
    );
    const c = await start();
    const cwd = await fs.realpath(codexHome);
    const thread = await c.request("thread/start", { cwd });
    await c.request("turn/start", { threadId: thread.thread.id, input: [{ type: "text", text: "hi" }] });
    await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    expect(model.requests[0]?.headers.authorization).toBe(`Bearer ${tokens.access_token}`);
    expect(model.requests[0]?.headers["chatgpt-account-id"]).toBe("acct-123");
  });

  it("reports requiresOpenaiAuth = false for a provider that does not need OpenAI auth", async () => {
    await fs.writeFile(
      path.join(codexHome, "config.toml"),
      `model_provider = "local"\n[model_providers.local]\nname = "Local"\nbase_url = "http://127.0.0.1:9/v1"\n`,
    );
    const c = await start();
    expect(await c.request("account/read", {})).toEqual({
      account: null,
      requiresOpenaiAuth: false,
    });
    expect(await c.request("getAuthStatus", {})).toEqual({
      authMethod: null,
      authToken: null,
      requiresOpenaiAuth: false,
    });
  });
});
