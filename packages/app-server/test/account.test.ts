import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { AuthManager, type AuthManagerOptions } from "@codex-ts/core";
import {
  connectInProcess,
  errorOf,
  type Message,
  type MockIssuer,
  makeJwt,
  startMockIssuer,
  type TestAppServer,
  tempDir,
} from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppServer, createHandlerTables } from "../src/index.js";

/** An app server with the account handlers over in-memory stdio, driven by the typed harness client. */
class Harness {
  readonly client: TestAppServer;
  private readonly stdin = new PassThrough();
  private readonly stdout = new PassThrough();
  private readonly running: Promise<void>;

  constructor(
    readonly auth: AuthManager,
    requiresOpenaiAuth = true,
  ) {
    const server = new AppServer({
      stdin: this.stdin,
      stdout: this.stdout,
      handlers: (s) => createHandlerTables(s, { auth, requiresOpenaiAuth }),
    });
    this.client = connectInProcess({ stdin: this.stdin, stdout: this.stdout });
    this.running = server.run();
  }

  get messages(): Message[] {
    return this.client.messages;
  }

  waitFor(pred: (m: Message) => boolean, what: string): Promise<Message> {
    return this.client.waitFor(pred, what, 20_000);
  }

  async init(): Promise<this> {
    await this.client.initialize({ name: "t", version: "1" });
    return this;
  }

  notification(method: string): Promise<Message> {
    return this.waitFor((m) => m.method === method && m.id === undefined, method);
  }

  /** The response to the latest `method` request. */
  answer(method: string): Message {
    const m = this.client.responseTo(method);
    if (!m) throw new Error(`no response to ${method}`);
    return m;
  }

  /** Methods of the messages from the given one on (responses shown as `#<id>`). */
  after(m: Message): string[] {
    return this.messages.slice(this.messages.indexOf(m)).map((x) => x.method ?? `#${x.id}`);
  }

  async close(): Promise<void> {
    this.auth.close();
    await this.client.close();
    await this.running;
  }
}

let home: string;
let issuer: MockIssuer;
let h: Harness;

beforeEach(async () => {
  home = await tempDir("codex-account-");
  issuer = await startMockIssuer();
});
afterEach(async () => {
  await h?.close();
  await issuer.close();
});

function start(extra: Partial<AuthManagerOptions> = {}, requiresOpenaiAuth = true): Promise<Harness> {
  const auth = new AuthManager({
    codexHome: home,
    storeMode: "file",
    issuer: issuer.issuer,
    chatgptBaseUrl: issuer.chatgptBaseUrl,
    originator: "codex_cli_rs",
    userAgent: () => "codex_cli_rs/0.58.0 (test)",
    loginPort: 0,
    ...extra,
  });
  h = new Harness(auth, requiresOpenaiAuth);
  return h.init();
}

const authFile = () => join(home, "auth.json");
const loopback = (url: string) => url.replace("://localhost:", "://127.0.0.1:");

async function approveInBrowser(authUrl: string): Promise<void> {
  const authorize = await fetch(authUrl, { redirect: "manual" });
  const callback = await fetch(loopback(authorize.headers.get("location") ?? ""), { redirect: "manual" });
  expect(callback.status).toBe(302);
  expect((await fetch(loopback(callback.headers.get("location") ?? ""))).status).toBe(200);
}

async function seedTokens(lastRefresh: Date) {
  const tokens = issuer.issueTokens();
  const record = {
    OPENAI_API_KEY: null,
    tokens: { ...tokens, account_id: "acct-123" },
    last_refresh: lastRefresh,
  };
  await writeFile(authFile(), JSON.stringify(record, null, 2), { mode: 0o600 });
  return tokens;
}

describe("account methods (API key)", () => {
  it("log in, read, log out with 0.58.0's results and notifications", async () => {
    await start();
    expect(await h.client.request("getAuthStatus", {})).toMatchObject({
      authMethod: null,
      authToken: null,
      requiresOpenaiAuth: true,
    });
    expect(await h.client.request("account/read", {})).toEqual({ account: null, requiresOpenaiAuth: true });
    expect(await h.client.request("userInfo")).toEqual({ allegedUserEmail: null });
    expect(await errorOf(h.client.request("account/rateLimits/read"))).toEqual({
      code: -32600,
      message: "codex account authentication required to read rate limits",
    });

    expect(await h.client.request("loginApiKey", { apiKey: "sk-test" })).toEqual({});
    const login = h.answer("loginApiKey");
    expect((await h.notification("authStatusChange")).params).toEqual({ authMethod: "apikey" });
    expect(h.after(login).slice(0, 2)).toEqual([`#${login.id}`, "authStatusChange"]);
    expect(JSON.parse(await readFile(authFile(), "utf8"))).toEqual({ OPENAI_API_KEY: "sk-test" });
    expect(await h.client.request("getAuthStatus", { includeToken: true })).toEqual({
      authMethod: "apikey",
      authToken: "sk-test",
      requiresOpenaiAuth: true,
    });
    expect(await h.client.request("getAuthStatus", {})).toMatchObject({
      authMethod: "apikey",
      authToken: null,
    });
    expect(await h.client.request("account/read", {})).toEqual({
      account: { type: "apiKey" },
      requiresOpenaiAuth: true,
    });
    expect(await errorOf(h.client.request("account/rateLimits/read"))).toEqual({
      code: -32600,
      message: "chatgpt authentication required to read rate limits",
    });

    expect(await h.client.request("logoutChatGpt")).toEqual({});
    const logout = h.answer("logoutChatGpt");
    await h.waitFor(
      (m) => m.method === "authStatusChange" && (m.params as { authMethod: unknown }).authMethod === null,
      "logout notification",
    );
    expect(h.after(logout).slice(0, 2)).toEqual([`#${logout.id}`, "authStatusChange"]);
    await expect(stat(authFile())).rejects.toThrow(/ENOENT/);

    expect(await h.client.request("account/login/start", { type: "apiKey", apiKey: "sk-2" })).toEqual({
      type: "apiKey",
    });
    const v2 = h.answer("account/login/start");
    await h.notification("account/updated");
    expect(h.after(v2).slice(1, 3)).toEqual(["account/login/completed", "account/updated"]);
    expect((await h.notification("account/login/completed")).params).toEqual({
      loginId: null,
      success: true,
      error: null,
    });
    expect((await h.notification("account/updated")).params).toEqual({ authMode: "apikey" });
    expect(await h.client.request("account/logout")).toEqual({});
    await h.waitFor(
      (m) => m.method === "account/updated" && (m.params as { authMode: unknown }).authMode === null,
      "logout",
    );
  });

  it("reports requiresOpenaiAuth of the configured provider; a provider without OpenAI auth has no account", async () => {
    await start({}, false);
    expect(await h.client.request("account/read", {})).toEqual({ account: null, requiresOpenaiAuth: false });
    // As 0.58.0: stored credentials are not reported (nor read) when the provider does not use them.
    expect(await h.client.request("loginApiKey", { apiKey: "sk-unused" })).toEqual({});
    expect(await h.client.request("account/read", { refreshToken: true })).toEqual({
      account: null,
      requiresOpenaiAuth: false,
    });
    expect(await h.client.request("getAuthStatus", { includeToken: true })).toEqual({
      authMethod: null,
      authToken: null,
      requiresOpenaiAuth: false,
    });
    await writeFile(authFile(), "{corrupt");
    expect(await h.client.request("getAuthStatus", {})).toEqual({
      authMethod: null,
      authToken: null,
      requiresOpenaiAuth: false,
    });
    expect(await readFile(authFile(), "utf8")).toBe("{corrupt");
  });

  it("decodes params with 0.58.0's errors", async () => {
    await start();
    const errors: Array<[string, unknown, string]> = [
      [
        "getAuthStatus",
        { includeToken: "yes" },
        'Invalid request: invalid type: string "yes", expected a boolean',
      ],
      ["account/read", { refreshToken: 1 }, "Invalid request: invalid type: integer `1`, expected a boolean"],
      ["account/login/start", {}, "Invalid request: missing field `type`"],
      [
        "account/login/start",
        { type: "bogus" },
        "Invalid request: unknown variant `bogus`, expected `apiKey` or `chatgpt`",
      ],
      [
        "account/login/start",
        { type: 5 },
        "Invalid request: invalid value: integer `5`, expected variant index 0 <= i < 2",
      ],
      ["account/login/start", { type: "apiKey" }, "Invalid request: missing field `apiKey`"],
      ["loginApiKey", {}, "Invalid request: missing field `apiKey`"],
      ["loginApiKey", { apiKey: 5 }, "Invalid request: invalid type: integer `5`, expected a string"],
      ["account/login/cancel", {}, "Invalid request: missing field `loginId`"],
      ["account/login/cancel", { loginId: "abc" }, "invalid login id: abc"],
      ["cancelLoginChatGpt", {}, "Invalid request: missing field `loginId`"],
      [
        "cancelLoginChatGpt",
        { loginId: "abc" },
        "Invalid request: UUID parsing failed: invalid length: expected length 32 for simple format, found 3",
      ],
      [
        "cancelLoginChatGpt",
        { loginId: "zzzzzzzz-7b1c-4bde-9b8e-6a4f7b8f2c11" },
        "Invalid request: UUID parsing failed: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `z` at 1",
      ],
      [
        "cancelLoginChatGpt",
        { loginId: "8c9a2a5e-7b1c-4bde-9b8e-6a4f7b8f2c11" },
        "login id not found: 8c9a2a5e-7b1c-4bde-9b8e-6a4f7b8f2c11",
      ],
      [
        "account/login/cancel",
        { loginId: "8c9a2a5e-7b1c-4bde-9b8e-6a4f7b8f2c11" },
        "login id not found: 8c9a2a5e-7b1c-4bde-9b8e-6a4f7b8f2c11",
      ],
    ];
    // Params the protocol does not allow: only the raw escape hatch sends them.
    for (const [i, [method, params, message]] of errors.entries()) {
      // Code and message are 0.58.0's; decode errors also name the field in `data.path` (this server's addition).
      const { code, message: actual } = (await h.client.raw.call(`e${i}`, method, params)).error as {
        code: number;
        message: string;
      };
      expect({ method, code, message: actual }).toEqual({ method, code: -32600, message });
    }
    expect((await h.client.raw.call("array", "account/read", [])).result).toEqual({
      account: null,
      requiresOpenaiAuth: true,
    });
  });

  it("refuses the login method that forced_login_method disables", async () => {
    await start({ forcedLoginMethod: "chatgpt" });
    const refused = { code: -32600, message: "API key login is disabled. Use ChatGPT login instead." };
    expect(await errorOf(h.client.request("loginApiKey", { apiKey: "k" }))).toEqual(refused);
    expect(await errorOf(h.client.request("account/login/start", { type: "apiKey", apiKey: "k" }))).toEqual(
      refused,
    );
    await h.close();
    await start({ forcedLoginMethod: "api" });
    const chatgpt = { code: -32600, message: "ChatGPT login is disabled. Use API key login instead." };
    expect(await errorOf(h.client.request("loginChatGpt"))).toEqual(chatgpt);
    expect(await errorOf(h.client.request("account/login/start", { type: "chatgpt" }))).toEqual(chatgpt);
  });

  it("reports a corrupt auth.json as an error naming it, and leaves it alone", async () => {
    await writeFile(authFile(), "{not json", { mode: 0o600 });
    await start();
    for (const send of [
      () => h.client.request("account/read", {}),
      () => h.client.request("getAuthStatus", { includeToken: true }),
      () => h.client.request("userInfo"),
    ]) {
      const error = await errorOf(send());
      expect(error.code).toBe(-32603);
      expect(error.message).toMatch(/^failed to load auth: failed to parse .*auth\.json/);
    }
    expect(await readFile(authFile(), "utf8")).toBe("{not json");
  });
});

describe("account methods (ChatGPT)", () => {
  it("v2 login end to end, then read account, token, user info and rate limits", async () => {
    await start();
    const res = await h.client.request("account/login/start", { type: "chatgpt" });
    expect(res.type).toBe("chatgpt");
    if (res.type !== "chatgpt") throw new Error(`a ChatGPT login answered ${JSON.stringify(res)}`);
    expect(res.authUrl.startsWith(`${issuer.issuer}/oauth/authorize?response_type=code&`)).toBe(true);
    await approveInBrowser(res.authUrl);
    expect((await h.notification("account/login/completed")).params).toEqual({
      loginId: res.loginId,
      success: true,
      error: null,
    });
    expect((await h.notification("account/updated")).params).toEqual({ authMode: "chatgpt" });
    expect(await h.client.request("account/read", {})).toEqual({
      account: { type: "chatgpt", email: "user@example.com", planType: "plus" },
      requiresOpenaiAuth: true,
    });
    expect(await h.client.request("userInfo")).toEqual({ allegedUserEmail: "user@example.com" });
    expect(await h.client.request("getAuthStatus", { includeToken: true })).toEqual({
      authMethod: "chatgpt",
      authToken: issuer.accessTokens[0],
      requiresOpenaiAuth: true,
    });
    expect(await h.client.request("account/rateLimits/read")).toEqual({
      rateLimits: {
        primary: { usedPercent: 42, windowDurationMins: 300, resetsAt: 1764000000 },
        secondary: { usedPercent: 7, windowDurationMins: 10080, resetsAt: 1764500000 },
      },
    });
    expect(h.messages.some((m) => m.method === "loginChatGptComplete")).toBe(false);
  });

  it("v1 login: cancel answers first, then loginChatGptComplete; a new login cancels the old one", async () => {
    await start();
    const first = await h.client.request("loginChatGpt");
    const second = await h.client.request("loginChatGpt");
    const secondAnswer = h.answer("loginChatGpt");
    const cancelled = await h.waitFor(
      (m) =>
        m.method === "loginChatGptComplete" && (m.params as { loginId: string }).loginId === first.loginId,
      "first login's end",
    );
    expect(cancelled.params).toEqual({
      loginId: first.loginId,
      success: false,
      error: "Login server error: Login cancelled",
    });
    // As in 0.58.0, the replaced login's end comes before the new login's response.
    expect(h.messages.indexOf(cancelled)).toBeLessThan(h.messages.indexOf(secondAnswer));
    expect(await h.client.request("cancelLoginChatGpt", { loginId: second.loginId.toUpperCase() })).toEqual(
      {},
    );
    const cancel = h.answer("cancelLoginChatGpt");
    const ended = await h.waitFor(
      (m) =>
        m.method === "loginChatGptComplete" && (m.params as { loginId: string }).loginId === second.loginId,
      "second login's end",
    );
    expect(ended.params).toMatchObject({
      success: false,
      error: "Login server error: Login was not completed",
    });
    expect(h.messages.indexOf(ended)).toBeGreaterThan(h.messages.indexOf(cancel));
    expect(h.messages.some((m) => m.method === "authStatusChange" || m.method?.startsWith("account/"))).toBe(
      false,
    );
  });

  it("v2 cancel reports account/login/completed with Codex's error", async () => {
    await start();
    const res = await h.client.request("account/login/start", { type: "chatgpt" });
    if (res.type !== "chatgpt") throw new Error(`a ChatGPT login answered ${JSON.stringify(res)}`);
    expect(await h.client.request("account/login/cancel", { loginId: res.loginId })).toEqual({});
    expect((await h.notification("account/login/completed")).params).toEqual({
      loginId: res.loginId,
      success: false,
      error: "Login server error: Login was not completed",
    });
  });

  it("a failed refresh: getAuthStatus says not logged in, account/read still answers, auth.json is untouched", async () => {
    await seedTokens(new Date(Date.now() - 9 * 24 * 3600 * 1000));
    const before = await readFile(authFile(), "utf8");
    issuer.refreshFailure = 401;
    await start();
    expect(await h.client.request("getAuthStatus", { includeToken: true, refreshToken: true })).toEqual({
      authMethod: null,
      authToken: null,
      requiresOpenaiAuth: true,
    });
    expect(await h.client.request("account/read", { refreshToken: true })).toMatchObject({
      account: { type: "chatgpt", email: "user@example.com" },
    });
    expect(await readFile(authFile(), "utf8")).toBe(before);
    issuer.refreshFailure = null;
    const refreshed = await h.client.request("getAuthStatus", { includeToken: true, refreshToken: true });
    expect(refreshed.authToken).toBe(issuer.accessTokens.at(-1));
    expect(await readFile(authFile(), "utf8")).not.toBe(before);
  });

  it("maps unknown plans to `unknown` and requires email and plan", async () => {
    const write = (payload: Record<string, unknown>) =>
      writeFile(
        authFile(),
        JSON.stringify({
          OPENAI_API_KEY: null,
          tokens: { id_token: makeJwt(payload), access_token: "a", refresh_token: "r" },
          last_refresh: new Date().toISOString(),
        }),
      );
    await write({ email: "e@x.io", "https://api.openai.com/auth": { chatgpt_plan_type: "galactic" } });
    await start();
    expect(await h.client.request("account/read", {})).toMatchObject({
      account: { type: "chatgpt", email: "e@x.io", planType: "unknown" },
    });
    await write({ "https://api.openai.com/auth": { chatgpt_plan_type: "pro" } });
    expect(await errorOf(h.client.request("account/read", {}))).toEqual({
      code: -32600,
      message: "email and plan type are required for chatgpt authentication",
    });
  });
});
