import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { keyringEntry, loadMcpOauthCredentials } from "@codex-ts/auth-storage";
import {
  CODEX_0166_BIN,
  type Message,
  type MockMcpOauthServer,
  realKeyringAvailable,
  responses,
  type ScriptedResponse,
  startMockMcpOauthServer,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { afterEach, describe, expect, it } from "vitest";
import {
  type McpStartupStatus,
  type MockServer0166,
  mcpStartupStatuses,
  startMockServer0166,
  startOnHome0166,
} from "./helpers/mock-server-0166.js";

/**
 * OAuth sign-in to a streamable HTTP MCP server on a 0.166 connection (what codex-acp 2.6.0 drives): the start-up
 * failure of a server without a usable sign-in, `mcpServer/oauth/login` → the browser (the test follows the
 * authorization URL and the redirect to the callback) → `mcpServer/oauthLogin/completed` → the thread's server
 * started again with the token and its tool used in a turn; the tokens stored where codex 0.166.0 stores them and
 * read by either implementation; refresh at start-up; timeouts, a declined sign-in and bad requests. Side by side
 * with the native codex 0.166.0 where it is installed; everything on 127.0.0.1 (test-support's OAuth-protected
 * MCP mock).
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("0.166 MCP OAuth: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

/** Real-keyring tests run only inside scripts/with-keyring.sh (a throwaway Secret Service). */
const hasKeyring = await realKeyringAvailable((account) => {
  const entry = keyringEntry("codex-ts-probe", account);
  return {
    setPassword: async (secret) => (await entry).setPassword(secret),
    getPassword: async () => (await entry).getPassword(),
    deletePassword: async () => (await entry).deletePassword(),
  };
});

const mocks: MockMcpOauthServer[] = [];
afterEach(async () => {
  await Promise.all(mocks.splice(0).map((m) => m.close()));
});

async function oauthMock(): Promise<MockMcpOauthServer> {
  const m = await startMockMcpOauthServer();
  mocks.push(m);
  return m;
}

const toml = (oauth: MockMcpOauthServer, store = "file") =>
  `mcp_oauth_credentials_store = "${store}"\n[mcp_servers.prot]\nurl = "${oauth.url}"\n`;

const start = (impl: Impl, oauth: MockMcpOauthServer, store = "file") =>
  startMockServer0166(suite, impl, {
    client: { name: "mcp-oauth-0166", version: "1.0" },
    prefix: "codex-0166-mcp-oauth-",
    toml: toml(oauth, store),
  });

const home = (s: MockServer0166) => path.join(s.root, "codex-home");
const credentialsFile = (s: MockServer0166) => path.join(home(s), ".credentials.json");
/** 0.166.0's store key of a server: `<name>|` + 16 hex digits of SHA-256 over its `{type, url, headers}`. */
const storeKey = (name: string, url: string) =>
  `${name}|${createHash("sha256")
    .update(JSON.stringify({ type: "http", url, headers: {} }))
    .digest("hex")
    .slice(0, 16)}`;

/** The end statuses (not `starting`) of `name` on `threadId`, waiting until there are `count`. */
async function ends(s: MockServer0166, threadId: string, count = 1): Promise<McpStartupStatus[]> {
  const mine = () =>
    mcpStartupStatuses(s).filter(
      (st) => st.threadId === threadId && st.status !== "starting" && st.status !== "cancelled",
    );
  if (mine().length < count)
    await s.c.waitFor(() => mine().length >= count, `${count} MCP start-up end(s) on ${threadId}`);
  return mine();
}

/** A port nothing listens on now (the OS picks it). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function newThread(s: MockServer0166): Promise<string> {
  const { thread } = await s.c.request("thread/start", {
    cwd: s.root,
    model: "gpt-5.5",
    approvalPolicy: "never",
    sandbox: "danger-full-access",
  });
  return thread.id;
}

type Completed = { name: string; threadId: string | null; loginId: string; success: boolean; error?: string };
async function completed(s: MockServer0166, loginId: string): Promise<Completed> {
  const find = () =>
    s.c.messages.find(
      (m) =>
        m.method === "mcpServer/oauthLogin/completed" &&
        (m.params as { loginId?: string }).loginId === loginId,
    );
  if (!find()) await s.c.waitFor(() => find() !== undefined, `oauthLogin/completed ${loginId}`);
  return find()?.params as Completed;
}

/** Signs in through the browser and resolves once the login completed (with a thread: once its server is ready). */
async function signIn(s: MockServer0166, oauth: MockMcpOauthServer, threadId?: string): Promise<Completed> {
  const login = await s.c.request("mcpServer/oauth/login", {
    name: "prot",
    ...(threadId ? { threadId } : {}),
  });
  const page = await oauth.authorizeInBrowser(login.authorizationUrl);
  expect(page).toEqual({ status: 200, body: "Authentication complete. You may close this window." });
  return completed(s, login.loginId ?? "");
}

const NOT_LOGGED_IN = "The prot MCP server is not logged in. Run `codex mcp login prot`.";
const REAUTH = "The prot MCP server requires OAuth reauthentication. Run `codex mcp login prot`.";

describe("0.166 MCP OAuth login, compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: not logged in at start-up, login for the thread, completed, the server restarted and its tool used",
    { timeout: 120_000 },
    async (impl) => {
      const oauth = await oauthMock();
      const s = await start(impl, oauth);
      const threadId = await newThread(s);
      expect(await ends(s, threadId)).toEqual([
        { threadId, name: "prot", status: "failed", error: NOT_LOGGED_IN, failureReason: null },
      ]);

      const login = await s.c.request("mcpServer/oauth/login", {
        name: "prot",
        threadId,
        scopes: ["read", "write"],
      });
      const url = new URL(login.authorizationUrl);
      expect(url.origin).toBe(oauth.issuer);
      expect(url.pathname).toBe("/authorize");
      const q = url.searchParams;
      expect(q.get("code_challenge_method")).toBe("S256");
      expect(q.get("resource")).toBe(oauth.url);
      expect(q.get("scope")).toBe("read write");
      const redirect = new URL(q.get("redirect_uri") ?? "");
      expect(redirect.hostname).toBe("127.0.0.1");
      expect(redirect.pathname).toMatch(/^\/callback\/[A-Za-z0-9_-]+$/);
      expect(login.loginId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);

      expect(await oauth.authorizeInBrowser(login.authorizationUrl)).toEqual({
        status: 200,
        body: "Authentication complete. You may close this window.",
      });
      expect(await completed(s, login.loginId ?? "")).toEqual({
        name: "prot",
        threadId,
        loginId: login.loginId,
        success: true,
      });
      const [, ready] = await ends(s, threadId, 2);
      expect(ready).toEqual({ threadId, name: "prot", status: "ready", error: null, failureReason: null });

      // The tokens: 0.166.0's file, mode 0600, one entry under the server's store key.
      const stat = await fs.stat(credentialsFile(s));
      expect(stat.mode & 0o777).toBe(0o600);
      const stored = JSON.parse(await fs.readFile(credentialsFile(s), "utf8")) as Record<
        string,
        Record<string, unknown>
      >;
      expect(Object.keys(stored)).toEqual([storeKey("prot", oauth.url)]);
      const entry = stored[storeKey("prot", oauth.url)] ?? {};
      expect(Object.keys(entry)).toEqual([
        "server_name",
        "server_url",
        "issuer",
        "client_id",
        "access_token",
        "expires_at",
        "refresh_token",
        "scopes",
      ]);
      expect(entry).toMatchObject({ server_name: "prot", server_url: oauth.url, issuer: oauth.issuer });
      expect(oauth.clients.has(String(entry.client_id))).toBe(true);
      expect(oauth.accessTokens.has(String(entry.access_token))).toBe(true);

      // The thread's tool works in a turn, with the bearer token.
      s.mock.enqueue(
        respond(toolSearch("ts1", { query: "echo text" })),
        respond({
          type: "function_call",
          id: "fc_e1",
          name: "echo",
          namespace: "mcp__prot",
          arguments: JSON.stringify({ text: "hello" }),
          call_id: "call_e1",
        }),
        answer("done"),
      );
      const items = await turn(s, threadId, "echo hello");
      const call = items.find(
        (m) =>
          m.method === "item/completed" &&
          (m.params as { item: { type: string } }).item.type === "mcpToolCall",
      );
      expect((call?.params as { item?: Record<string, unknown> } | undefined)?.item).toMatchObject({
        server: "prot",
        tool: "echo",
        status: "completed",
        result: { content: [{ type: "text", text: "echo: hello" }] },
      });
      expect(oauth.requests.filter((r) => r.what === "tools/call").map((r) => r.bearer)).toEqual([
        "accepted",
      ]);

      // A later thread starts with the stored token.
      const later = await newThread(s);
      expect(await ends(s, later)).toEqual([
        { threadId: later, name: "prot", status: "ready", error: null, failureReason: null },
      ]);
      // No token reaches the server's log or its client.
      for (const token of [String(entry.access_token), String(entry.refresh_token)]) {
        expect(s.c.stderr).not.toContain(token);
        expect(JSON.stringify(s.c.messages)).not.toContain(token);
      }
    },
  );

  it.each(IMPLS)(
    "%s: an expired token is refreshed at start-up; one that cannot be refreshed needs reauthentication",
    { timeout: 60_000 },
    async (impl) => {
      const oauth = await oauthMock();
      const s = await start(impl, oauth);
      await signIn(s, oauth);
      const key = storeKey("prot", oauth.url);
      const read = async () =>
        (
          JSON.parse(await fs.readFile(credentialsFile(s), "utf8")) as Record<string, Record<string, unknown>>
        )[key] ?? {};
      const write = async (patch: Record<string, unknown>) =>
        fs.writeFile(credentialsFile(s), JSON.stringify({ [key]: { ...(await read()), ...patch } }), {
          mode: 0o600,
        });

      await write({ expires_at: Date.now() - 1000 });
      const before = await read();
      oauth.requests.length = 0;
      const refreshed = await newThread(s);
      expect(await ends(s, refreshed)).toEqual([
        { threadId: refreshed, name: "prot", status: "ready", error: null, failureReason: null },
      ]);
      expect(oauth.requests.some((r) => r.what === "refresh_token")).toBe(true);
      const after = await read();
      expect(after.access_token).not.toBe(before.access_token);
      expect(oauth.accessTokens.has(String(after.access_token))).toBe(true);
      expect(Number(after.expires_at)).toBeGreaterThan(Date.now());

      // An unexpired token the server no longer accepts: the 401 is answered with a refresh.
      oauth.revokeAccessTokens();
      oauth.requests.length = 0;
      const revoked = await newThread(s);
      expect(await ends(s, revoked)).toEqual([
        { threadId: revoked, name: "prot", status: "ready", error: null, failureReason: null },
      ]);
      expect(oauth.requests.some((r) => r.what === "refresh_token")).toBe(true);

      await write({ expires_at: Date.now() - 1000, refresh_token: "not-a-refresh-token" });
      const stale = await newThread(s);
      expect(await ends(s, stale)).toEqual([
        {
          threadId: stale,
          name: "prot",
          status: "failed",
          error: REAUTH,
          failureReason: "reauthenticationRequired",
        },
      ]);
    },
  );

  it.each(IMPLS)(
    "%s: a login nobody completes times out, a declined one fails; both complete with success false",
    { timeout: 60_000 },
    async (impl) => {
      const oauth = await oauthMock();
      const s = await start(impl, oauth);
      const timedOut = await s.c.request("mcpServer/oauth/login", { name: "prot", timeoutSecs: 1 });
      expect(await completed(s, timedOut.loginId ?? "")).toEqual({
        name: "prot",
        threadId: null,
        loginId: timedOut.loginId,
        success: false,
        error: "timed out waiting for OAuth callback",
      });
      // Its callback listener is gone.
      const redirect = new URL(new URL(timedOut.authorizationUrl).searchParams.get("redirect_uri") ?? "");
      // (A listener torn down while the fetch connects may never answer: that is gone too.)
      await expect(fetch(redirect, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();

      oauth.deny = true;
      const declined = await s.c.request("mcpServer/oauth/login", { name: "prot", timeoutSecs: 30 });
      const page = await oauth.authorizeInBrowser(declined.authorizationUrl);
      expect(page.status).toBeGreaterThanOrEqual(400);
      const end = await completed(s, declined.loginId ?? "");
      expect(end).toMatchObject({ name: "prot", threadId: null, success: false });
      expect(end.error).toContain("access_denied");
      await expect(fs.stat(credentialsFile(s))).rejects.toThrow();
    },
  );

  it.each(IMPLS)(
    "%s: mcp_oauth_callback_port and mcp_oauth_callback_url set where the browser comes back",
    { timeout: 60_000 },
    async (impl) => {
      const oauth = await oauthMock();
      const port = await freePort();
      const s = await startMockServer0166(suite, impl, {
        client: { name: "mcp-oauth-0166", version: "1.0" },
        prefix: "codex-0166-mcp-oauth-",
        toml: `mcp_oauth_callback_port = ${port}\nmcp_oauth_callback_url = "http://127.0.0.1:${port}/custom/cb"\n${toml(oauth)}`,
      });
      const login = await s.c.request("mcpServer/oauth/login", { name: "prot" });
      // The base URL, with the login's own path segment.
      expect(new URL(login.authorizationUrl).searchParams.get("redirect_uri")).toMatch(
        new RegExp(`^http://127\\.0\\.0\\.1:${port}/custom/cb/[A-Za-z0-9_-]{12}$`),
      );
      expect((await oauth.authorizeInBrowser(login.authorizationUrl)).status).toBe(200);
      expect(await completed(s, login.loginId ?? "")).toMatchObject({ success: true });
    },
  );

  it.each(IMPLS)(
    "%s: unknown servers, stdio servers and bad threads are refused",
    { timeout: 60_000 },
    async (impl) => {
      const oauth = await oauthMock();
      const s = await startMockServer0166(suite, impl, {
        client: { name: "mcp-oauth-0166", version: "1.0" },
        prefix: "codex-0166-mcp-oauth-",
        toml: `${toml(oauth)}[mcp_servers.local]\ncommand = "/nonexistent/mcp"\n`,
      });
      const refusal = (params: Record<string, unknown>) =>
        s.c.request("mcpServer/oauth/login", params as never).then(
          () => null,
          (err: Error & { code?: number }) => ({ code: err.code, message: err.message }),
        );
      expect(await refusal({ name: "nope" })).toEqual({
        code: -32600,
        message: "No MCP server named 'nope' found.",
      });
      expect(await refusal({ name: "local" })).toEqual({
        code: -32600,
        message: "OAuth login is only supported for streamable HTTP servers.",
      });
      const badThread = await refusal({ name: "prot", threadId: "zzz" });
      expect(badThread?.message).toMatch(/^invalid thread id: /);
      expect(await refusal({ name: "prot", threadId: "01a2491b-d6c6-7b23-aced-25437a28fc18" })).toEqual({
        code: -32600,
        message: "thread not found: 01a2491b-d6c6-7b23-aced-25437a28fc18",
      });
      expect((await refusal({})) as unknown).not.toBeNull();
    },
  );

  it("tokens one implementation stored are used by the other", { timeout: 120_000 }, async () => {
    if (!CODEX_0166_BIN) return;
    for (const [writer, reader] of [
      ["real", "ours"],
      ["ours", "real"],
    ] as const) {
      const oauth = await oauthMock();
      const s = await start(writer, oauth);
      await signIn(s, oauth);
      await s.c.close();
      const other = await startOnHome0166(suite, reader, {
        home: home(s),
        cwd: s.root,
        client: { name: "mcp-oauth-0166", version: "1.0" },
      });
      const o: MockServer0166 = { c: other, mock: s.mock, root: s.root };
      const threadId = await newThread(o);
      expect(await ends(o, threadId), `${writer} → ${reader}`).toEqual([
        { threadId, name: "prot", status: "ready", error: null, failureReason: null },
      ]);
    }
  });

  it.skipIf(!hasKeyring || !CODEX_0166_BIN)(
    "keyring store: the entry one implementation wrote is read by the other (and no file is written)",
    { timeout: 120_000 },
    async () => {
      for (const [writer, reader] of [
        ["real", "ours"],
        ["ours", "real"],
      ] as const) {
        const oauth = await oauthMock();
        const s = await start(writer, oauth, "keyring");
        await signIn(s, oauth);
        const stored = await loadMcpOauthCredentials(home(s), "keyring", "prot", oauth.url);
        expect(stored, `${writer} wrote the keyring entry`).toMatchObject({
          serverName: "prot",
          serverUrl: oauth.url,
          issuer: oauth.issuer,
        });
        expect(oauth.accessTokens.has(stored?.accessToken ?? "")).toBe(true);
        await expect(fs.stat(credentialsFile(s))).rejects.toThrow();
        await s.c.close();
        const other = await startOnHome0166(suite, reader, {
          home: home(s),
          cwd: s.root,
          client: { name: "mcp-oauth-0166", version: "1.0" },
        });
        const o: MockServer0166 = { c: other, mock: s.mock, root: s.root };
        const threadId = await newThread(o);
        expect(await ends(o, threadId), `${writer} → ${reader}`).toEqual([
          { threadId, name: "prot", status: "ready", error: null, failureReason: null },
        ]);
        await (await keyringEntry("Codex MCP Credentials", storeKey("prot", oauth.url))).deletePassword();
      }
    },
  );
});

type Item = Record<string, unknown>;
const respond = (...items: Item[]): ScriptedResponse => ({
  kind: "sse",
  events: [
    responses.created(),
    ...items.flatMap((item) => [
      { event: "response.output_item.added", data: { type: "response.output_item.added", item } },
      { event: "response.output_item.done", data: { type: "response.output_item.done", item } },
    ]),
    responses.completed(),
  ],
});
const answer = (text: string) =>
  respond({
    type: "message",
    role: "assistant",
    id: `msg_${text}`,
    content: [{ type: "output_text", text }],
  });
const toolSearch = (id: string, args: Item): Item => ({
  type: "tool_search_call",
  id: `tsc_${id}`,
  call_id: `call_${id}`,
  status: "completed",
  execution: "client",
  arguments: args,
});

async function turn(s: MockServer0166, threadId: string, text: string): Promise<Message[]> {
  const from = s.c.messages.length;
  const { turn } = await s.c.request("turn/start", { threadId, input: [{ type: "text", text }] });
  await s.c.waitFor(
    (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
    "turn/completed",
    60_000,
  );
  return s.c.messages.slice(from);
}
