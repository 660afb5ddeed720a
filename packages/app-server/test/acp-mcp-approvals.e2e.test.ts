import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
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
  startMockModelServer,
  tempDir,
  waitForTeeEntry,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { acpWorkspace } from "./helpers/acp-flows.js";

/**
 * MCP tool-call approvals and an MCP server's elicitation as the editor sees them through the real
 * `@agentclientprotocol/codex-acp` 2.6.0, with this server (and, where it is installed, codex 0.166.0) as its Codex.
 * The adapter turns the approval form (`mcpServer/elicitation/request` with `codex_approval_kind: mcp_tool_call`)
 * into `session/request_permission` with Allow / Allow for this session / Always allow / Cancel, and cancels a
 * server's form elicitation for an editor that declares no elicitation support.
 */
if (!CODEX_ACP_ENTRY)
  console.warn("skipping the codex-acp MCP approval test: codex-acp 2.6.0 is not installed");
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
const HINTS = fileURLToPath(new URL("../../core/test/fixtures/hints-mcp-server.mjs", import.meta.url));

/** The adapter's own title request (made while the first prompt runs), answered apart from the script. */
const TITLE: MockRoute = {
  name: "title",
  match: (b) =>
    (b as { model?: string } | null)?.model === "gpt-5.6-luna" ||
    requestText(b).includes("generate a very short title"),
  answer: () => responses.turn(responses.message(JSON.stringify({ title: "Run the tools" }))),
};

/** The model's call of hints tool `tool`, in the form the request offers (0.166.0's namespace, or flat). */
function callOf(tool: string, args: Record<string, unknown>, callId: string) {
  return (body: unknown) => {
    const [event] = responses.functionCall(`mcp__hints__${tool}`, args, callId);
    if (offeredTools(body).includes("mcp__hints")) {
      const item = (event!.data as { item: Record<string, unknown> }).item;
      item.name = tool;
      item.namespace = "mcp__hints";
    }
    return responses.turn([event!]);
  };
}

/** The text the model got back for call `callId` (0.166.0 sends content items, this server JSON text). */
function outputOf(requests: RecordedRequest[], callId: string): string {
  for (const r of requests)
    for (const i of (r.body as { input?: { call_id?: string; output?: unknown; type: string }[] }).input ??
      [])
      if (i.type === "function_call_output" && i.call_id === callId) return JSON.stringify(i.output);
  return "";
}

describe.skipIf(!CODEX_ACP_ENTRY)("codex-acp 2.6.0: MCP tool-call approvals", () => {
  it.each(IMPLS)(
    "%s: the editor is asked with session/request_permission; 'for this session' is not asked again",
    { timeout: 180_000 },
    async (impl) => {
      const tmp = await fs.realpath(await tempDir("codex-acp-mcp-"));
      const mock = await startMockModelServer([], { routes: [TITLE] });
      const proxy = await startBlockingProxy();
      try {
        const ws = await acpWorkspace(tmp, {
          baseUrl: mock.baseUrl,
          command: impl === "ours" ? [process.execPath, CLI_MAIN] : [CODEX_0166_BIN as string],
          proxyEnv: proxy.env,
        });
        // A model outside 0.166.0's catalogue, which offers the MCP tools at once (gpt-5.5 defers them to a search).
        const configPath = path.join(ws.home, "config.toml");
        const config = (await fs.readFile(configPath, "utf8")).replace(
          'model = "gpt-5.5"',
          'model = "mock-model"',
        );
        await fs.writeFile(
          configPath,
          `${config}\n[mcp_servers.hints]\ncommand = "node"\nargs = [${JSON.stringify(HINTS)}]\n`,
        );
        const editor = AcpClient.start({
          entry: CODEX_ACP_ENTRY as string,
          env: ws.env,
          cwd: ws.cwd,
          choosePermission: (options) =>
            options.find((o) => o.name === "Allow for this session")?.optionId ?? null,
        });
        await editor.initialize();
        const { sessionId } = await editor.newSession(ws.cwd);
        // The thread's MCP servers start after it is answered (both implementations): wait for hints to be up.
        await waitForTeeEntry(
          ws.log,
          (e) =>
            e.msg.method === "mcpServer/startupStatus/updated" &&
            (e.msg.params as { name?: string; status?: string }).name === "hints" &&
            (e.msg.params as { status?: string }).status === "ready",
          "hints ready",
        );
        // Read-only: approvals are the user's (the default mode has a reviewer model decide).
        await editor.setMode(sessionId, "read-only");

        mock.enqueue(
          callOf("destructive", { note: "hi" }, "call_d1"),
          responses.turn(responses.message("Ran it.")),
        );
        const first = await editor.prompt(sessionId, "Run the destructive tool");
        expect(first.result?.stopReason).toBe("end_turn");
        expect(editor.permissions.map((p) => p.params.options.map((o) => [o.name, o.kind]))).toEqual([
          [
            ["Allow", "allow_once"],
            ["Allow for this session", "allow_always"],
            ["Always allow", "allow_always"],
            ["Cancel", "reject_once"],
          ],
        ]);
        expect(outputOf(mock.requests, "call_d1")).toContain("destructive ran");

        mock.enqueue(
          callOf("destructive", { note: "again" }, "call_d2"),
          responses.turn(responses.message("Ran it again.")),
        );
        await editor.prompt(sessionId, "Once more");
        expect(editor.permissions).toHaveLength(1);
        expect(outputOf(mock.requests, "call_d2")).toContain("destructive ran");

        // The server's own form elicitation: this editor declares no elicitation support, so the adapter cancels it.
        mock.enqueue(
          callOf("ask", { message: "Your name?" }, "call_ask"),
          responses.turn(responses.message("Asked.")),
        );
        await editor.prompt(sessionId, "Ask me my name");
        expect(outputOf(mock.requests, "call_ask")).toMatch(/action\W+cancel/);
        await editor.stop();
      } finally {
        await mock.close();
        await proxy.close();
        await fs.rm(tmp, { recursive: true, force: true });
      }
    },
  );
});
