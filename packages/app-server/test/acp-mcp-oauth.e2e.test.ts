import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import {
  AcpClient,
  CLI_MAIN,
  CODEX_0166_BIN,
  CODEX_ACP_ENTRY,
  type MockRoute,
  offeredTools,
  type RecordedRequest,
  requestText,
  responses,
  startBlockingProxy,
  startMockMcpOauthServer,
  startMockModelServer,
  tempDir,
  waitForTeeEntry,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { acpWorkspace } from "./helpers/acp-flows.js";

/**
 * An editor signing its user in to an OAuth-protected MCP server through the real `@agentclientprotocol/codex-acp`
 * 2.6.0, with this server (and, where it is installed, codex 0.166.0) as its Codex: the editor passes the server in
 * `session/new`; its stored sign-in can no longer be refreshed, so its start fails with `failureReason:
 * "reauthenticationRequired"`; the adapter calls `mcpServer/oauth/login {name, threadId}` and shows the
 * authorization URL as a URL elicitation; the "browser" (the test) signs in; `mcpServer/oauthLogin/completed`
 * follows, the thread's server starts with the new token, the adapter reports no failure, and the tool works.
 */
if (!CODEX_ACP_ENTRY) console.warn("skipping the codex-acp MCP OAuth test: codex-acp 2.6.0 is not installed");
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];

const TITLE: MockRoute = {
  name: "title",
  match: (b) =>
    (b as { model?: string } | null)?.model === "gpt-5.6-luna" ||
    requestText(b).includes("generate a very short title"),
  answer: () => responses.turn(responses.message(JSON.stringify({ title: "Echo" }))),
};

/** The model's call of the protected server's echo tool, in the form the request offers (namespace, or flat). */
function callEcho(text: string, callId: string) {
  return (body: unknown) => {
    const [event] = responses.functionCall("mcp__prot__echo", { text }, callId);
    if (offeredTools(body).includes("mcp__prot")) {
      const item = (event!.data as { item: Record<string, unknown> }).item;
      item.name = "echo";
      item.namespace = "mcp__prot";
    }
    return responses.turn([event!]);
  };
}

function outputOf(requests: RecordedRequest[], callId: string): string {
  for (const r of requests)
    for (const i of (r.body as { input?: { call_id?: string; output?: unknown; type: string }[] }).input ??
      [])
      if (i.type === "function_call_output" && i.call_id === callId) return JSON.stringify(i.output);
  return "";
}

describe.skipIf(!CODEX_ACP_ENTRY)("codex-acp 2.6.0: MCP OAuth sign-in", () => {
  it.each(IMPLS)(
    "%s: reauthenticationRequired → oauth/login → URL elicitation → completed → the tool works",
    { timeout: 180_000 },
    async (impl) => {
      const tmp = await fs.realpath(await tempDir("codex-acp-mcp-oauth-"));
      const mock = await startMockModelServer([], { routes: [TITLE] });
      const proxy = await startBlockingProxy();
      const oauth = await startMockMcpOauthServer();
      try {
        const ws = await acpWorkspace(tmp, {
          baseUrl: mock.baseUrl,
          command: impl === "ours" ? [process.execPath, CLI_MAIN] : [CODEX_0166_BIN as string],
          proxyEnv: proxy.env,
        });
        const configPath = path.join(ws.home, "config.toml");
        const config = (await fs.readFile(configPath, "utf8")).replace(
          'model = "gpt-5.5"',
          'model = "mock-model"',
        );
        await fs.writeFile(configPath, `mcp_oauth_credentials_store = "file"\n${config}`);
        // A sign-in from long ago: its client is still registered, but the token expired and its refresh token is
        // no longer accepted (`invalid_grant`).
        const registered = await fetch(`${oauth.issuer}/register`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ redirect_uris: ["http://127.0.0.1:1/callback"] }),
        });
        const { client_id } = (await registered.json()) as { client_id: string };
        const key = `prot|${createHash("sha256")
          .update(JSON.stringify({ type: "http", url: oauth.url, headers: {} }))
          .digest("hex")
          .slice(0, 16)}`;
        await fs.writeFile(
          path.join(ws.home, ".credentials.json"),
          JSON.stringify({
            [key]: {
              server_name: "prot",
              server_url: oauth.url,
              issuer: oauth.issuer,
              client_id,
              access_token: "expired",
              expires_at: 1000,
              refresh_token: "revoked",
              scopes: [],
            },
          }),
          { mode: 0o600 },
        );

        const editor = AcpClient.start({
          entry: CODEX_ACP_ENTRY as string,
          env: ws.env,
          cwd: ws.cwd,
          elicit: async (params) => {
            await oauth.authorizeInBrowser(String(params.url));
            return { action: "accept" };
          },
        });
        await editor.initialize();
        const { sessionId } = await editor.newSession(ws.cwd, [
          { type: "http", name: "prot", url: oauth.url, headers: [] },
        ]);
        const entry = (method: string, pred: (p: Record<string, unknown>) => boolean) =>
          waitForTeeEntry(
            ws.log,
            (e) => e.msg.method === method && pred((e.msg.params ?? {}) as Record<string, unknown>),
            method,
          );
        const failed = await entry(
          "mcpServer/startupStatus/updated",
          (p) => p.name === "prot" && p.status === "failed",
        );
        expect(failed.msg.params).toMatchObject({
          threadId: sessionId,
          error: "The prot MCP server requires OAuth reauthentication. Run `codex mcp login prot`.",
          failureReason: "reauthenticationRequired",
        });
        const done = await entry("mcpServer/oauthLogin/completed", () => true);
        expect(done.msg.params).toMatchObject({ name: "prot", threadId: sessionId, success: true });
        await entry("mcpServer/startupStatus/updated", (p) => p.name === "prot" && p.status === "ready");
        expect(editor.elicitations).toMatchObject([
          { mode: "url", sessionId, message: "Authenticate with MCP server prot" },
        ]);
        expect(String(editor.elicitations[0]?.url)).toContain(`${oauth.issuer}/authorize?`);

        await editor.setMode(sessionId, "read-only");
        mock.enqueue(callEcho("hello", "call_e1"), responses.turn(responses.message("Echoed.")));
        const turn = await editor.prompt(sessionId, "Echo hello");
        expect(turn.result?.stopReason).toBe("end_turn");
        expect(outputOf(mock.requests, "call_e1")).toContain("echo: hello");
        // The adapter reported no start-up failure for the server it signed in to.
        const startupFailures = editor
          .updates(sessionId)
          .filter((u) => String(u.title ?? "").startsWith("mcp__prot__startup"));
        expect(startupFailures).toEqual([]);
        await editor.stop();
      } finally {
        await mock.close();
        await proxy.close();
        await oauth.close();
        await fs.rm(tmp, { recursive: true, force: true });
      }
    },
  );
});
