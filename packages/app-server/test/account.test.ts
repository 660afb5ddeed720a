import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { AuthManager, type AuthManagerOptions } from "@codex-ts/core";
import { type MockIssuer, makeJwt, startMockIssuer } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppServer, createHandlerTables } from "../src/index.js";

type Message = Record<string, unknown> & { id?: string | number; method?: string };

/** An app server with the account handlers over in-memory stdio, and a client that records every line. */
class Harness {
  readonly messages: Message[] = [];
  private readonly stdin = new PassThrough();
  private readonly stdout = new PassThrough();
  private readonly running: Promise<void>;
  private waiters: Array<() => void> = [];
  private next = 1;

  constructor(
    readonly auth: AuthManager,
    requiresOpenaiAuth = true,
  ) {
    const server = new AppServer({
      stdin: this.stdin,
      stdout: this.stdout,
      handlers: (s) => createHandlerTables(s, { auth, requiresOpenaiAuth }),
    });
    let partial = "";
    this.stdout.on("data", (chunk: Buffer) => {
      partial += chunk.toString();
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) this.messages.push(JSON.parse(line) as Message);
      for (const w of this.waiters.splice(0)) w();
    });
    this.running = server.run();
  }

  async waitFor(pred: (m: Message) => boolean, what: string): Promise<Message> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = this.messages.find(pred);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}: ${JSON.stringify(this.messages)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 500);
      });
    }
  }

  async call(method: string, params?: unknown): Promise<Message> {
    const id = this.next++;
    this.stdin.write(`${JSON.stringify(params === undefined ? { id, method } : { id, method, params })}\n`);
    return this.waitFor((m) => m.id === id && m.method === undefined, `response to ${method}`);
  }

  async init(): Promise<this> {
    await this.call("initialize", { clientInfo: { name: "t", version: "1" } });
    return this;
  }

  notification(method: string): Promise<Message> {
    return this.waitFor((m) => m.method === method && m.id === undefined, method);
  }

  /** Methods of the messages after the given one (responses shown as `#<id>`). */
  after(m: Message): string[] {
    return this.messages.slice(this.messages.indexOf(m)).map((x) => x.method ?? `#${x.id}`);
  }

  async close(): Promise<void> {
    this.auth.close();
    this.stdin.end();
    await this.running;
  }
}

let home: string;
let issuer: MockIssuer;
let h: Harness;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "codex-account-"));
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
    expect(await h.call("getAuthStatus", {})).toMatchObject({
      result: { authMethod: null, authToken: null, requiresOpenaiAuth: true },
    });
    expect((await h.call("account/read", {})).result).toEqual({ account: null, requiresOpenaiAuth: true });
    expect((await h.call("userInfo")).result).toEqual({ allegedUserEmail: null });
    expect((await h.call("account/rateLimits/read")).error).toEqual({
      code: -32600,
      message: "codex account authentication required to read rate limits",
    });

    const login = await h.call("loginApiKey", { apiKey: "sk-test" });
    expect(login.result).toEqual({});
    expect((await h.notification("authStatusChange")).params).toEqual({ authMethod: "apikey" });
    expect(h.after(login).slice(0, 2)).toEqual([`#${login.id}`, "authStatusChange"]);
    expect(JSON.parse(await readFile(authFile(), "utf8"))).toEqual({ OPENAI_API_KEY: "sk-test" });
    expect((await h.call("getAuthStatus", { includeToken: true })).result).toEqual({
      authMethod: "apikey",
      authToken: "sk-test",
      requiresOpenaiAuth: true,
    });
    expect((await h.call("getAuthStatus", {})).result).toMatchObject({
      authMethod: "apikey",
      authToken: null,
    });
    expect((await h.call("account/read", {})).result).toEqual({
      account: { type: "apiKey" },
      requiresOpenaiAuth: true,
    });
    expect((await h.call("account/rateLimits/read")).error).toEqual({
      code: -32600,
      message: "chatgpt authentication required to read rate limits",
    });

    const logout = await h.call("logoutChatGpt");
    expect(logout.result).toEqual({});
    await h.waitFor(
      (m) => m.method === "authStatusChange" && (m.params as { authMethod: unknown }).authMethod === null,
      "logout notification",
    );
    expect(h.after(logout).slice(0, 2)).toEqual([`#${logout.id}`, "authStatusChange"]);
    await expect(stat(authFile())).rejects.toThrow(/ENOENT/);

    const v2 = await h.call("account/login/start", { type: "apiKey", apiKey: "sk-2" });
    expect(v2.result).toEqual({ type: "apiKey" });
    await h.notification("account/updated");
    expect(h.after(v2).slice(1, 3)).toEqual(["account/login/completed", "account/updated"]);
    expect((await h.notification("account/login/completed")).params).toEqual({
      loginId: null,
      success: true,
      error: null,
    });
    expect((await h.notification("account/updated")).params).toEqual({ authMode: "apikey" });
    const out = await h.call("account/logout");
    expect(out.result).toEqual({});
    await h.waitFor(
      (m) => m.method === "account/updated" && (m.params as { authMode: unknown }).authMode === null,
      "logout",
    );
  });

  it("reports requiresOpenaiAuth of the configured provider; a provider without OpenAI auth has no account", async () => {
    await start({}, false);
    expect((await h.call("account/read", {})).result).toEqual({ account: null, requiresOpenaiAuth: false });
    // As 0.58.0: stored credentials are not reported (nor read) when the provider does not use them.
    expect((await h.call("loginApiKey", { apiKey: "sk-unused" })).result).toEqual({});
    expect((await h.call("account/read", { refreshToken: true })).result).toEqual({
      account: null,
      requiresOpenaiAuth: false,
    });
    expect((await h.call("getAuthStatus", { includeToken: true })).result).toEqual({
      authMethod: null,
      authToken: null,
      requiresOpenaiAuth: false,
    });
    await writeFile(authFile(), "{corrupt");
    expect((await h.call("getAuthStatus", {})).result).toEqual({
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
    for (const [method, params, message] of errors) {
      // Code and message are 0.58.0's; decode errors also name the field in `data.path` (this server's addition).
      const { code, message: actual } = (await h.call(method, params)).error as {
        code: number;
        message: string;
      };
      expect({ method, code, message: actual }).toEqual({ method, code: -32600, message });
    }
    expect((await h.call("account/read", [])).result).toEqual({ account: null, requiresOpenaiAuth: true });
  });

  it("refuses the login method that forced_login_method disables", async () => {
    await start({ forcedLoginMethod: "chatgpt" });
    const refused = { code: -32600, message: "API key login is disabled. Use ChatGPT login instead." };
    expect((await h.call("loginApiKey", { apiKey: "k" })).error).toEqual(refused);
    expect((await h.call("account/login/start", { type: "apiKey", apiKey: "k" })).error).toEqual(refused);
    await h.close();
    await start({ forcedLoginMethod: "api" });
    const chatgpt = { code: -32600, message: "ChatGPT login is disabled. Use API key login instead." };
    expect((await h.call("loginChatGpt")).error).toEqual(chatgpt);
    expect((await h.call("account/login/start", { type: "chatgpt" })).error).toEqual(chatgpt);
  });

  it("reports a corrupt auth.json as an error naming it, and leaves it alone", async () => {
    await writeFile(authFile(), "{not json", { mode: 0o600 });
    await start();
    for (const [method, params] of [
      ["account/read", {}],
      ["getAuthStatus", { includeToken: true }],
      ["userInfo", undefined],
    ] as const) {
      const { error } = (await h.call(method, params)) as { error: { code: number; message: string } };
      expect(error.code).toBe(-32603);
      expect(error.message).toMatch(/^failed to load auth: failed to parse .*auth\.json/);
    }
    expect(await readFile(authFile(), "utf8")).toBe("{not json");
  });
});

describe("account methods (ChatGPT)", () => {
  it("v2 login end to end, then read account, token, user info and rate limits", async () => {
    await start();
    const res = (await h.call("account/login/start", { type: "chatgpt" })) as {
      result: { type: string; loginId: string; authUrl: string };
    };
    expect(res.result.type).toBe("chatgpt");
    expect(res.result.authUrl.startsWith(`${issuer.issuer}/oauth/authorize?response_type=code&`)).toBe(true);
    await approveInBrowser(res.result.authUrl);
    expect((await h.notification("account/login/completed")).params).toEqual({
      loginId: res.result.loginId,
      success: true,
      error: null,
    });
    expect((await h.notification("account/updated")).params).toEqual({ authMode: "chatgpt" });
    expect((await h.call("account/read", {})).result).toEqual({
      account: { type: "chatgpt", email: "user@example.com", planType: "plus" },
      requiresOpenaiAuth: true,
    });
    expect((await h.call("userInfo")).result).toEqual({ allegedUserEmail: "user@example.com" });
    expect((await h.call("getAuthStatus", { includeToken: true })).result).toEqual({
      authMethod: "chatgpt",
      authToken: issuer.accessTokens[0],
      requiresOpenaiAuth: true,
    });
    expect((await h.call("account/rateLimits/read")).result).toEqual({
      rateLimits: {
        primary: { usedPercent: 42, windowDurationMins: 300, resetsAt: 1764000000 },
        secondary: { usedPercent: 7, windowDurationMins: 10080, resetsAt: 1764500000 },
      },
    });
    expect(h.messages.some((m) => m.method === "loginChatGptComplete")).toBe(false);
  });

  it("v1 login: cancel answers first, then loginChatGptComplete; a new login cancels the old one", async () => {
    await start();
    const first = (await h.call("loginChatGpt")) as { result: { loginId: string; authUrl: string } };
    const second = (await h.call("loginChatGpt")) as { result: { loginId: string } };
    const cancelled = await h.waitFor(
      (m) =>
        m.method === "loginChatGptComplete" &&
        (m.params as { loginId: string }).loginId === first.result.loginId,
      "first login's end",
    );
    expect(cancelled.params).toEqual({
      loginId: first.result.loginId,
      success: false,
      error: "Login server error: Login cancelled",
    });
    // As in 0.58.0, the replaced login's end comes before the new login's response.
    expect(h.messages.indexOf(cancelled)).toBeLessThan(h.messages.indexOf(second));
    const cancel = await h.call("cancelLoginChatGpt", { loginId: second.result.loginId.toUpperCase() });
    expect(cancel.result).toEqual({});
    const ended = await h.waitFor(
      (m) =>
        m.method === "loginChatGptComplete" &&
        (m.params as { loginId: string }).loginId === second.result.loginId,
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
    const res = (await h.call("account/login/start", { type: "chatgpt" })) as { result: { loginId: string } };
    expect((await h.call("account/login/cancel", { loginId: res.result.loginId })).result).toEqual({});
    expect((await h.notification("account/login/completed")).params).toEqual({
      loginId: res.result.loginId,
      success: false,
      error: "Login server error: Login was not completed",
    });
  });

  it("a failed refresh: getAuthStatus says not logged in, account/read still answers, auth.json is untouched", async () => {
    await seedTokens(new Date(Date.now() - 9 * 24 * 3600 * 1000));
    const before = await readFile(authFile(), "utf8");
    issuer.refreshFailure = 401;
    await start();
    expect((await h.call("getAuthStatus", { includeToken: true, refreshToken: true })).result).toEqual({
      authMethod: null,
      authToken: null,
      requiresOpenaiAuth: true,
    });
    expect((await h.call("account/read", { refreshToken: true })).result).toMatchObject({
      account: { type: "chatgpt", email: "user@example.com" },
    });
    expect(await readFile(authFile(), "utf8")).toBe(before);
    issuer.refreshFailure = null;
    const refreshed = (await h.call("getAuthStatus", { includeToken: true, refreshToken: true })) as {
      result: { authToken: string };
    };
    expect(refreshed.result.authToken).toBe(issuer.accessTokens.at(-1));
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
    expect((await h.call("account/read", {})).result).toMatchObject({
      account: { type: "chatgpt", email: "e@x.io", planType: "unknown" },
    });
    await write({ "https://api.openai.com/auth": { chatgpt_plan_type: "pro" } });
    expect((await h.call("account/read", {})).error).toEqual({
      code: -32600,
      message: "email and plan type are required for chatgpt authentication",
    });
  });
});
