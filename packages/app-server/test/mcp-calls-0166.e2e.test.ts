import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { protocol0166 } from "@codex-ts/app-server-protocol";
import {
  CODEX_0166_BIN,
  errorOf,
  type McpGate,
  referenceEnv0166,
  responses,
  startMcpGate,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { gatedToml } from "./helpers/mcp-startup-servers.js";
import { type MockServer0166, mcpServersReady, startMockServer0166 } from "./helpers/mock-server-0166.js";

/**
 * A client's own MCP calls (0.166's `mcpServer/tool/call`, `mcpServer/resource/read`, `mcpServer/event/stream/*`),
 * on this server and (where it is installed) on the native codex 0.166.0, with the same real stdio MCP servers:
 * core's `calc` and `shelf` fixtures, one whose command is missing, one disabled, one whose start the test holds
 * (`gated`). Both answer alike: the server's result as it came, 0.166.0's words for what failed, nothing recorded,
 * announced or shown to the model. README (app-server, 0.166 differences) names what differs.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("0.166 MCP calls: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const fixture = (name: string) =>
  fileURLToPath(new URL(`../../core/test/fixtures/${name}-mcp-server.mjs`, import.meta.url));
const NO_THREAD = "0199a213-81c0-7800-8aa1-bbab2a035a53";

async function server(impl: Impl, gate: McpGate): Promise<MockServer0166> {
  const toml = [
    `[mcp_servers.calc]\ncommand = "node"\nargs = [${JSON.stringify(fixture("calc"))}]\ntool_timeout_sec = 1`,
    `[mcp_servers.shelf]\ncommand = "node"\nargs = [${JSON.stringify(fixture("shelf"))}]`,
    '[mcp_servers.missing]\ncommand = "/nonexistent/mcp-server"',
    `[mcp_servers.off]\ncommand = "node"\nargs = [${JSON.stringify(fixture("calc"))}]\nenabled = false`,
    gatedToml(gate),
  ].join("\n");
  return startMockServer0166(suite, impl, {
    client: { name: "mcp-calls-0166", version: "1.0" },
    prefix: "codex-0166-mcp-calls-",
    toml,
  });
}

/** A thread (approvals on request: a direct call asks nothing anyway) whose `calc` and `shelf` servers are up. */
async function thread(s: MockServer0166): Promise<{ id: string; path: string }> {
  const { thread } = await s.c.request("thread/start", {
    cwd: s.root,
    model: "gpt-5.5",
    approvalPolicy: "on-request",
    sandbox: "read-only",
  });
  await mcpServersReady(s.c, thread.id, ["calc", "shelf"]);
  return { id: thread.id, path: thread.path ?? "" };
}

/** The rollout as it is now ("" before the first turn: 0.166.0 writes it lazily). */
const rollout = (path: string) => readFile(path, "utf8").catch(() => "");

/** What a raw request got: its result, or its error's code and message (0.166.0 sends no `data` path). */
async function outcome(s: MockServer0166, method: string, params: unknown): Promise<unknown> {
  const m = await s.c.raw.call(`r${s.c.sent.length}`, method, params);
  const error = m.error as { code: number; message: string } | undefined;
  if (error) return { code: error.code, message: error.message };
  return m.result;
}

describe("a client's direct MCP calls, as codex 0.166.0 answers them", () => {
  it.each(IMPLS)(
    "%s: mcpServer/tool/call answers with the server's result or 0.166.0's errors; nothing is recorded",
    { timeout: 120_000 },
    async (impl) => {
      const gate = await startMcpGate(await suite.workdir("g-"));
      const s = await server(impl, gate);
      const t = await thread(s);
      const before = await rollout(t.path);
      const from = s.c.messages.length;
      const call = (params: Record<string, unknown>) =>
        outcome(s, "mcpServer/tool/call", { threadId: t.id, ...params });

      expect(await call({ server: "calc", tool: "add", arguments: { a: 1, b: 2 } })).toEqual({
        content: [{ type: "text", text: "3" }],
      });
      // The client's `_meta` reaches the server with the thread's id added (0.166.0 also adds a progress token
      // of its own: README).
      const echoed = (await s.c.request("mcpServer/tool/call", {
        threadId: t.id,
        server: "shelf",
        tool: "echo",
        arguments: { text: "hi" },
        _meta: { x: 1 },
      })) as { content: unknown; structuredContent: { text: string; meta: Record<string, unknown> } };
      expect(echoed.content).toEqual([{ type: "text", text: "echo hi" }]);
      const { progressToken: _token, ...meta } = echoed.structuredContent.meta;
      expect(meta).toEqual({ x: 1, threadId: t.id });
      // A tool's own error is a result, and so is what the server's SDK makes of an unknown tool.
      expect(await call({ server: "calc", tool: "fail" })).toEqual({
        content: [{ type: "text", text: "it broke" }],
        isError: true,
      });
      expect(await call({ server: "calc", tool: "nope" })).toEqual({
        content: [{ type: "text", text: "MCP error -32602: Tool nope not found" }],
        isError: true,
      });
      expect(await call({ server: "calc", tool: "add", arguments: [1] })).toEqual({
        code: -32603,
        message: "tool call failed for `calc/add`: MCP tool arguments must be a JSON object, got [1]",
      });
      expect(await call({ server: "calc", tool: "slow" })).toEqual({
        code: -32603,
        message: "tool call failed for `calc/slow`: timed out awaiting tools/call after 1000ms",
      });
      for (const name of ["nope", "off"])
        expect(await call({ server: name, tool: "add" })).toEqual({
          code: -32603,
          message: `unknown MCP server '${name}'`,
        });
      expect(await call({ server: "missing", tool: "add" })).toEqual({
        code: -32603,
        message: "failed to get client: MCP startup failed: No such file or directory (os error 2)",
      });
      expect(
        await outcome(s, "mcpServer/tool/call", { threadId: NO_THREAD, server: "calc", tool: "add" }),
      ).toEqual({ code: -32600, message: `thread not found: ${NO_THREAD}` });
      expect(
        await outcome(s, "mcpServer/tool/call", { threadId: "bad", server: "calc", tool: "add" }),
      ).toEqual({
        code: -32600,
        message: "invalid thread id: invalid length: expected length 32 for simple format, found 3",
      });
      expect(await call({ server: "calc" })).toEqual({
        code: -32600,
        message: "Invalid request: missing field `tool`",
      });

      // A call to a server still starting waits for it (and for it alone: calls to the others are answered).
      await gate.arrived(1);
      const held = s.c.request("mcpServer/tool/call", {
        threadId: t.id,
        server: "gated",
        tool: "echo",
        arguments: { text: "through" },
      });
      expect(await call({ server: "calc", tool: "add", arguments: { a: 2, b: 2 } })).toEqual({
        content: [{ type: "text", text: "4" }],
      });
      gate.open();
      expect(await held).toEqual({ content: [{ type: "text", text: "through" }] });

      // None of it is part of the thread: no item or notification but the gated server's start, nothing in the
      // rollout, nothing in the model's next request.
      expect(
        s.c.messages
          .slice(from)
          .filter((m) => m.method !== undefined)
          .map((m) => `${m.method} ${(m.params as { name?: string }).name ?? ""}`),
      ).toEqual(["mcpServer/startupStatus/updated gated"]);
      expect(await rollout(t.path)).toBe(before);
      s.mock.enqueue(responses.turn(responses.message("ok")));
      await s.c.request("turn/start", { threadId: t.id, input: [{ type: "text", text: "hi" }] });
      await s.c.waitFor((m) => m.method === "turn/completed", "turn/completed");
      const input = JSON.stringify((s.mock.requests.at(-1)?.body as { input?: unknown } | undefined)?.input);
      expect(input).toContain('"hi"');
      expect(input).not.toContain("echo hi");
      expect(input).not.toContain("function_call");
    },
  );

  it.each(IMPLS)(
    "%s: mcpServer/resource/read through the thread or without one; the server's errors as it sent them",
    { timeout: 120_000 },
    async (impl) => {
      const gate = await startMcpGate(await suite.workdir("g-"));
      gate.open();
      const s = await server(impl, gate);
      const t = await thread(s);
      const read = (params: Record<string, unknown>) => outcome(s, "mcpServer/resource/read", params);
      const note = {
        contents: [{ uri: "shelf://note", mimeType: "text/plain", text: "a note" }],
        originCallId: null,
      };
      expect(await read({ threadId: t.id, server: "shelf", uri: "shelf://note" })).toEqual(note);
      // Without a thread, from a connection of its own to the configured server.
      expect(await read({ server: "shelf", uri: "shelf://note" })).toEqual(note);
      expect(await read({ threadId: null, server: "shelf", uri: "shelf://logo" })).toEqual({
        contents: [
          { uri: "shelf://logo", mimeType: "image/png", blob: Buffer.from("png!").toString("base64") },
        ],
        originCallId: null,
      });
      expect(await read({ threadId: t.id, server: "shelf", uri: "shelf://items/x" })).toEqual({
        contents: [{ uri: "shelf://items/x", text: "item x" }],
        originCallId: null,
      });
      // The server's JSON-RPC errors, code and message as it sent them.
      expect(await read({ threadId: t.id, server: "shelf", uri: "shelf://nope" })).toEqual({
        code: -32602,
        message: "MCP error -32602: Resource shelf://nope not found",
      });
      expect(await read({ threadId: t.id, server: "calc", uri: "shelf://note" })).toEqual({
        code: -32601,
        message: "Method not found",
      });
      for (const threadId of [t.id, undefined])
        expect(await read({ threadId, server: "nope", uri: "x://y" })).toEqual({
          code: -32603,
          message: "unknown MCP server 'nope'",
        });
      expect(await read({ threadId: NO_THREAD, server: "shelf", uri: "shelf://note" })).toEqual({
        code: -32600,
        message: `thread not found: ${NO_THREAD}`,
      });
      expect(await read({ threadId: t.id, server: "shelf" })).toEqual({
        code: -32600,
        message: "Invalid request: missing field `uri`",
      });
    },
  );

  it.each(IMPLS)(
    "%s: mcpServer/event/stream/start is refused (hosted apps only), stop answers {}",
    { timeout: 60_000 },
    async (impl) => {
      const gate = await startMcpGate(await suite.workdir("g-"));
      gate.open();
      const s = await server(impl, gate);
      const t = await thread(s);
      const refused = { code: -32600, message: "MCP event subscriptions are only supported for hosted apps" };
      for (const [threadId, server] of [
        [t.id, "calc"],
        [t.id, "nope"],
        [NO_THREAD, "calc"],
      ])
        expect(
          await errorOf(
            s.c.request("mcpServer/event/stream/start", {
              threadId: threadId as string,
              server: server as string,
              name: "events",
              subscriptionId: "sub1",
              arguments: {},
            }),
          ),
        ).toEqual(refused);
      expect(
        await outcome(s, "mcpServer/event/stream/start", {
          threadId: t.id,
          server: "calc",
          name: "events",
          subscriptionId: "sub1",
        }),
      ).toEqual({ code: -32600, message: "Invalid request: missing field `arguments`" });
      expect(await s.c.request("mcpServer/event/stream/stop", { subscriptionId: "sub1" })).toEqual({});
      expect(await s.c.request("mcpServer/event/stream/stop", { subscriptionId: "never" })).toEqual({});
    },
  );

  it.each(IMPLS)(
    "%s: the event stream methods need the experimental API",
    { timeout: 60_000 },
    async (impl) => {
      const home = await suite.home({ modern: true });
      const cwd = await suite.workdir("codex-0166-mcp-calls-");
      const c = await suite.start({
        home,
        protocol: protocol0166,
        cwd,
        initialize: false,
        ...(impl === "real" ? { bin: "0.166" as const, env: referenceEnv0166(home, cwd) } : {}),
      });
      await c.initialize({ name: "mcp-calls-0166", version: "1.0" });
      const start = {
        threadId: NO_THREAD,
        server: "calc",
        name: "events",
        subscriptionId: "s",
        arguments: {},
      };
      expect(await errorOf(c.request("mcpServer/event/stream/start", start))).toEqual({
        code: -32600,
        message: "mcpServer/event/stream/start requires experimentalApi capability",
      });
      expect(await errorOf(c.request("mcpServer/event/stream/stop", { subscriptionId: "s" }))).toEqual({
        code: -32600,
        message: "mcpServer/event/stream/stop requires experimentalApi capability",
      });
    },
  );

  it("ours: invalid params name the field", { timeout: 60_000 }, async () => {
    const gate = await startMcpGate(await suite.workdir("g-"));
    gate.open();
    const s = await server("ours", gate);
    const m = await s.c.raw.call("bad", "mcpServer/tool/call", {
      threadId: NO_THREAD,
      server: 5,
      tool: "add",
    });
    expect(m.error).toEqual({
      code: -32600,
      message: "Invalid request: invalid type: integer `5`, expected a string",
      data: { path: "params.server" },
    });
  });
});
