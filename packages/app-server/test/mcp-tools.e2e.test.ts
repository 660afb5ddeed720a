import { fileURLToPath } from "node:url";
import { protocol058 } from "@codex-ts/app-server-protocol";
import {
  type Item,
  type Message,
  REFERENCE_CODEX_BIN,
  responses,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * An MCP tool from a real stdio MCP server (core's test fixture) through the built `codex app-server`: the model
 * calls `mcp__calc__add`, v1 listeners get the begin/end events and v2 clients an `mcpToolCall` item.
 */
const MCP_SERVER = fileURLToPath(new URL("../../core/test/fixtures/calc-mcp-server.mjs", import.meta.url));
const ASK_SERVER = fileURLToPath(new URL("../../core/test/fixtures/ask-mcp-server.mjs", import.meta.url));

const suite = useAppServerSuite();
const mcpToml = `[mcp_servers.calc]\ncommand = "node"\nargs = [${JSON.stringify(MCP_SERVER)}]`;
const start = async () =>
  suite.start({ home: await suite.home({ toml: mcpToml, prefix: "codex-e2e-mcp-" }) });

describe("MCP tools through the app server", () => {
  it("v2: an mcp__calc__add call becomes an mcpToolCall item (started, completed) and its output reaches the model", {
    timeout: 90_000,
  }, async () => {
    const cwd = await suite.workdir();
    suite.mock.enqueue(
      responses.turn(responses.functionCall("mcp__calc__add", { a: 20, b: 22 }, "call_mcp_add")),
      responses.turn(responses.message("It is 42.")),
    );
    const c = await start();
    const thread = (await c.request("thread/start", { cwd, approvalPolicy: "never" })).thread;
    await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "add 20 and 22" }] });
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

    const tools = (suite.mock.requests.at(-2)!.body as { tools: { name?: string }[] }).tools.map(
      (t) => t.name,
    );
    expect(tools).toContain("mcp__calc__add");
    const second = suite.mock.requests.at(-1)?.body as { input: Record<string, unknown>[] };
    expect(second.input).toContainEqual({
      type: "function_call_output",
      call_id: "call_mcp_add",
      output: '[{"text":"42","type":"text"}]',
    });
  });

  it("v2: a tool's progress arrives as item/mcpToolCall/progress between the item's started and completed; v1 gets no extra event", {
    timeout: 90_000,
  }, async () => {
    const cwd = await suite.workdir();
    suite.mock.enqueue(
      responses.turn(responses.functionCall("mcp__calc__count", { n: 3 }, "call_mcp_count")),
      responses.turn(responses.message("Counted.")),
    );
    const c = await start();
    const thread = (await c.request("thread/start", { cwd, approvalPolicy: "never" })).thread;
    await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "count to 3" }] });
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

  it.each(REFERENCE_CODEX_BIN ? (["ours", "reference"] as const) : (["ours"] as const))(
    "%s: a server's elicitation during a tool call is declined (the tool hears {action: decline})",
    { timeout: 90_000 },
    async (bin) => {
      const cwd = await suite.workdir();
      suite.mock.enqueue(
        responses.turn(responses.functionCall("mcp__ask__ask", { message: "Your name?" }, "call_mcp_ask")),
        responses.turn(responses.message("declined")),
      );
      const toml = `[mcp_servers.ask]\ncommand = "node"\nargs = [${JSON.stringify(ASK_SERVER)}]`;
      const home = await suite.home({ toml, prefix: "codex-e2e-mcp-" });
      const c = await suite.start({ home, bin });
      const thread = (await c.request("thread/start", { cwd, approvalPolicy: "never" })).thread;
      await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "ask me" }] });
      // 0.58.0's early v2 sends no turn/completed; both send the v1 task_complete to the thread's listener.
      await c.waitFor((m) => m.method === "codex/event/task_complete", "task_complete");
      const output = suite.mock.requests
        .flatMap((r) => (r.body as { input: { call_id?: string; output?: string }[] }).input)
        .find((i) => i.call_id === "call_mcp_ask" && i.output !== undefined)?.output;
      expect(JSON.parse(output ?? "null")).toEqual([{ type: "text", text: '{"action":"decline"}' }]);
      // No server request reaches the client: nobody is asked.
      expect(c.messages.filter((m) => m.method !== undefined && m.id !== undefined)).toEqual([]);
    },
  );
});
