import { EventMsg } from "@codex-ts/app-server-protocol";
import { type CoreEvent, isCodexWireEvent } from "@codex-ts/core";
import { describe, expect, it } from "vitest";
import { type Notification, shellJoin, toV1Notification, V2EventMapper } from "../src/index.js";

/** Reads a notification's params loosely; the assertions check the shape. */
// biome-ignore lint/suspicious/noExplicitAny: test access to untyped notification params
const p = (n: Notification | undefined): any => n?.params;

/** Fields the mappers do not read, filled in so every test event is a whole 0.58.0 `EventMsg`. */
const FILLER: Record<string, Record<string, unknown>> = {
  item_started: { thread_id: "00000000-0000-4000-8000-000000000000", turn_id: "0" },
  item_completed: { thread_id: "00000000-0000-4000-8000-000000000000", turn_id: "0" },
  agent_message_content_delta: { thread_id: "t", turn_id: "0" },
  exec_command_begin: { cwd: "/", parsed_cmd: [] },
  exec_command_output_delta: { stream: "stdout" },
  exec_command_end: { stdout: "", stderr: "", formatted_output: "", duration: { secs: 0, nanos: 0 } },
  patch_apply_begin: { auto_approved: true },
  patch_apply_end: { stdout: "", stderr: "" },
  mcp_tool_call_end: { duration: { secs: 0, nanos: 0 } },
};

/** A core event from a test literal, checked against 0.58.0's `EventMsg` (the core's extension events pass as is). */
const ev = (literal: Record<string, unknown> & { type: string }, id = "0"): CoreEvent => {
  const parsed = EventMsg.safeParse({ ...FILLER[literal.type], ...literal });
  if (parsed.success) return { id, msg: parsed.data };
  // 0.58.0's schema types `token_count.rate_limits` as the v2 (camelCase) snapshot, but its core, like ours, sends
  // the snake_case one; extension events are not in the union at all.
  if (isCodexWireEvent(literal.type) && literal.type !== "token_count")
    throw new Error(`not an EventMsg: ${JSON.stringify(literal)}`);
  return { id, msg: literal as EventMsg };
};
const usage = (input: number, cached: number, output: number) => ({
  input_tokens: input,
  cached_input_tokens: cached,
  output_tokens: output,
  reasoning_output_tokens: 0,
  total_tokens: input + output,
});

describe("v1 listener notifications", () => {
  it("wrap every core event as codex/event/<type> with the conversation id", () => {
    expect(toV1Notification("c-1", ev({ type: "agent_message", message: "hi" }, "3"))).toEqual({
      method: "codex/event/agent_message",
      params: { id: "3", msg: { type: "agent_message", message: "hi" }, conversationId: "c-1" },
    });
  });
});

describe("V2EventMapper", () => {
  it("maps a whole turn to item, delta and turn notifications in schema order", () => {
    const m = new V2EventMapper();
    m.beginTurn({ id: "0", items: [], status: "inProgress", error: null });
    const events: CoreEvent[] = [
      ev({ type: "task_started", model_context_window: 258400 }),
      ev({
        type: "item_started",
        item: {
          UserMessage: {
            id: "u1",
            content: [
              { type: "text", text: "go" },
              { type: "local_image", path: "/a.png" },
            ],
          },
        },
      }),
      ev({
        type: "item_completed",
        item: { UserMessage: { id: "u1", content: [{ type: "text", text: "go" }] } },
      }),
      ev({ type: "item_started", item: { Reasoning: { id: "rs_1", summary_text: [], raw_content: [] } } }),
      ev({
        type: "item_completed",
        item: { Reasoning: { id: "rs_1", summary_text: ["think", "ing"], raw_content: [] } },
      }),
      ev({
        type: "plan_update",
        explanation: null,
        plan: [
          { step: "a", status: "in_progress" },
          { step: "b", status: "pending" },
        ],
      }),
      ev({
        type: "exec_command_begin",
        call_id: "call_1",
        command: ["bash", "-lc", "echo hi"],
        cwd: "/w",
        parsed_cmd: [],
        is_user_shell_command: false,
      }),
      ev({
        type: "exec_command_output_delta",
        call_id: "call_1",
        stream: "stdout",
        chunk: Buffer.from("hi\n").toString("base64"),
      }),
      ev({
        type: "exec_command_end",
        call_id: "call_1",
        stdout: "hi\n",
        stderr: "",
        aggregated_output: "hi\n",
        exit_code: 0,
        duration: { secs: 1, nanos: 500_000_000 },
        formatted_output: "hi\n",
      }),
      ev({
        type: "patch_apply_begin",
        call_id: "call_2",
        auto_approved: true,
        changes: {
          "/w/a.txt": { add: { content: "x\n" } },
          "/w/b.txt": { update: { unified_diff: "@@ -1 +1 @@", move_path: null } },
        },
      }),
      ev({ type: "patch_apply_end", call_id: "call_2", stdout: "", stderr: "", success: true }),
      ev({
        type: "mcp_tool_call_begin",
        call_id: "call_3",
        invocation: { server: "s", tool: "t", arguments: { q: 1 } },
      }),
      ev({
        type: "mcp_tool_call_end",
        call_id: "call_3",
        invocation: { server: "s", tool: "t", arguments: { q: 1 } },
        duration: { secs: 0, nanos: 1 },
        result: { Ok: { content: [{ type: "text", text: "ok" }] } },
      }),
      ev({ type: "view_image_tool_call", call_id: "call_4", path: "/w/i.png" }),
      ev({ type: "item_started", item: { WebSearch: { id: "ws_1", query: "q" } } }),
      ev({ type: "item_completed", item: { WebSearch: { id: "ws_1", query: "q" } } }),
      ev({ type: "item_started", item: { AgentMessage: { id: "msg_1", content: [] } } }),
      ev({
        type: "agent_message_content_delta",
        thread_id: "t",
        turn_id: "0",
        item_id: "msg_1",
        delta: "Do",
      }),
      ev({
        type: "agent_message_content_delta",
        thread_id: "t",
        turn_id: "0",
        item_id: "msg_1",
        delta: "ne",
      }),
      ev({
        type: "item_completed",
        item: {
          AgentMessage: { id: "msg_1", content: [{ Text: { text: "Do" } }, { Text: { text: "ne" } }] },
        },
      }),
      ev({
        type: "plan_update",
        explanation: null,
        plan: [
          { step: "a", status: "completed" },
          { step: "b", status: "completed" },
        ],
      }),
      ev({
        type: "token_count",
        info: {
          total_token_usage: usage(10, 2, 5),
          last_token_usage: usage(10, 2, 5),
          model_context_window: 1,
        },
        rate_limits: {
          primary: { used_percent: 12.5, window_minutes: 300, resets_at: 1700000000 },
          secondary: null,
        },
      }),
      ev({
        type: "token_count",
        info: {
          total_token_usage: usage(30, 4, 8),
          last_token_usage: usage(20, 2, 3),
          model_context_window: 1,
        },
        rate_limits: null,
      }),
      ev({ type: "task_complete", last_agent_message: "Done" }),
    ];
    const out = events.flatMap((e) => m.map(e));
    expect(out.map((n) => n.method)).toEqual([
      "item/started",
      "item/completed", // user message
      "item/started",
      "item/completed", // reasoning
      "item/started", // todo list
      "item/started",
      "item/commandExecution/outputDelta",
      "item/completed",
      "item/started",
      "item/completed", // file change
      "item/started",
      "item/completed", // mcp
      "item/started",
      "item/completed", // image view
      "item/started",
      "item/completed", // web search
      "item/started",
      "item/agentMessage/delta",
      "item/agentMessage/delta",
      "item/completed",
      "account/rateLimits/updated",
      "item/completed", // todo list, with the last plan
      "turn/completed",
    ]);
    const params = out.map(p);
    expect(params[0]?.item).toEqual({
      type: "userMessage",
      id: "u1",
      content: [
        { type: "text", text: "go" },
        { type: "localImage", path: "/a.png" },
      ],
    });
    // Summary parts one per line (0.58.0).
    expect(params[3]?.item).toEqual({ type: "reasoning", id: "rs_1", text: "think\ning" });
    expect(params[5]?.item).toEqual({
      type: "commandExecution",
      id: "call_1",
      command: "bash -lc 'echo hi'",
      aggregated_output: "",
      exit_code: null,
      status: "inProgress",
      duration_ms: null,
    });
    expect(params[6]).toEqual({ itemId: "call_1", delta: "hi\n" });
    expect(params[7]?.item).toMatchObject({
      aggregated_output: "hi\n",
      exit_code: 0,
      status: "completed",
      duration_ms: 1500,
    });
    expect(params[9]?.item).toEqual({
      type: "fileChange",
      id: "call_2",
      changes: [
        { path: "/w/a.txt", kind: "add", diff: "x\n" },
        { path: "/w/b.txt", kind: "update", diff: "@@ -1 +1 @@" },
      ],
      status: "completed",
    });
    expect(params[11]?.item).toEqual({
      type: "mcpToolCall",
      id: "call_3",
      server: "s",
      tool: "t",
      status: "completed",
      arguments: { q: 1 },
      result: { content: [{ type: "text", text: "ok" }], structuredContent: null },
      error: null,
    });
    expect(params[12]?.item).toEqual({ type: "imageView", id: "call_4", path: "/w/i.png" });
    expect(params[17]).toEqual({ itemId: "msg_1", delta: "Do" });
    expect(params[19]?.item).toEqual({ type: "agentMessage", id: "msg_1", text: "Done" });
    expect(params[20]).toEqual({
      rateLimits: {
        primary: { usedPercent: 13, windowDurationMins: 300, resetsAt: 1700000000 },
        secondary: null,
      },
    });
    expect(params[21]?.item).toEqual({
      type: "todoList",
      id: "0-plan",
      items: [
        { id: "0", text: "a", completed: true },
        { id: "1", text: "b", completed: true },
      ],
    });
    const done = params[22] as {
      turn: { id: string; status: string; error: unknown; items: { id: string }[] };
      usage: unknown;
    };
    expect(done.turn).toMatchObject({ id: "0", status: "completed", error: null });
    expect(done.turn.items.map((i) => i.id)).toEqual([
      "u1",
      "rs_1",
      "call_1",
      "call_2",
      "call_3",
      "call_4",
      "ws_1",
      "msg_1",
      "0-plan",
    ]);
    expect(done.usage).toEqual({ inputTokens: 30, cachedInputTokens: 4, outputTokens: 8 });
  });

  it("reports failed commands, failed MCP calls, errors and interrupts in the turn status", () => {
    const m = new V2EventMapper();
    const started = m.map(ev({ type: "task_started" }, "2"));
    expect(started).toEqual([
      { method: "turn/started", params: { turn: { id: "2", items: [], status: "inProgress", error: null } } },
    ]);
    m.map(ev({ type: "exec_command_begin", call_id: "c", command: ["false"] }, "2"));
    const [end] = m.map(
      ev(
        {
          type: "exec_command_end",
          call_id: "c",
          aggregated_output: "",
          exit_code: 1,
          duration: { secs: 0, nanos: 12_000_000 },
        },
        "2",
      ),
    );
    expect(p(end).item).toMatchObject({
      command: "false",
      status: "failed",
      exit_code: 1,
      duration_ms: 12,
    });
    m.map(ev({ type: "mcp_tool_call_begin", call_id: "m", invocation: { server: "s", tool: "t" } }, "2"));
    const [mcp] = m.map(
      ev(
        {
          type: "mcp_tool_call_end",
          call_id: "m",
          invocation: { server: "s", tool: "t" },
          result: { Err: "boom" },
        },
        "2",
      ),
    );
    expect(p(mcp).item).toMatchObject({
      status: "failed",
      result: null,
      error: { message: "boom" },
      arguments: null,
    });
    m.map(ev({ type: "error", message: "unexpected status 400" }, "2"));
    const [failed] = m.map(ev({ type: "task_complete", last_agent_message: null }, "2"));
    expect(p(failed).turn).toMatchObject({
      status: "failed",
      error: { message: "unexpected status 400" },
    });

    m.map(ev({ type: "task_started" }, "4"));
    const [aborted] = m.map(ev({ type: "turn_aborted", reason: "interrupted" }, "4"));
    expect(aborted).toMatchObject({
      method: "turn/completed",
      params: { turn: { id: "4", status: "interrupted" } },
    });
    // Nothing is reported for a turn that already ended.
    expect(m.map(ev({ type: "task_complete", last_agent_message: null }, "4"))).toEqual([]);
  });

  it("quotes command arguments like a shell would", () => {
    expect(shellJoin(["bash", "-lc", "echo 'a b'", ""])).toBe(`bash -lc 'echo '"'"'a b'"'"'' ''`);
  });
});

describe("v2 items from a Chat provider", () => {
  it("leaves the announced message open once the reply arrives as a new message, as 0.58.0 does", () => {
    const m = new V2EventMapper();
    m.beginTurn({ id: "0", items: [], status: "inProgress", error: null });
    const out = [
      ev({ type: "item_started", item: { AgentMessage: { id: "announced", content: [] } } }),
      ev({
        type: "item_started",
        item: { AgentMessage: { id: "reply", content: [{ Text: { text: "Hi" } }] } },
      }),
      ev({
        type: "item_completed",
        item: { AgentMessage: { id: "reply", content: [{ Text: { text: "Hi" } }] } },
      }),
      ev({ type: "task_complete", last_agent_message: "Hi" }),
    ].flatMap((e) => m.map(e));
    expect(out.filter((n) => n.method === "item/completed").map((n) => p(n).item.id)).toEqual(["reply"]);
    expect(p(out.at(-1)).turn.items.map((i: { id: string }) => i.id)).toEqual(["reply"]);
  });
});
