import type { ModelProviderInfo } from "@codex-ts/config-loader";
import { type MockModelServer, type SseEvent, startMockModelServer } from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chatMessages,
  chatStreamEvents,
  chatTools,
  ModelClient,
  type ModelEvent,
  modelContextWindow,
  type Prompt,
} from "../src/index.js";

/**
 * The Chat Completions wire (`wire_api = "chat"`): history → messages, tools, the stream → events, and the request
 * itself over real HTTP. Expected values are what the real 0.58.0 binary sent / reported for the same input
 * (app-server test chat-wire.e2e.test.ts compares the two live).
 */

type Item = Record<string, unknown>;
const IMG = "data:image/png;base64,iVBORw0KGgo=";
const text = (role: string, t: string): Item => ({
  type: "message",
  role,
  content: [{ type: role === "assistant" ? "output_text" : "input_text", text: t }],
});
const reasoning = (t: string): Item => ({
  type: "reasoning",
  summary: [],
  content: [{ type: "reasoning_text", text: t }],
  encrypted_content: null,
});
const call = (id: string, args: string): Item => ({
  type: "function_call",
  name: "shell",
  arguments: args,
  call_id: id,
});

describe("chatMessages", () => {
  it("converts every history item kind as 0.58.0 does", () => {
    const history: Item[] = [
      { type: "message", role: "developer", content: [{ type: "input_text", text: "dev words" }] },
      {
        type: "message",
        role: "user",
        content: [
          { type: "input_text", text: "look " },
          { type: "input_image", image_url: IMG },
          { type: "input_text", text: "here" },
        ],
      },
      { ...reasoning("old thought"), summary: [{ type: "summary_text", text: "S" }] },
      {
        type: "message",
        role: "assistant",
        content: [
          { type: "output_text", text: "one " },
          { type: "output_text", text: "two" },
        ],
      },
      call("c1", '{"command":["ls"]}'),
      { type: "function_call_output", call_id: "c1", output: "plain out" },
      {
        type: "function_call_output",
        call_id: "c2",
        output: [
          { type: "input_text", text: "img text" },
          { type: "input_image", image_url: IMG },
        ],
      },
      {
        type: "custom_tool_call",
        status: "completed",
        call_id: "c3",
        name: "apply_patch",
        input: "*** Begin Patch\n*** End Patch",
      },
      { type: "custom_tool_call_output", call_id: "c3", output: "patched" },
      {
        type: "local_shell_call",
        call_id: "c4",
        status: "completed",
        action: { type: "exec", command: ["pwd"] },
      },
      { type: "web_search_call", status: "completed", action: { type: "search", query: "q" } },
      text("assistant", "one two"),
      text("user", "mid"),
      text("assistant", "one two"),
      text("assistant", "different"),
      text("user", "next"),
    ];
    expect(chatMessages(history)).toEqual([
      { role: "developer", content: "dev words" },
      {
        role: "user",
        content: [
          { type: "text", text: "look " },
          { type: "image_url", image_url: { url: IMG } },
          { type: "text", text: "here" },
        ],
      },
      { role: "assistant", content: "one two" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "c1", type: "function", function: { name: "shell", arguments: '{"command":["ls"]}' } },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "plain out" },
      {
        role: "tool",
        tool_call_id: "c2",
        content: [
          { type: "text", text: "img text" },
          { type: "image_url", image_url: { url: IMG } },
        ],
      },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: null,
            type: "custom",
            custom: { name: "apply_patch", input: "*** Begin Patch\n*** End Patch" },
          },
        ],
      },
      { role: "tool", tool_call_id: "c3", content: "patched" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "",
            type: "local_shell_call",
            status: "completed",
            action: { type: "exec", command: ["pwd"] },
          },
        ],
      },
      // The same text as the previous assistant message: dropped, even with a user message in between.
      { role: "user", content: "mid" },
      { role: "assistant", content: "different" },
      { role: "user", content: "next" },
    ]);
  });

  it("attaches reasoning after the last user message to its anchor when the history ends with a tool result", () => {
    const turn: Item[] = [
      text("user", "go"),
      reasoning("R1"),
      call("call_z", '{"command":["echo","z"]}'),
      { type: "function_call_output", call_id: "call_z", output: "z" },
      reasoning("R1"),
      text("assistant", "Msg"),
    ];
    const messages = chatMessages(turn);
    expect(messages[1]).toMatchObject({ tool_calls: [{ id: "call_z" }], reasoning: "R1" });
    expect(Object.keys(messages[1] ?? {})).toEqual(["role", "content", "tool_calls", "reasoning"]);
    expect(messages[3]).toEqual({ role: "assistant", content: "Msg", reasoning: "R1" });
    // An assistant message just before the reasoning is preferred over the item after it.
    const before = chatMessages([
      text("user", "go"),
      text("assistant", "A"),
      reasoning("R"),
      call("c", "{}"),
    ]);
    expect(before[1]).toEqual({ role: "assistant", content: "A", reasoning: "R" });
    expect(before[2]).not.toHaveProperty("reasoning");
  });

  it("sends no reasoning when the history ends with a user message, or for turns before the last one", () => {
    const messages = chatMessages([
      text("user", "one"),
      reasoning("Plan"),
      call("call_r", "{}"),
      { type: "function_call_output", call_id: "call_r", output: "r" },
      text("assistant", "Done."),
      text("user", "again"),
    ]);
    expect(messages.some((m) => "reasoning" in m)).toBe(false);
    expect(messages).toHaveLength(5);
  });
});

describe("chatTools", () => {
  it("wraps function tools with 0.58.0's key order and drops the others", () => {
    const tools = chatTools([
      {
        type: "function",
        name: "shell",
        description: "Runs",
        strict: false,
        parameters: { type: "object" },
      },
      { type: "custom", name: "apply_patch", description: "d", format: {} },
      { type: "web_search" },
    ]);
    expect(tools).toEqual([
      {
        type: "function",
        function: { parameters: { type: "object" }, name: "shell", description: "Runs", strict: false },
      },
    ]);
    expect(Object.keys(tools[0]?.function as object)).toEqual([
      "parameters",
      "name",
      "description",
      "strict",
    ]);
  });
});

const chunk = (delta: unknown, finish: string | null = null) => ({
  data: JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] }),
});
const DONE = { data: "[DONE]" };

async function collect(events: { data: string }[], streaming = false): Promise<ModelEvent[]> {
  async function* source() {
    yield* events;
  }
  const out: ModelEvent[] = [];
  for await (const e of chatStreamEvents(source(), { streaming })) out.push(e);
  return out;
}

const message = (t: string) => ({
  type: "message",
  role: "assistant",
  content: [{ type: "output_text", text: t }],
});
const reasoningItem = (parts: string[]) => ({
  type: "reasoning",
  id: "",
  summary: [],
  content: parts.map((t) => ({ type: "reasoning_text", text: t })),
  encrypted_content: null,
});
const COMPLETED = { type: "completed", responseId: "", usage: null };

describe("chatStreamEvents", () => {
  it("announces the reply, streams no deltas, and delivers it whole at the end", async () => {
    expect(
      await collect([
        chunk({ role: "assistant", content: "" }),
        chunk({ content: "Hello" }),
        chunk({ content: " there" }),
        chunk({}, "stop"),
        DONE,
      ]),
    ).toEqual([
      { type: "item_added", item: { type: "message", role: "assistant", content: [] } },
      { type: "item_done", item: message("Hello there") },
      COMPLETED,
    ]);
  });

  it("reads `reasoning` (string, {text}, {content}), ignores `reasoning_content`, and reports reasoning twice", async () => {
    const events = await collect([
      chunk({ reasoning_content: "ignored" }),
      chunk({ reasoning: "R1" }),
      chunk({ reasoning: { text: "R2" } }),
      chunk({ reasoning: { content: "R3" } }),
      chunk({ content: "Answer" }),
      chunk({}, "stop"),
    ]);
    expect(events).toEqual([
      { type: "item_added", item: reasoningItem([]) },
      { type: "item_added", item: { type: "message", role: "assistant", content: [] } },
      { type: "item_done", item: reasoningItem(["R1", "R2", "R3"]) },
      { type: "item_done", item: reasoningItem(["R1R2R3"]) },
      { type: "item_done", item: message("Answer") },
      COMPLETED,
    ]);
  });

  it("merges tool-call deltas into one call, before the reply text, whatever their index", async () => {
    const events = await collect([
      chunk({ content: "Let me look." }),
      chunk({
        tool_calls: [
          { index: 0, id: "call_1", type: "function", function: { name: "shell", arguments: "" } },
        ],
      }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"command":["echo",' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"hi"]}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: "call_2", function: { name: "other", arguments: "{}" } }] }),
      chunk({}, "tool_calls"),
      DONE,
    ]);
    expect(events).toEqual([
      { type: "item_added", item: { type: "message", role: "assistant", content: [] } },
      {
        type: "item_done",
        item: {
          type: "function_call",
          name: "shell",
          arguments: '{"command":["echo","hi"]}{}',
          call_id: "call_1",
        },
      },
      { type: "item_done", item: message("Let me look.") },
      COMPLETED,
    ]);
  });

  it("streams deltas with show_raw_agent_reasoning, and ends with the response's own items only", async () => {
    const events = await collect(
      [
        chunk({ reasoning: "R1" }),
        chunk({ reasoning: "R2" }),
        chunk({ content: "An" }),
        chunk({ content: "swer" }),
        chunk({}, "stop"),
      ],
      true,
    );
    const added = events[3] as unknown as { item: { id: string } };
    expect(added.item.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(events).toEqual([
      { type: "item_added", item: reasoningItem([]) },
      { type: "reasoning_content_delta", delta: "R1", itemId: "" },
      { type: "reasoning_content_delta", delta: "R2", itemId: "" },
      { type: "item_added", item: { type: "message", role: "assistant", content: [], id: added.item.id } },
      { type: "text_delta", delta: "An", itemId: added.item.id },
      { type: "text_delta", delta: "swer", itemId: added.item.id },
      { type: "item_done", item: reasoningItem(["R1", "R2"]) },
      { type: "item_done", item: message("Answer") },
      COMPLETED,
    ]);
  });

  it("ends at any finish reason, and runs a call only when the reason is tool_calls", async () => {
    expect(
      await collect([chunk({ content: "A" }), chunk({}, "length"), chunk({ content: "B" }), DONE]),
    ).toEqual([
      { type: "item_added", item: { type: "message", role: "assistant", content: [] } },
      { type: "item_done", item: message("A") },
      COMPLETED,
    ]);
    const call = chunk({ tool_calls: [{ index: 0, id: "c", function: { name: "shell", arguments: "{}" } }] });
    expect(await collect([call, DONE])).toEqual([COMPLETED]);
    expect(await collect([call])).toEqual([COMPLETED]);
    expect(await collect([call, chunk({}, "stop")])).toEqual([COMPLETED]);
  });

  it("completes at [DONE] or a clean end of the body without a finish reason; skips malformed chunks", async () => {
    expect(await collect([chunk({ content: "Hi" }), { data: "{not json" }])).toEqual([
      { type: "item_added", item: { type: "message", role: "assistant", content: [] } },
      { type: "item_done", item: message("Hi") },
      COMPLETED,
    ]);
    expect(await collect([DONE])).toEqual([COMPLETED]);
  });
});

describe("context window of OSS model names", () => {
  it("knows gpt-oss-20b / gpt-oss-120b by exact name only, as 0.58.0 does", () => {
    expect(modelContextWindow({ model: "gpt-oss-20b" })).toBe(91_200);
    expect(modelContextWindow({ model: "gpt-oss-120b" })).toBe(91_200);
    expect(modelContextWindow({ model: "gpt-oss:20b" })).toBeNull();
    expect(modelContextWindow({ model: "gpt-oss-x" })).toBeNull();
    expect(modelContextWindow({ model: "constructor" })).toBeNull();
  });
});

describe("ModelClient on a chat provider", () => {
  let mock: MockModelServer;
  beforeAll(async () => {
    mock = await startMockModelServer();
  });
  afterAll(async () => {
    await mock.close();
  });

  const provider = (): ModelProviderInfo => ({
    name: "Mock",
    baseUrl: mock.baseUrl,
    envKey: "MOCK_CHAT_KEY",
    wireApi: "chat",
    queryParams: {},
    httpHeaders: {},
    envHttpHeaders: {},
    requestMaxRetries: 0,
    streamMaxRetries: 0,
    streamIdleTimeoutMs: 300_000,
    requiresOpenaiAuth: false,
  });
  const client = () =>
    new ModelClient({
      provider: provider(),
      env: { MOCK_CHAT_KEY: "sk-chat" },
      originator: "codex_cli_rs",
      userAgent: () => "codex_cli_rs/0.58.0 (test)",
    });
  const prompt: Prompt = {
    model: "gpt-oss:20b",
    instructions: "SYSTEM",
    input: [text("user", "hi")],
    tools: [],
    conversationId: "conv-1",
  };
  async function run(): Promise<ModelEvent[]> {
    const out: ModelEvent[] = [];
    for await (const e of client().stream(prompt, new AbortController().signal)) out.push(e);
    return out;
  }
  const sse = (events: SseEvent[], extra: { cutAfter?: number; delayMs?: number } = {}) => ({
    kind: "sse" as const,
    events,
    ...extra,
  });

  it("posts {model, messages, stream, tools} to /chat/completions with the env key and no conversation headers", async () => {
    mock.enqueue(sse([{ data: { choices: [{ index: 0, delta: { content: "ok" } }] } }, { data: "[DONE]" }]));
    const events = await run();
    expect(events.at(-2)).toEqual({ type: "item_done", item: message("ok") });
    const req = mock.requests.at(-1)!;
    expect(req.path).toBe("/v1/chat/completions");
    expect(req.body).toEqual({
      model: "gpt-oss:20b",
      messages: [
        { role: "system", content: "SYSTEM" },
        { role: "user", content: "hi" },
      ],
      stream: true,
      tools: [],
    });
    expect(req.headers.authorization).toBe("Bearer sk-chat");
    expect(req.headers.conversation_id).toBeUndefined();
    expect(req.headers.session_id).toBeUndefined();
    expect(req.headers.originator).toBe("codex_cli_rs");
  });

  it("refuses an output schema without sending a request", async () => {
    const before = mock.requests.length;
    const out: ModelEvent[] = [];
    const run = async () => {
      for await (const e of client().stream(
        { ...prompt, textFormat: { type: "json_schema" } },
        new AbortController().signal,
      ))
        out.push(e);
    };
    await expect(run()).rejects.toThrow(
      "unsupported operation: output_schema is not supported for Chat Completions API",
    );
    expect(mock.requests.length).toBe(before);
  });

  it("reports a 500 by its status once retries are used up, and a cut body as a transport error", async () => {
    mock.enqueue({ kind: "http", status: 500, body: "{}" });
    await expect(run()).rejects.toThrow("exceeded retry limit, last status: 500 Internal Server Error");
    mock.enqueue(
      sse([{ data: { choices: [{ index: 0, delta: { content: "Partial" } }] } }, { data: "[DONE]" }], {
        cutAfter: 1,
        delayMs: 100,
      }),
    );
    await expect(run()).rejects.toThrow(
      "stream disconnected before completion: Transport error: Error while reading the server response: error decoding response body",
    );
  });
});
