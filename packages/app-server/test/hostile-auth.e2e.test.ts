import fs from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { type MockIssuer, startMockIssuer } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppServerClient, type Message } from "./helpers/client.js";

/**
 * Issue 14 rows 4, 17 and 21 through the built CLI against a mock OAuth issuer on 127.0.0.1: auth changes sent
 * together leave the state of the last one, a refresh never outlives a logout, 50 ChatGPT logins at once all start,
 * and a damaged auth.json never puts any part of the key into an answer or the log.
 */

let issuer: MockIssuer;
let codexHome: string;
const cleanup: Array<() => Promise<unknown>> = [];

beforeEach(async () => {
  issuer = await startMockIssuer();
  codexHome = await fs.mkdtemp(path.join(os.tmpdir(), "codex-hostile-auth-"));
  cleanup.push(() => fs.rm(codexHome, { recursive: true, force: true }));
  await fs.writeFile(path.join(codexHome, "config.toml"), `chatgpt_base_url = "${issuer.chatgptBaseUrl}"\n`);
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  await issuer.close();
});

async function start(env: NodeJS.ProcessEnv = {}): Promise<AppServerClient> {
  const c = await AppServerClient.start({
    codexHome,
    env: { CODEX_TS_AUTH_ISSUER: issuer.issuer, CODEX_TS_LOGIN_PORT: "0", ...env },
  });
  cleanup.push(async () => {
    c.child.stdin.end();
    const timer = setTimeout(() => c.child.kill("SIGKILL"), 10_000);
    await c.exited;
    clearTimeout(timer);
  });
  await c.initialize();
  return c;
}

const authFile = () => path.join(codexHome, "auth.json");
const answered = (c: AppServerClient, id: number) =>
  c.waitFor((m) => m.id === id && m.method === undefined, `response ${id}`);
const notifications = (c: AppServerClient, method: string) => c.messages.filter((m) => m.method === method);

describe("issue 14 row 4: auth changes are serialised in arrival order", () => {
  it("loginApiKey and logoutChatGpt sent together leave the state of the last one (20 of 20)", async () => {
    const c = await start();
    let id = 100;
    for (let round = 0; round < 20; round++) {
      const login = id++;
      const logout = id++;
      // One write: both requests are in flight together.
      c.child.stdin.write(
        `${JSON.stringify({ id: login, method: "loginApiKey", params: { apiKey: `sk-round-${round}` } })}\n` +
          `${JSON.stringify({ id: logout, method: "logoutChatGpt" })}\n`,
      );
      expect((await answered(c, login)).result).toEqual({});
      expect((await answered(c, logout)).result).toEqual({});
      await expect(fs.stat(authFile())).rejects.toMatchObject({ code: "ENOENT" });
    }
    expect((await c.call(1, "account/read", {})).result).toEqual({ account: null, requiresOpenaiAuth: true });
    // The last status change reported is the logout.
    await c.waitFor(() => notifications(c, "authStatusChange").length === 40, "40 authStatusChange");
    expect(notifications(c, "authStatusChange").at(-1)?.params).toEqual({ authMethod: null });
    // And the other order: logged in with the key.
    c.child.stdin.write(
      `${JSON.stringify({ id: 2, method: "logoutChatGpt" })}\n` +
        `${JSON.stringify({ id: 3, method: "loginApiKey", params: { apiKey: "sk-last" } })}\n`,
    );
    await answered(c, 2);
    await answered(c, 3);
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
    c.send({ id: 1, method: "getAuthStatus", params: { includeToken: true, refreshToken: true } });
    await gate.arrived;
    expect((await c.call(2, "logoutChatGpt")).result).toEqual({});
    await expect(fs.stat(authFile())).rejects.toMatchObject({ code: "ENOENT" });
    gate.release();
    await answered(c, 1);
    await expect(fs.stat(authFile())).rejects.toMatchObject({ code: "ENOENT" });
    expect((await c.call(3, "account/read", {})).result).toEqual({ account: null, requiresOpenaiAuth: true });
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
    const ids = Array.from({ length: 50 }, (_, i) => 1000 + i);
    c.child.stdin.write(ids.map((id) => `${JSON.stringify({ id, method: "loginChatGpt" })}\n`).join(""));
    const answers = await Promise.all(ids.map((id) => answered(c, id)));
    expect(answers.filter((a) => a.error)).toEqual([]);
    const logins = answers.map((a) => a.result as { loginId: string; authUrl: string });
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
    expect((await c.call(1, "cancelLoginChatGpt", { loginId: last.loginId })).result).toEqual({});
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
    const answers: Message[] = [
      await c.call(1, "account/read", {}),
      await c.call(2, "getAuthStatus", { includeToken: true }),
      await c.call(3, "userInfo"),
    ];
    for (const a of answers) {
      expect(a.error).toMatchObject({ code: -32603 });
      expect(leaks(JSON.stringify(a))).toEqual([]);
    }
    expect(answers[0]?.error).toHaveProperty(
      "message",
      `failed to load auth: failed to parse ${authFile()}: invalid JSON`,
    );
    expect(leaks(c.stderr)).toEqual([]);
    expect(leaks(JSON.stringify(c.messages))).toEqual([]);
  });
});
