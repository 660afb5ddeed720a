import fs from "node:fs/promises";
import path from "node:path";
import {
  REFERENCE_CODEX_BIN,
  type ScriptedResponse,
  type SseEvent,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * A Chat Completions provider (`wire_api = "chat"`, as a local Ollama is configured) through the built
 * `codex app-server`: what it sends (messages, tools, headers), what the client sees (v1 events, v2 items) and what
 * the rollout keeps. Each scenario asserts the behaviour on its own and, when the real 0.58.0 binary is installed,
 * runs it there too and requires the same transcript.
 */
const suite = useAppServerSuite();

const reference = REFERENCE_CODEX_BIN;
if (!reference) console.warn("chat wire: the real codex 0.58.0 binary was not found; checking ours alone");

type Item = Record<string, unknown>;
const ENV = { MOCK_CHAT_KEY: "sk-chat-test", TERM: "xterm", TERM_PROGRAM: "", RUST_LOG: "error" };

const chunk = (delta: unknown, finish: string | null = null, extra: Item = {}): SseEvent => ({
  data: { object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }], ...extra },
});
const DONE: SseEvent = { data: "[DONE]" };
const sse = (...events: SseEvent[]): ScriptedResponse => ({ kind: "sse", events });

async function startServer(real: boolean, toml: string, retries?: { request: number; stream: number }) {
  const codexHome = await suite.home({
    model: "gpt-oss:20b",
    toml,
    ...(retries ? { retries } : {}),
    wireApi: "chat",
    provider: ['env_key = "MOCK_CHAT_KEY"'],
    prefix: "codex-chat-",
  });
  return suite.start({ bin: real ? "reference" : "ours", home: codexHome, env: ENV, initialize: false });
}

const V1_KEPT = new Set([
  "item_started",
  "item_completed",
  "agent_message",
  "agent_message_delta",
  "agent_message_content_delta",
  "agent_reasoning",
  "agent_reasoning_delta",
  "agent_reasoning_raw_content",
  "agent_reasoning_raw_content_delta",
  "reasoning_content_delta",
  "exec_command_begin",
  "exec_command_output_delta",
  "exec_command_end",
  "token_count",
  "stream_error",
  "error",
  "task_complete",
]);
// Not `item/agentMessage/delta`: this server adds it (README); 0.58.0 sends none.
const V2_KEPT = new Set(["item/started", "item/completed"]);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * Runs `turns` (each with the responses the mock plays for it) in one new thread and returns a transcript in which
 * run-specific values are replaced: the work dir, durations, and ids (each distinct uuid by its order of
 * appearance, so "same id" and "new id" still show).
 */
async function observe(
  real: boolean,
  turns: { text: string; script: ScriptedResponse[] }[],
  toml = "",
  retries?: { request: number; stream: number },
) {
  const c = await startServer(real, toml, retries);
  await c.initialize();
  const cwd = await suite.workdir("codex-chat-work-");
  const { thread } = await c.request("thread/start", {
    cwd,
    approvalPolicy: "never",
    sandbox: "dangerFullAccess",
  });
  const first = suite.mock.requests.length;
  let n = 0;
  for (const turn of turns) {
    suite.mock.enqueue(...turn.script);
    await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: turn.text }] });
    const done = ++n;
    await c.waitFor(
      () => c.messages.filter((m) => m.method === "codex/event/task_complete").length >= done,
      `task_complete ${done}`,
    );
  }
  // Late notifications of the last turn (v2 items follow their v1 events).
  await new Promise((r) => setTimeout(r, 300));
  await c.close();

  const ids = new Map<string, string>();
  const scrub = (value: unknown): unknown =>
    JSON.parse(
      JSON.stringify(value)
        .replaceAll(cwd, "<cwd>")
        // Plain in events, escaped (\") inside stored / sent output strings.
        .replace(/(\\?)"duration_seconds\1":[\d.]+/g, '$1"duration_seconds$1":$1"<t>$1"')
        .replace(UUID, (id) => {
          if (!ids.has(id)) ids.set(id, `<id${ids.size + 1}>`);
          return ids.get(id) as string;
        }),
    );

  const requests = suite.mock.requests.slice(first).map((r) => {
    const body = r.body as { messages: Item[]; tools: { function: Item }[] } & Item;
    const header = (name: string) => r.headers[name] ?? null;
    return scrub({
      path: r.path,
      headers: Object.fromEntries(
        [
          "authorization",
          "accept",
          "content-type",
          "originator",
          "user-agent",
          "conversation_id",
          "session_id",
        ].map((h) => [h, header(h)]),
      ),
      keys: Object.keys(body),
      model: body.model,
      stream: body.stream,
      // The system prompt is this project's own text (README); the history after it must match.
      messages: body.messages.slice(1),
      shellTool: body.tools.find((t) => t.function.name === "shell")?.function
        ? Object.keys(body.tools.find((t) => t.function.name === "shell")?.function ?? {})
        : null,
      freeformTools: body.tools.filter((t) => (t as Item).type !== "function").length,
    });
  });

  const events: unknown[] = [];
  let turnEnded = false;
  for (const m of c.messages) {
    if (typeof m.method !== "string") continue;
    if (m.method.startsWith("codex/event/")) {
      const msg = (m.params as { msg: Item }).msg;
      if (msg.type === "task_started") turnEnded = false;
      if (msg.type === "task_complete") turnEnded = true;
      if (!V1_KEPT.has(String(msg.type))) continue;
      const item = msg.item as Item | undefined;
      if (item && "UserMessage" in item) continue;
      const copy: Item = { ...msg };
      if (copy.type === "exec_command_end") copy.duration = "<t>";
      events.push(copy);
    } else if (V2_KEPT.has(m.method)) {
      const item = (m.params as { item?: Item }).item;
      if (item && item.type !== "agentMessage" && item.type !== "reasoning") continue;
      // This server completes items still open when a turn ends (README; 0.58.0 does not): left out.
      if (m.method === "item/completed" && turnEnded) continue;
      events.push({ v2: m.method, ...(m.params as Item) });
    }
  }

  const rollout = (await fs.readFile(thread.path, "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; payload: Item })
    .filter(
      (l) => l.type === "response_item" || (l.type === "event_msg" && l.payload.type !== "user_message"),
    )
    .map((l) => ({ [l.type]: l.payload }));

  return { requests, events: scrub(events), rollout: scrub(rollout) };
}

type Transcript = Awaited<ReturnType<typeof observe>>;

async function compareWithReal(
  ours: Transcript,
  turns: Parameters<typeof observe>[1],
  toml = "",
  retries?: { request: number; stream: number },
) {
  if (!reference) return;
  const theirs = await observe(true, turns, toml, retries);
  expect(ours.requests).toEqual(theirs.requests);
  // 0.58.0 runs tools as concurrent tasks, so its command events may come before the response's last items
  // (core README); they are compared on their own.
  const isTool = (e: unknown) => String((e as Item).type).startsWith("exec_command");
  expect((ours.events as unknown[]).filter((e) => !isTool(e))).toEqual(
    (theirs.events as unknown[]).filter((e) => !isTool(e)),
  );
  expect((ours.events as unknown[]).filter(isTool)).toEqual((theirs.events as unknown[]).filter(isTool));
  expect(ours.rollout).toEqual(theirs.rollout);
}

const userTurn = (text: string) => ({ role: "user", content: text });
const v1 = (t: Transcript, type: string) => (t.events as Item[]).filter((e) => e.type === type);

describe("a chat provider (wire_api = chat)", () => {
  it("a reply with reasoning, a streamed shell call and its result, then a second turn", {
    timeout: 120_000,
  }, async () => {
    const turns = () => [
      {
        text: "run echo",
        script: [
          sse(
            chunk({ role: "assistant", content: "" }),
            chunk({ reasoning: "Plan" }),
            chunk({ content: "Let me look." }),
            chunk({
              tool_calls: [
                { index: 0, id: "call_abc", type: "function", function: { name: "shell", arguments: "" } },
              ],
            }),
            chunk({ tool_calls: [{ index: 0, function: { arguments: '{"command":["echo",' } }] }),
            chunk({ tool_calls: [{ index: 0, function: { arguments: '"hi"]}' } }] }),
            chunk({}, "tool_calls"),
            DONE,
          ),
          sse(
            chunk({ reasoning: "Po" }),
            chunk({ reasoning: { text: "st" } }),
            chunk({ reasoning_content: "not read" }),
            chunk({ content: "It printed " }),
            chunk({ content: "hi." }),
            chunk({}, "stop", { usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } }),
            DONE,
          ),
        ],
      },
      // Ends at finish_reason "stop" without [DONE].
      { text: "again", script: [sse(chunk({ content: "Second answer." }), chunk({}, "stop"))] },
    ];
    const ours = await observe(false, turns());

    const [r1, r2, r3] = ours.requests as Item[];
    expect(ours.requests).toHaveLength(3);
    expect(r1).toMatchObject({
      path: "/v1/chat/completions",
      headers: {
        authorization: "Bearer sk-chat-test",
        accept: "text/event-stream",
        "content-type": "application/json",
        originator: "codex_cli_rs",
        conversation_id: null,
        session_id: null,
      },
      keys: ["model", "messages", "stream", "tools"],
      model: "gpt-oss:20b",
      stream: true,
      shellTool: ["parameters", "name", "description", "strict"],
      freeformTools: 0,
    });
    const call = {
      role: "assistant",
      content: null,
      tool_calls: [
        {
          id: "call_abc",
          type: "function",
          function: { name: "shell", arguments: '{"command":["echo","hi"]}' },
        },
      ],
    };
    const result = {
      role: "tool",
      tool_call_id: "call_abc",
      content: '{"output":"hi\\n","metadata":{"exit_code":0,"duration_seconds":"<t>"}}',
    };
    // Within the turn the reasoning rides on the call; the reply text comes after the call (aggregated at the end).
    expect(((r2 as Item).messages as Item[]).slice(-3)).toEqual([
      { ...call, reasoning: "Plan" },
      result,
      { role: "assistant", content: "Let me look.", reasoning: "Plan" },
    ]);
    expect(((r3 as Item).messages as Item[]).slice(-6)).toEqual([
      userTurn("run echo"),
      call,
      result,
      { role: "assistant", content: "Let me look." },
      { role: "assistant", content: "It printed hi." },
      userTurn("again"),
    ]);
    // Nothing streams: no deltas, each reply is announced then delivered whole; reasoning is reported twice.
    expect(v1(ours, "agent_message_delta")).toEqual([]);
    expect(v1(ours, "agent_message").map((e) => e.message)).toEqual([
      "Let me look.",
      "It printed hi.",
      "Second answer.",
    ]);
    expect(v1(ours, "token_count").every((e) => e.info === null)).toBe(true);
    const reasoningItems = (ours.rollout as Item[])
      .map((l) => l.response_item as Item | undefined)
      .filter((i) => i?.type === "reasoning");
    expect(reasoningItems.map((i) => i?.content)).toEqual([
      [{ type: "reasoning_text", text: "Plan" }],
      [{ type: "reasoning_text", text: "Plan" }],
      [
        { type: "reasoning_text", text: "Po" },
        { type: "reasoning_text", text: "st" },
      ],
      [{ type: "reasoning_text", text: "Post" }],
    ]);

    await compareWithReal(ours, turns());
  });

  it("an HTTP 500 and a stream cut before [DONE] end their turns (retries off) and leave no history", {
    timeout: 120_000,
  }, async () => {
    const turns = () => [
      {
        text: "one",
        script: [{ kind: "http", status: 500, body: '{"error":{"message":"boom"}}' } as ScriptedResponse],
      },
      {
        text: "two",
        script: [
          {
            ...sse(chunk({ content: "Partial" }), chunk({ content: " more" }), chunk({}, "stop"), DONE),
            cutAfter: 1,
            delayMs: 100,
          } as ScriptedResponse,
        ],
      },
      { text: "three", script: [sse(chunk({ content: "Recovered." }), chunk({}, "stop"), DONE)] },
    ];
    const ours = await observe(false, turns());
    expect(v1(ours, "error").map((e) => e.message)).toEqual([
      "exceeded retry limit, last status: 500 Internal Server Error",
      "stream disconnected before completion: Transport error: Error while reading the server response: error decoding response body",
    ]);
    const last = (ours.requests as Item[]).at(-1)?.messages as Item[];
    expect(
      last.filter((m) => m.role !== "user" || !String(m.content).startsWith("<environment_context>")),
    ).toEqual([userTurn("one"), userTurn("two"), userTurn("three")]);
    await compareWithReal(ours, turns());
  });

  it("with show_raw_agent_reasoning the reply and the reasoning stream, without aggregated copies", {
    timeout: 120_000,
  }, async () => {
    const TOML = "show_raw_agent_reasoning = true";
    const turns = () => [
      {
        text: "run echo",
        script: [
          sse(
            chunk({ reasoning: "Plan" }),
            chunk({ content: "Let me look." }),
            chunk({
              tool_calls: [
                {
                  index: 0,
                  id: "call_raw",
                  type: "function",
                  function: { name: "shell", arguments: '{"command":["echo","hi"]}' },
                },
              ],
            }),
            chunk({}, "tool_calls"),
          ),
          sse(
            chunk({ reasoning: "Po" }),
            chunk({ reasoning: "st" }),
            chunk({ content: "It printed " }),
            chunk({ content: "hi." }),
            chunk({}, "stop"),
            DONE,
          ),
        ],
      },
    ];
    const ours = await observe(false, turns(), TOML);
    expect(v1(ours, "agent_message_delta").map((e) => e.delta)).toEqual([
      "Let me look.",
      "It printed ",
      "hi.",
    ]);
    expect(v1(ours, "agent_reasoning_raw_content_delta").map((e) => e.delta)).toEqual(["Plan", "Po", "st"]);
    expect(v1(ours, "agent_reasoning_raw_content").map((e) => e.text)).toEqual(["Plan", "Po", "st"]);
    const reasoningItems = (ours.rollout as Item[]).filter(
      (l) => (l.response_item as Item | undefined)?.type === "reasoning",
    );
    expect(reasoningItems).toHaveLength(2);
    await compareWithReal(ours, turns(), TOML);
  });

  it("a resumed rollout holding every item kind is sent as 0.58.0 sends it", {
    timeout: 120_000,
  }, async () => {
    const IMG = "data:image/png;base64,iVBORw0KGgo=";
    const said = (role: string, ...texts: string[]) => ({
      type: "message",
      role,
      content: texts.map((text) => ({ type: role === "assistant" ? "output_text" : "input_text", text })),
    });
    const EXTRA: Item[] = [
      said("developer", "dev words"),
      {
        type: "message",
        role: "user",
        content: [
          { type: "input_text", text: "look " },
          { type: "input_image", image_url: IMG },
        ],
      },
      {
        type: "reasoning",
        summary: [],
        content: [{ type: "reasoning_text", text: "old" }],
        encrypted_content: null,
      },
      said("assistant", "one ", "two"),
      { type: "function_call", name: "shell", arguments: '{"command":["ls"]}', call_id: "c1" },
      { type: "function_call_output", call_id: "c1", output: "plain out" },
      { type: "function_call", name: "view_image", arguments: '{"path":"a.png"}', call_id: "c2" },
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
        input: "*** Begin Patch",
      },
      { type: "custom_tool_call_output", call_id: "c3", output: "patched" },
      {
        type: "local_shell_call",
        call_id: "c4",
        status: "completed",
        action: {
          type: "exec",
          command: ["pwd"],
          timeout_ms: null,
          working_directory: null,
          env: null,
          user: null,
        },
      },
      { type: "function_call", name: "shell", arguments: "{}", call_id: "c5" },
      { type: "function_call_output", call_id: "c9", output: "orphan" },
      { type: "web_search_call", status: "completed", action: { type: "search", query: "q" } },
      said("user", "mid"),
      said("assistant", "one two"),
      said("assistant", "different"),
    ];
    async function resumedMessages(real: boolean): Promise<unknown> {
      let c = await startServer(real, "");
      const cwd = await suite.workdir("codex-chat-work-");
      await c.initialize();
      const { thread } = await c.request("thread/start", {
        cwd,
        approvalPolicy: "never",
        sandbox: "dangerFullAccess",
      });
      suite.mock.enqueue(sse(chunk({ content: "first" }), chunk({}, "stop")));
      await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "hello" }] });
      await c.waitFor((m) => m.method === "codex/event/task_complete", "task_complete");
      await c.close();
      const timestamp = new Date().toISOString();
      await fs.appendFile(
        thread.path,
        EXTRA.map((payload) => `${JSON.stringify({ timestamp, type: "response_item", payload })}\n`).join(""),
      );
      // The server on the same CODEX_HOME resumes the thread from its rollout.
      const home = thread.path.slice(0, thread.path.indexOf(`${path.sep}sessions${path.sep}`));
      c = await suite.start({ bin: real ? "reference" : "ours", home, env: ENV });
      await c.request("thread/resume", { threadId: thread.id });
      const first = suite.mock.requests.length;
      suite.mock.enqueue(sse(chunk({ content: "end" }), chunk({}, "stop")));
      await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "next" }] });
      await c.waitFor((m) => m.method === "codex/event/task_complete", "task_complete");
      await c.close();
      const body = suite.mock.requests[first]?.body as { messages: Item[] };
      return JSON.parse(JSON.stringify(body.messages.slice(1)).replaceAll(cwd, "<cwd>"));
    }
    const ours = (await resumedMessages(false)) as Item[];
    expect(ours.filter((m) => !String(m.content).startsWith("<environment_context>"))).toEqual([
      { role: "user", content: "hello" },
      { role: "assistant", content: "first" },
      { role: "developer", content: "dev words" },
      {
        role: "user",
        content: [
          { type: "text", text: "look " },
          { type: "image_url", image_url: { url: IMG } },
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
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "c2", type: "function", function: { name: "view_image", arguments: '{"path":"a.png"}' } },
        ],
      },
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
        tool_calls: [{ id: null, type: "custom", custom: { name: "apply_patch", input: "*** Begin Patch" } }],
      },
      { role: "tool", tool_call_id: "c3", content: "patched" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "", type: "local_shell_call", status: "completed", action: (EXTRA[10] as Item).action },
        ],
      },
      { role: "tool", tool_call_id: "c4", content: "aborted" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c5", type: "function", function: { name: "shell", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "c5", content: "aborted" },
      { role: "user", content: "mid" },
      { role: "assistant", content: "different" },
      { role: "user", content: "next" },
    ]);
    if (reference) expect(ours).toEqual(await resumedMessages(true));
  });

  it("tool-call arguments that are not JSON are answered with serde_json's error", {
    timeout: 120_000,
  }, async () => {
    const BAD = [
      '{"command":["echo","one"]}{"command":["echo","two"]}',
      '{"command":["echo"',
      '{"command" ["a"]}',
      "{command: 1}",
      '{"command":["a",]}',
      '{"command":["a"] "x":1}',
      '{"command":["a\u0001"]}',
      '{"command":[tru]}',
      '{"command":[01]}',
      '{\n  "command": ["a"],\n  "x": }',
      '{"command":["a\\q"]}',
    ];
    const turns = () => [
      {
        text: "go",
        script: [
          ...BAD.map((args, n) =>
            sse(
              chunk({
                tool_calls: [
                  {
                    index: 0,
                    id: `bad_${n}`,
                    type: "function",
                    function: { name: "shell", arguments: args },
                  },
                ],
              }),
              chunk({}, "tool_calls"),
            ),
          ),
          sse(chunk({ content: "Done." }), chunk({}, "stop")),
        ],
      },
    ];
    const ours = await observe(false, turns());
    const outputs = (ours.rollout as Item[])
      .map((l) => l.response_item as Item | undefined)
      .filter((i) => i?.type === "function_call_output")
      .map((i) => i?.output);
    expect(outputs).toHaveLength(BAD.length);
    expect(outputs[0]).toBe(
      'failed to parse function arguments: Error("trailing characters", line: 1, column: 27)',
    );
    await compareWithReal(ours, turns());
  });

  it("with retries on, a 500 and a cut stream are retried before the reply", {
    timeout: 120_000,
  }, async () => {
    const RETRIES = { request: 1, stream: 1 };
    const turns = () => [
      {
        text: "one",
        script: [
          { kind: "http", status: 500, body: "{}" } as ScriptedResponse,
          {
            ...sse(chunk({ content: "Part" }), chunk({ content: "ial" }), DONE),
            cutAfter: 1,
            delayMs: 100,
          } as ScriptedResponse,
          sse(chunk({ content: "Recovered." }), chunk({}, "stop")),
        ],
      },
    ];
    const ours = await observe(false, turns(), "", RETRIES);
    expect(v1(ours, "agent_message").map((e) => e.message)).toEqual(["Recovered."]);
    // The 500 is re-sent silently within request_max_retries; the cut stream is retried by the turn.
    expect(v1(ours, "stream_error").map((e) => e.message)).toEqual(["Reconnecting... 1/1"]);
    expect(ours.requests).toHaveLength(3);
    await compareWithReal(ours, turns(), "", RETRIES);
  });

  it("any finish reason ends a reply; a call whose response does not finish with tool_calls is not run", {
    timeout: 120_000,
  }, async () => {
    const turns = () => [
      {
        text: "one",
        script: [sse(chunk({ content: "A" }), chunk({}, "length"), chunk({ content: "B" }), DONE)],
      },
      {
        text: "two",
        script: [
          sse(
            chunk({
              tool_calls: [
                {
                  index: 0,
                  id: "call_nf",
                  type: "function",
                  function: { name: "shell", arguments: '{"command":["echo","nf"]}' },
                },
              ],
            }),
            DONE,
          ),
        ],
      },
    ];
    const ours = await observe(false, turns());
    expect(v1(ours, "agent_message").map((e) => e.message)).toEqual(["A"]);
    expect(v1(ours, "exec_command_begin")).toEqual([]);
    expect(ours.requests).toHaveLength(2);
    await compareWithReal(ours, turns());
  });

  it("reasoning right after an assistant message rides on that message", { timeout: 120_000 }, async () => {
    const callChunk = (id: string) =>
      chunk({
        tool_calls: [
          { index: 0, id, type: "function", function: { name: "shell", arguments: '{"command":["true"]}' } },
        ],
      });
    const turns = () => [
      {
        text: "go",
        script: [
          sse(chunk({ content: "M1" }), callChunk("call_1"), chunk({}, "tool_calls")),
          sse(chunk({ reasoning: "R2" }), callChunk("call_2"), chunk({}, "tool_calls")),
          sse(chunk({ content: "Done." }), chunk({}, "stop")),
        ],
      },
    ];
    const ours = await observe(false, turns());
    const last = (ours.requests as Item[])[2]?.messages as Item[];
    // History: …, call_1, its output, M1, R2 (per delta), call_2, its output, R2 (whole): the first R2 follows M1.
    expect(last.filter((m) => "reasoning" in m)).toEqual([
      { role: "assistant", content: "M1", reasoning: "R2" },
    ]);
    await compareWithReal(ours, turns());
  });
});
