import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Config } from "@codex-ts/config-loader";
import { responses } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type InputItem, McpConnectionManager, qualifiedToolName, SessionsStore } from "../src/index.js";
import { mockConfig, useConversationFixtures } from "./helpers/mock-conversations.js";
import { watchEvents } from "./helpers/watch-events.js";

const SERVER = fileURLToPath(new URL("./fixtures/calc-mcp-server.mjs", import.meta.url));

const fx = useConversationFixtures("codex-mcp");

function config(...overrides: string[]): Promise<Config> {
  const calc = ['mcp_servers.calc.command="node"', `mcp_servers.calc.args=[${JSON.stringify(SERVER)}]`];
  return mockConfig({
    home: fx.home,
    baseUrl: fx.mock.baseUrl,
    cwd: fx.work,
    overrides: [...calc, ...overrides],
  });
}

const text = (t: string): InputItem[] => [{ type: "text", data: { text: t } }];
type Item = { type: string; call_id?: string; output?: string; name?: string };

/** Resolves once `pid` no longer exists (the test's timeout bounds the wait). */
async function gone(pid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("MCP tools in conversations (real stdio MCP server)", () => {
  it("offers mcp__calc__add, runs it with begin/end events, feeds the output back, records it, closes the server", async () => {
    const pidFile = join(fx.work, "calc.pid");
    fx.mock.enqueue(
      responses.turn(responses.functionCall("mcp__calc__add", { a: 2, b: 3 }, "call_add")),
      responses.turn(responses.message("2 + 3 = 5")),
    );
    const { conversation, rolloutPath } = await fx.manager.newConversation(
      await config(`mcp_servers.calc.env.CALC_PID_FILE=${JSON.stringify(pidFile)}`),
    );
    const w = watchEvents(conversation);
    await conversation.submit({ type: "user_input", items: text("add 2 and 3") });
    const done = await w.until("task_complete");
    expect(done.msg).toMatchObject({ last_agent_message: "2 + 3 = 5" });

    const first = fx.mock.requests[0]!.body as {
      tools: { name?: string; parameters?: Record<string, unknown> }[];
    };
    const names = first.tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(["shell", "mcp__calc__add", "mcp__calc__fail", "mcp__calc__slow"]),
    );
    // MCP tools follow the built-in ones, sorted by name.
    expect(names.slice(-4)).toEqual([
      "mcp__calc__add",
      "mcp__calc__count",
      "mcp__calc__fail",
      "mcp__calc__slow",
    ]);
    const add = first.tools.find((t) => t.name === "mcp__calc__add")!;
    expect(add).toMatchObject({ type: "function", description: "Adds two numbers.", strict: false });
    expect(add.parameters).toMatchObject({
      type: "object",
      properties: { a: { type: "number" }, b: { type: "number" } },
      required: ["a", "b"],
    });
    // A tool without an input schema still gets `properties`, as OpenAI models require.
    expect(first.tools.find((t) => t.name === "mcp__calc__fail")!.parameters).toMatchObject({
      type: "object",
      properties: {},
    });

    const invocation = { server: "calc", tool: "add", arguments: { a: 2, b: 3 } };
    const begin = await w.until("mcp_tool_call_begin");
    expect(begin.msg).toEqual({ type: "mcp_tool_call_begin", call_id: "call_add", invocation });
    const end = (await w.until("mcp_tool_call_end")).msg as unknown as Record<string, unknown>;
    expect(end).toMatchObject({
      type: "mcp_tool_call_end",
      call_id: "call_add",
      invocation,
      result: { Ok: { content: [{ type: "text", text: "5" }] } },
    });
    const duration = end.duration as { secs: number; nanos: number };
    expect(Number.isInteger(duration.secs) && Number.isInteger(duration.nanos)).toBe(true);
    const types = w.events.map((e) => e.msg.type);
    expect(types.indexOf("mcp_tool_call_begin")).toBeLessThan(types.indexOf("mcp_tool_call_end"));

    const expectedOutput = {
      type: "function_call_output",
      call_id: "call_add",
      output: '[{"text":"5","type":"text"}]',
    };
    const second = fx.mock.requests[1]!.body as { input: Item[] };
    expect(second.input).toContainEqual(expectedOutput);

    const pid = Number(await readFile(pidFile, "utf8"));
    expect(pid).toBeGreaterThan(0);
    await fx.manager.shutdownAll();
    await gone(pid);

    const loaded = await new SessionsStore(fx.home).loadHistory(rolloutPath);
    const items = loaded.items.filter((i) => i.type === "response_item").map((i) => i.payload as Item);
    expect(items).toContainEqual(expect.objectContaining({ type: "function_call", name: "mcp__calc__add" }));
    expect(items).toContainEqual(expectedOutput);
  });

  it("passes a tool's progress notifications on as events, without recording them", async () => {
    fx.mock.enqueue(
      responses.turn(responses.functionCall("mcp__calc__count", { n: 3 }, "call_count")),
      responses.turn(responses.message("done")),
    );
    const { conversation, rolloutPath } = await fx.manager.newConversation(await config());
    const w = watchEvents(conversation);
    await conversation.submit({ type: "user_input", items: text("count to 3") });
    await w.until("task_complete");
    // An extension event: outside 0.58.0's EventMsg union, so its type is compared as a plain string.
    const types: string[] = w.events.map((e) => e.msg.type);
    const progress = w.events
      .filter((e) => types[w.events.indexOf(e)] === "mcp_tool_call_progress")
      .map((e) => e.msg);
    // The server's message where it sent one, else progress/total.
    expect(progress).toEqual([
      { type: "mcp_tool_call_progress", call_id: "call_count", message: "counted 1" },
      { type: "mcp_tool_call_progress", call_id: "call_count", message: "2/3" },
      { type: "mcp_tool_call_progress", call_id: "call_count", message: "counted 3" },
    ]);
    expect(types.indexOf("mcp_tool_call_begin")).toBeLessThan(types.indexOf("mcp_tool_call_progress"));
    expect(types.lastIndexOf("mcp_tool_call_progress")).toBeLessThan(types.indexOf("mcp_tool_call_end"));
    await fx.manager.shutdownAll();
    const rollout = await readFile(rolloutPath, "utf8");
    expect(rollout).toContain("mcp__calc__count");
    expect(rollout).not.toContain("mcp_tool_call_progress");
  });

  it("reports tool errors and timeouts to the model; a server that fails to start is an error event, not a failure", async () => {
    fx.mock.enqueue(
      responses.turn(responses.functionCall("mcp__calc__fail", {}, "call_fail")),
      responses.turn(responses.functionCall("mcp__calc__slow", {}, "call_slow")),
      responses.turn(responses.message("tried")),
    );
    const { conversation } = await fx.manager.newConversation(
      await config(
        "mcp_servers.calc.tool_timeout_sec=1",
        'mcp_servers.broken.command="/nonexistent/codex-mcp-server-binary"',
        'mcp_servers.off.command="/nonexistent/disabled-server"',
        "mcp_servers.off.enabled=false",
      ),
    );
    const w = watchEvents(conversation);
    const startupError = await w.until("error");
    expect(startupError.id).toBe("");
    expect(String((startupError.msg as { message: string }).message)).toMatch(
      /^MCP client for `broken` failed to start: /,
    );
    expect(w.events.filter((e) => e.msg.type === "error")).toHaveLength(1);

    await conversation.submit({ type: "user_input", items: text("try the tools") });
    await w.until("task_complete");
    const ends = w.events
      .filter((e) => e.msg.type === "mcp_tool_call_end")
      .map((e) => e.msg as unknown as { call_id: string; result: Record<string, unknown> });
    expect(ends[0]).toMatchObject({
      call_id: "call_fail",
      result: { Ok: { content: [{ type: "text", text: "it broke" }], isError: true } },
    });
    expect(ends[1]!.call_id).toBe("call_slow");
    const err = String(ends[1]!.result.Err);
    expect(err).toMatch(/^tool call error: .*timed out/i);

    const outputs = (fx.mock.requests[2]!.body as { input: Item[] }).input.filter(
      (i) => i.type === "function_call_output",
    );
    expect(outputs).toEqual([
      { type: "function_call_output", call_id: "call_fail", output: '[{"text":"it broke","type":"text"}]' },
      { type: "function_call_output", call_id: "call_slow", output: `err: ${JSON.stringify(err)}` },
    ]);
    const tools = (fx.mock.requests[0]!.body as { tools: { name?: string }[] }).tools.map((t) => t.name);
    expect(tools.some((n) => n?.startsWith("mcp__off__") || n?.startsWith("mcp__broken__"))).toBe(false);
  });

  it("applies enabled_tools / disabled_tools and the startup timeout", async () => {
    const cfg = await config(
      'mcp_servers.calc.enabled_tools=["add", "fail"]',
      'mcp_servers.calc.disabled_tools=["fail"]',
      'mcp_servers.hang.command="node"',
      'mcp_servers.hang.args=["-e", "setInterval(() => {}, 1000)"]',
      "mcp_servers.hang.startup_timeout_sec=0.5",
    );
    const mcp = await McpConnectionManager.start(cfg.mcpServers);
    try {
      expect(mcp.tools().map((t) => t.qualifiedName)).toEqual(["mcp__calc__add"]);
      expect(mcp.resolve("mcp__calc__add")).toEqual({ server: "calc", tool: "add" });
      expect(mcp.resolve("mcp__calc__fail")).toBeUndefined();
      expect(mcp.failures).toEqual([
        {
          server: "hang",
          // 0.58.0's words: the whole seconds of the timeout, and the setting to raise.
          message:
            "MCP client for `hang` timed out after 0 seconds. Add or adjust `startup_timeout_sec` in your config.toml:\n[mcp_servers.hang]\nstartup_timeout_sec = XX",
          reason: expect.stringMatching(/^timed out handshaking with MCP server after [\d.]+ms$/),
        },
      ]);
      expect(await mcp.callTool("calc", "add", { a: 40, b: 2 })).toMatchObject({
        content: [{ type: "text", text: "42" }],
      });
    } finally {
      await mcp.close();
    }
  });
});

describe("qualifiedToolName", () => {
  it("sanitizes and caps names at 64 characters with a SHA-1 suffix", () => {
    expect(qualifiedToolName("calc", "add")).toBe("mcp__calc__add");
    expect(qualifiedToolName("my-server", "tool.with.dots")).toBe("mcp__my-server__tool_with_dots");
    const long = qualifiedToolName("server", "t".repeat(80));
    expect(long).toHaveLength(64);
    expect(long.slice(0, 24)).toBe("mcp__server__".padEnd(24, "t"));
    expect(long).toMatch(/[0-9a-f]{40}$/);
    expect(qualifiedToolName("server", `${"t".repeat(80)}x`)).not.toBe(long);
  });
});
