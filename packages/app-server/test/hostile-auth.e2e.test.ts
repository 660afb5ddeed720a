import fs from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import {
  errorOf,
  type MockIssuer,
  startAppServer,
  startMockIssuer,
  type TestAppServer,
  tempDir,
} from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

/**
 * Issue 14 rows 4, 17 and 21 through the built CLI against a mock OAuth issuer on 127.0.0.1: auth changes sent
 * together leave the state of the last one, a refresh never outlives a logout, 50 ChatGPT logins at once all start,
 * and a damaged auth.json never puts any part of the key into an answer or the log.
 */

let issuer: MockIssuer;
let codexHome: string;
const servers: TestAppServer[] = [];

beforeEach(async () => {
  issuer = await startMockIssuer();
  codexHome = await tempDir("codex-hostile-auth-");
  await fs.writeFile(path.join(codexHome, "config.toml"), `chatgpt_base_url = "${issuer.chatgptBaseUrl}"\n`);
});
afterEach(async () => {
  // Each test's server goes before its issuer (a login server may still be listening).
  for (const c of servers.splice(0)) await c.close({ graceMs: 10_000 });
  await issuer.close();
});

async function start(env: Record<string, string> = {}): Promise<TestAppServer> {
  const c = await startAppServer({
    home: codexHome,
    env: { CODEX_TS_AUTH_ISSUER: issuer.issuer, CODEX_TS_LOGIN_PORT: "0", ...env },
  });
  servers.push(c);
  await c.initialize();
  return c;
}

const authFile = () => path.join(codexHome, "auth.json");
const notifications = (c: TestAppServer, method: string) => c.messages.filter((m) => m.method === method);

describe("issue 14 row 4: auth changes are serialised in arrival order", () => {
  it("loginApiKey and logoutChatGpt sent together leave the state of the last one (20 of 20)", async () => {
    const c = await start();
    for (let round = 0; round < 20; round++) {
      // One write: both requests are in flight together.
      const [login, logout] = c.inOneWrite(() => [
        c.request("loginApiKey", { apiKey: `sk-round-${round}` }),
        c.request("logoutChatGpt"),
      ]);
      expect(await login).toEqual({});
      expect(await logout).toEqual({});
      await expect(fs.stat(authFile())).rejects.toMatchObject({ code: "ENOENT" });
    }
    expect(await c.request("account/read", {})).toEqual({ account: null, requiresOpenaiAuth: true });
    // The last status change reported is the logout.
    await c.waitFor(() => notifications(c, "authStatusChange").length === 40, "40 authStatusChange");
    expect(notifications(c, "authStatusChange").at(-1)?.params).toEqual({ authMethod: null });
    // And the other order: logged in with the key.
    await Promise.all(
      c.inOneWrite(() => [c.request("logoutChatGpt"), c.request("loginApiKey", { apiKey: "sk-last" })]),
    );
    expect(JSON.parse(await fs.readFile(authFile(), "utf8"))).toEqual({ OPENAI_API_KEY: "sk-last" });
    expect(c.stderr).not.toContain("sk-round-");
  });

  it("a token refresh that finishes after a logout does not bring the credentials back", async () => {
    const tokens = issuer.issueTokens();
    await fs.writeFile(
      authFile(),
      JSON.stringify({
        OPENAI_API_KEY: null,
        tokens: { ...tokens, account_id: "acct-123" },
        last_refresh: new Date(Date.now() - 30 * 24 * 3600_000).toISOString(),
      }),
      { mode: 0o600 },
    );
    const c = await start();
    const gate = issuer.pauseTokenEndpoint();
    const status = c.request("getAuthStatus", { includeToken: true, refreshToken: true });
    await gate.arrived;
    expect(await c.request("logoutChatGpt")).toEqual({});
    await expect(fs.stat(authFile())).rejects.toMatchObject({ code: "ENOENT" });
    gate.release();
    await status;
    await expect(fs.stat(authFile())).rejects.toMatchObject({ code: "ENOENT" });
    expect(await c.request("account/read", {})).toEqual({ account: null, requiresOpenaiAuth: true });
  });
});

describe("issue 14 row 21: 50 loginChatGpt at once", () => {
  async function freePort(): Promise<number> {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const { port } = s.address() as { port: number };
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  }

  it("all start on the fixed port, each replacing the one before (none answers 'port already in use')", async () => {
    const port = await freePort();
    const c = await start({ CODEX_TS_LOGIN_PORT: String(port) });
    const answers = await Promise.allSettled(
      c.inOneWrite(() => Array.from({ length: 50 }, () => c.request("loginChatGpt"))),
    );
    expect(answers.filter((a) => a.status === "rejected")).toEqual([]);
    const logins = answers.flatMap((a) => (a.status === "fulfilled" ? [a.value] : []));
    for (const login of logins) {
      expect(new URL(login.authUrl).searchParams.get("redirect_uri")).toBe(
        `http://localhost:${port}/auth/callback`,
      );
    }
    // Every login but the last was cancelled by the next one.
    await c.waitFor(() => notifications(c, "loginChatGptComplete").length === 49, "49 loginChatGptComplete");
    const completed = notifications(c, "loginChatGptComplete").map(
      (m) => m.params as Record<string, unknown>,
    );
    expect(new Set(completed.map((p) => p.loginId))).toEqual(
      new Set(logins.slice(0, -1).map((l) => l.loginId)),
    );
    for (const p of completed) {
      expect(p).toMatchObject({ success: false, error: "Login server error: Login cancelled" });
    }
    // The last one is running on the port and can be cancelled.
    const last = logins.at(-1) as { loginId: string };
    expect(await c.request("cancelLoginChatGpt", { loginId: last.loginId })).toEqual({});
    await c.waitFor(
      () => notifications(c, "loginChatGptComplete").length === 50,
      "the last loginChatGptComplete",
    );
    expect(c.stderr).not.toContain("already in use");
  });
});

describe("issue 14 row 17: auth.json whose key spans a newline", () => {
  const KEY = "sk-proj-Zq8vR2mN4xT7wL1kP9cB3hJ6fD0sA5eY";
  const leaks = (text: string) => {
    const pieces: string[] = [];
    for (let i = 0; i + 4 <= KEY.length; i++)
      if (text.includes(KEY.slice(i, i + 4))) pieces.push(KEY.slice(i, i + 4));
    return pieces;
  };

  it("account/read and getAuthStatus errors, and the log, carry none of the key", async () => {
    // Unquoted and broken near its start: JSON.parse's message quotes the text around the error, newline and all.
    await fs.writeFile(authFile(), `{"OPENAI_API_KEY": ${KEY.slice(0, 5)}\n${KEY.slice(5)}}`, {
      mode: 0o600,
    });
    const c = await start({ CODEX_LOG_LEVEL: "debug" });
    const errors = [
      await errorOf(c.request("account/read", {})),
      await errorOf(c.request("getAuthStatus", { includeToken: true })),
      await errorOf(c.request("userInfo")),
    ];
    for (const error of errors) {
      expect(error).toMatchObject({ code: -32603 });
      expect(leaks(JSON.stringify(error))).toEqual([]);
    }
    expect(errors[0]).toHaveProperty(
      "message",
      `failed to load auth: failed to parse ${authFile()}: invalid JSON`,
    );
    expect(leaks(c.stderr)).toEqual([]);
    expect(leaks(JSON.stringify(c.messages))).toEqual([]);
  });
});
