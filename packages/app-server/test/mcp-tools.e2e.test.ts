import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { protocol058 } from "@codex-ts/app-server-protocol";
import { type MockModelServer, responses, startMockModelServer } from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppServerClient, type Message } from "./helpers/client.js";
import { mockCodexHome } from "./helpers/mock-home.js";

/**
 * An MCP tool from a real stdio MCP server (core's test fixture) through the built `codex app-server`: the model
 * calls `mcp__calc__add`, v1 listeners get the begin/end events and v2 clients an `mcpToolCall` item.
 */
const MCP_SERVER = fileURLToPath(new URL("../../core/test/fixtures/calc-mcp-server.mjs", import.meta.url));

let mock: MockModelServer;
const clients: AppServerClient[] = [];

beforeAll(async () => {
  mock = await startMockModelServer([]);
});

afterAll(async () => {
  for (const c of clients) if (c.child.exitCode === null) c.child.kill();
  await mock.close();
});

function home(): Promise<string> {
  const toml = `[mcp_servers.calc]\ncommand = "node"\nargs = [${JSON.stringify(MCP_SERVER)}]`;
  return mockCodexHome(mock.baseUrl, { toml, prefix: "codex-e2e-mcp-" });
}

const result = (m: Message) => m.result as Record<string, unknown>;
type Item = { type: string; id: string } & Record<string, unknown>;

describe("MCP tools through the app server", () => {
  it("v2: an mcp__calc__add call becomes an mcpToolCall item (started, completed) and its output reaches the model", {
    timeout: 90_000,
  }, async () => {
    const cwd = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-work-")));
    mock.enqueue(
      responses.turn(responses.functionCall("mcp__calc__add", { a: 20, b: 22 }, "call_mcp_add")),
      responses.turn(responses.message("It is 42.")),
    );
    const c = await AppServerClient.start({ codexHome: await home() });
    clients.push(c);
    await c.initialize();
    const thread = result(await c.call(1, "thread/start", { cwd, approvalPolicy: "never" })).thread as Item;
    await c.call(2, "turn/start", { threadId: thread.id, input: [{ type: "text", text: "add 20 and 22" }] });
    const completed = await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    expect((completed.params as { turn: { status: string } }).turn.status).toBe("completed");

    const mcpItems = (method: string) =>
      c.messages
        .filter((m) => m.method === method)
        .map((m) => (m.params as { item: Item }).item)
        .filter((i) => i.type === "mcpToolCall");
    expect(mcpItems("item/started")).toEqual([
      {
        type: "mcpToolCall",
        id: "call_mcp_add",
        server: "calc",
        tool: "add",
        status: "inProgress",
        arguments: { a: 20, b: 22 },
        result: null,
        error: null,
      },
    ]);
    expect(mcpItems("item/completed")).toEqual([
      {
        type: "mcpToolCall",
        id: "call_mcp_add",
        server: "calc",
        tool: "add",
        status: "completed",
        arguments: { a: 20, b: 22 },
        result: { content: [{ type: "text", text: "42" }], structuredContent: null },
        error: null,
      },
    ]);
    for (const m of c.messages.filter((x) => x.method === "item/started" || x.method === "item/completed")) {
      const schema = protocol058.notifications[m.method as keyof typeof protocol058.notifications];
      expect(schema.safeParse(m.params).success).toBe(true);
    }
    const at = (method: string) =>
      c.messages.findIndex(
        (m) => m.method === method && (m.params as { item: Item }).item.type === "mcpToolCall",
      );
    expect(at("item/started")).toBeLessThan(at("item/completed"));

    // v1 listeners (auto-attached for thread/start) get the core events.
    const end = await c.waitFor((m) => m.method === "codex/event/mcp_tool_call_end", "mcp_tool_call_end");
    expect((end.params as { msg: Record<string, unknown> }).msg).toMatchObject({
      call_id: "call_mcp_add",
      invocation: { server: "calc", tool: "add", arguments: { a: 20, b: 22 } },
      result: { Ok: { content: [{ type: "text", text: "42" }] } },
    });

    const tools = (mock.requests.at(-2)!.body as { tools: { name?: string }[] }).tools.map((t) => t.name);
    expect(tools).toContain("mcp__calc__add");
    const second = mock.requests.at(-1)?.body as { input: Record<string, unknown>[] };
    expect(second.input).toContainEqual({
      type: "function_call_output",
      call_id: "call_mcp_add",
      output: '[{"text":"42","type":"text"}]',
    });
  });

  it("v2: a tool's progress arrives as item/mcpToolCall/progress between the item's started and completed; v1 gets no extra event", {
    timeout: 90_000,
  }, async () => {
    const cwd = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-work-")));
    mock.enqueue(
      responses.turn(responses.functionCall("mcp__calc__count", { n: 3 }, "call_mcp_count")),
      responses.turn(responses.message("Counted.")),
    );
    const c = await AppServerClient.start({ codexHome: await home() });
    clients.push(c);
    await c.initialize();
    const thread = result(await c.call(1, "thread/start", { cwd, approvalPolicy: "never" })).thread as Item;
    await c.call(2, "turn/start", { threadId: thread.id, input: [{ type: "text", text: "count to 3" }] });
    await c.waitFor((m) => m.method === "turn/completed", "turn/completed");

    const progress = c.messages.filter((m) => m.method === "item/mcpToolCall/progress");
    expect(progress.map((m) => m.params)).toEqual([
      { itemId: "call_mcp_count", message: "counted 1" },
      { itemId: "call_mcp_count", message: "2/3" },
      { itemId: "call_mcp_count", message: "counted 3" },
    ]);
    for (const m of progress)
      expect(protocol058.notifications["item/mcpToolCall/progress"].safeParse(m.params).success).toBe(true);
    const index = (pred: (m: Message) => boolean) => c.messages.findIndex(pred);
    const itemAt = (method: string) =>
      index((m) => m.method === method && (m.params as { item: Item }).item.id === "call_mcp_count");
    const firstProgress = index((m) => m.method === "item/mcpToolCall/progress");
    expect(itemAt("item/started")).toBeLessThan(firstProgress);
    expect(c.messages.lastIndexOf(progress.at(-1)!)).toBeLessThan(itemAt("item/completed"));
    // 0.58.0's v1 event stream has no progress event; v1 listeners still see begin and end.
    expect(c.messages.some((m) => m.method === "codex/event/mcp_tool_call_progress")).toBe(false);
    expect(c.messages.some((m) => m.method === "codex/event/mcp_tool_call_end")).toBe(true);
  });
});
