import { readFile } from "node:fs/promises";
import path from "node:path";
import { protocol0166 } from "@codex-ts/app-server-protocol";
import {
  CODEX_0166_BIN,
  type Message,
  type RecordedRequest,
  responses,
  rolloutFiles,
  type ScriptedResponse,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type MockServer0166, startMockServer0166, startOnHome0166 } from "./helpers/mock-server-0166.js";

/**
 * Models outside 0.166.0's catalogue (unknown names, and 0.58.0's families) on a 0.166 connection, on this server
 * and (where it is installed) on the native codex 0.166.0 with the same script: the whole request body they get
 * (0.166.0's generic toolset, reasoning, include, parallel tool calls; README, "0.166 differences"), a turn in
 * which such a model runs exec_command and reads its output (cut to 10 000 bytes), an `apply_patch` script run
 * through exec_command, and who the thread names (the client as originator: headers, session_meta, thread/read,
 * thread/list, the initialize answer). 0.58 connections keep 0.58.0's request (body-shape and request-shape tests).
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN)
  console.warn("0.166 generic models: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const CLIENT = { name: "probe_client", version: "1.0" };

const server = (impl: Impl, toml?: string): Promise<MockServer0166> =>
  startMockServer0166(suite, impl, {
    client: CLIENT,
    prefix: "codex-0166-generic-",
    ...(toml ? { toml } : {}),
  });

type Item = Record<string, unknown>;
type Body = Item & { tools?: Item[]; input: Item[] };

const answer = (text: string): ScriptedResponse => ({
  kind: "sse",
  events: [responses.created(), ...responses.message(text), responses.completed()],
});
const execCall = (args: Item, callId: string): ScriptedResponse => ({
  kind: "sse",
  events: [
    responses.created(),
    ...responses.functionCall("exec_command", args, callId),
    responses.completed(),
  ],
});

/** Starts a thread on `model` and runs one turn; resolves with the thread id and the turn's notifications. */
async function turnOn(
  s: MockServer0166,
  model: string,
  sandbox: "workspace-write" | "danger-full-access" = "workspace-write",
): Promise<{ threadId: string; notes: Message[] }> {
  const { thread } = await s.c.request("thread/start", {
    cwd: s.root,
    model,
    approvalPolicy: "never",
    sandbox,
  });
  const from = s.c.messages.length;
  const { turn } = await s.c.request("turn/start", {
    threadId: thread.id,
    input: [{ type: "text", text: "hi" }],
  });
  await s.c.waitFor(
    (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
    "turn/completed",
    60_000,
  );
  const notes = s.c.messages.slice(from).filter((m) => m.method !== undefined && m.id === undefined);
  return { threadId: thread.id, notes };
}

const lastRequest = (s: MockServer0166): RecordedRequest => {
  const r = s.mock.requests.at(-1);
  if (!r) throw new Error("no model request");
  return r;
};

/**
 * A tool as compared across the implementations: function names with their parameter names and required ones,
 * namespaces with their members, web_search whole. Descriptions of built-in tools are each implementation's own
 * words.
 */
function toolShape(tools: Item[] | undefined): unknown {
  if (tools === undefined) return "no tools key";
  return tools.map((t) => {
    if (t.type === "function") {
      const params = t.parameters as { properties: Item; required?: string[] };
      return { fn: t.name, params: Object.keys(params.properties), required: params.required ?? [] };
    }
    if (t.type === "namespace") return { namespace: t.name, tools: (t.tools as Item[]).map((f) => f.name) };
    return t;
  });
}

/**
 * Every field of a request body but the history, the base prompt (0.166.0 sends its own as a developer message,
 * this server its own as `instructions`: README), `client_metadata` (0.166.0's installation and window ids) and
 * `prompt_cache_key` (the thread id).
 */
function requestFields(body: Body): Item {
  const { input: _input, instructions: _i, client_metadata: _c, prompt_cache_key: _p, tools, ...rest } = body;
  return { ...rest, tools: toolShape(tools) };
}

const EXEC_COMMAND = {
  fn: "exec_command",
  params: [
    "cmd",
    "justification",
    "login",
    "max_output_tokens",
    "prefix_rule",
    "sandbox_permissions",
    "shell",
    "tty",
    "workdir",
    "yield_time_ms",
  ],
  required: ["cmd"],
};

/** What 0.166.0 offers a model outside its catalogue on a stored thread without MCP servers. */
const GENERIC_TOOLS = (search: "cached" | "live") => [
  EXEC_COMMAND,
  {
    fn: "write_stdin",
    params: ["chars", "max_output_tokens", "session_id", "yield_time_ms"],
    required: ["session_id"],
  },
  { fn: "request_user_input", params: ["questions"], required: ["questions"] },
  { fn: "view_image", params: ["path"], required: ["path"] },
  {
    namespace: "multi_agent_v1",
    tools: ["close_agent", "resume_agent", "send_input", "spawn_agent", "wait_agent"],
  },
  { fn: "get_goal", params: [], required: [] },
  { fn: "create_goal", params: ["objective", "token_budget"], required: ["objective"] },
  { fn: "update_goal", params: ["status"], required: ["status"] },
  { type: "web_search", external_web_access: search === "live" },
];

const generic = (model: string, reasoning: Item, search: "cached" | "live" = "cached"): Item => ({
  model,
  tools: GENERIC_TOOLS(search),
  tool_choice: "auto",
  parallel_tool_calls: true,
  reasoning,
  store: false,
  stream: true,
  include: ["reasoning.encrypted_content"],
});

describe("the request of a model outside 0.166.0's catalogue, compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: unknown names and 0.58.0's families get 0.166.0's generic request",
    { timeout: 180_000 },
    async (impl) => {
      const s = await server(impl);
      const seen: Record<string, Item> = {};
      const models = ["llama3.1", "my-model", "gpt-5-codex", "o3", "gpt-oss:20b"];
      for (const model of models) {
        s.mock.enqueue(answer("ok"));
        await turnOn(s, model);
        seen[model] = requestFields(lastRequest(s).body as Body);
      }
      expect(seen).toEqual(Object.fromEntries(models.map((m) => [m, generic(m, { summary: "auto" })])));
    },
  );

  it.each(IMPLS)(
    "%s: the configured effort and summary, no verbosity; summary none left out; live search without a sandbox",
    { timeout: 180_000 },
    async (impl) => {
      const seen: Record<string, Item> = {};
      for (const [name, toml, sandbox] of [
        [
          "configured",
          [
            'model_reasoning_effort = "high"',
            'model_reasoning_summary = "detailed"',
            'model_verbosity = "high"',
            "model_supports_reasoning_summaries = false",
          ].join("\n"),
          "workspace-write",
        ],
        ["summary none", 'model_reasoning_summary = "none"', "workspace-write"],
        ["unsandboxed", undefined, "danger-full-access"],
      ] as const) {
        const s = await server(impl, toml);
        s.mock.enqueue(answer("ok"));
        await turnOn(s, "llama3.1", sandbox);
        seen[name] = requestFields(lastRequest(s).body as Body);
        await s.c.close();
      }
      expect(seen).toEqual({
        configured: generic("llama3.1", { effort: "high", summary: "detailed" }),
        "summary none": generic("llama3.1", {}),
        unsandboxed: generic("llama3.1", { summary: "auto" }, "live"),
      });
    },
  );
});

/** The model's copy of a call's output, minus what varies by run (the chunk id, the wall time). */
function modelOutput(s: MockServer0166, callId: string): string {
  const output = (lastRequest(s).body as Body).input.find(
    (i) => i.type === "function_call_output" && i.call_id === callId,
  )?.output;
  return String(output)
    .replace(/^Chunk ID: \w+\n/, "")
    .replace(/^Wall time: \d+\.\d{4} seconds\n/, "Wall time: <t> seconds\n");
}

describe("a generic model's tools at work, compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: exec_command runs and its output reaches the model, cut to 10 000 bytes",
    { timeout: 120_000 },
    async (impl) => {
      const s = await server(impl);
      s.mock.enqueue(
        execCall({ cmd: "echo hello", login: false }, "call_echo"),
        execCall({ cmd: "seq 1 3000", login: false }, "call_seq"),
        execCall({ cmd: "seq 1 3000", login: false, max_output_tokens: 5000 }, "call_more"),
        execCall({ cmd: "seq 1 100", login: false, max_output_tokens: 10 }, "call_less"),
        answer("done"),
      );
      const { notes } = await turnOn(s, "llama3.1", "danger-full-access");
      const [first, second] = s.mock.requests.slice(-4).map((r) => r.body as Body);
      const echoed = first?.input.find((i) => i.call_id === "call_echo" && i.type === "function_call_output");
      expect(
        String(echoed?.output)
          .replace(/^Chunk ID: \w+\n/, "")
          .replace(/^Wall time: \d+\.\d{4}/, "Wall time: <t>"),
      ).toBe("Wall time: <t> seconds\nProcess exited with code 0\nOriginal token count: 2\nOutput:\nhello\n");
      expect(second?.parallel_tool_calls).toBe(true);
      // 13 893 bytes of output: 5 000 bytes of head and tail each around the characters dropped.
      const seq = Array.from({ length: 3000 }, (_, i) => `${i + 1}\n`).join("");
      expect(modelOutput(s, "call_seq")).toBe(
        "Wall time: <t> seconds\nProcess exited with code 0\nOriginal token count: 3474\nOutput:\n" +
          "Warning: truncated output (original token count: 3474)\nTotal output lines: 3000\n\n" +
          `${seq.slice(0, 5000)}…3893 chars truncated…${seq.slice(-5000)}`,
      );
      // A larger max_output_tokens keeps the byte cut; a smaller one asks for a token cut.
      expect(modelOutput(s, "call_more")).toBe(modelOutput(s, "call_seq"));
      expect(modelOutput(s, "call_less")).toBe(
        "Wall time: <t> seconds\nProcess exited with code 0\nOriginal token count: 73\nOutput:\n" +
          "Warning: truncated output (original token count: 73)\nTotal output lines: 100\n\n" +
          "1\n2\n3\n4\n5\n6\n7\n8\n9\n10…63 tokens truncated…\n95\n96\n97\n98\n99\n100\n",
      );
      // The client sees each command as a unified exec command item with its whole output.
      const completed = notes
        .filter((m) => m.method === "item/completed")
        .map((m) => (m.params as { item: Item }).item)
        .filter((i) => i.type === "commandExecution");
      expect(completed.map((i) => [i.id, i.source, i.status, i.exitCode])).toEqual(
        ["call_echo", "call_seq", "call_more", "call_less"].map((id) => [
          id,
          "unifiedExecStartup",
          "completed",
          0,
        ]),
      );
      expect(completed[0]?.aggregatedOutput).toBe("hello\n");
      expect(String(completed[1]?.aggregatedOutput).length).toBe(13_893);
    },
  );

  it.each(IMPLS)(
    "%s: an apply_patch script run through exec_command is applied as a patch",
    { timeout: 120_000 },
    async (impl) => {
      const s = await server(impl);
      const cmd = "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: x.txt\n+hi\n*** End Patch\nEOF\n";
      s.mock.enqueue(execCall({ cmd }, "call_patch"), answer("done"));
      const { notes } = await turnOn(s, "my-model", "danger-full-access");
      expect(await readFile(path.join(s.root, "x.txt"), "utf8")).toBe("hi\n");
      const items = notes
        .filter((m) => m.method === "item/started" || m.method === "item/completed")
        .map((m) => (m.params as { item: Item }).item)
        .filter((i) => i.type !== "userMessage" && i.type !== "agentMessage")
        .map((i) => ({ type: i.type, id: i.id, status: i.status, changes: i.changes }));
      const changes = [{ path: path.join(s.root, "x.txt"), kind: { type: "add" }, diff: "hi\n" }];
      expect(items).toEqual([
        { type: "fileChange", id: "call_patch", status: "inProgress", changes },
        { type: "fileChange", id: "call_patch", status: "completed", changes },
      ]);
      expect(modelOutput(s, "call_patch")).toBe(
        "Wall time: <t> seconds\nOutput:\nExit code: 0\nWall time: 0 seconds\nOutput:\n" +
          "Success. Updated the following files:\nA x.txt\n",
      );
    },
  );
});

describe("who a 0.166 connection's thread names, compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: the client as originator in the headers, session_meta, thread/read, thread/list and initialize",
    { timeout: 120_000 },
    async (impl) => {
      const s = await server(impl);
      s.mock.enqueue(answer("ok"));
      const { threadId } = await turnOn(s, "llama3.1");
      // This server's version stands where 0.166.0 puts its own.
      const version = impl === "ours" ? "0.58.0" : "0.166.0";
      const agent = new RegExp(
        `^probe_client/${version.replaceAll(".", "\\.")} \\(.+\\) .+ \\(probe_client; 1\\.0\\)$`,
      );
      const { headers } = lastRequest(s);
      expect(headers.originator).toBe("probe_client");
      expect(String(headers["user-agent"])).toMatch(agent);
      const init = s.c.messages.find((m) => (m.result as { userAgent?: string } | undefined)?.userAgent)
        ?.result as {
        userAgent: string;
      };
      expect(init.userAgent).toMatch(agent);
      const [rollout] = await rolloutFiles(path.join(s.root, "codex-home"));
      const meta = JSON.parse((await readFile(String(rollout), "utf8")).split("\n")[0] ?? "") as {
        payload: { originator: string };
      };
      expect(meta.payload.originator).toBe("probe_client");
      const read = await s.c.request("thread/read", { threadId });
      expect(read.thread.originator).toBe("probe_client");
      const list = await s.c.request("thread/list", {});
      expect(list.data.map((t) => [t.id, t.originator])).toEqual([[threadId, "probe_client"]]);
    },
  );

  it("ours: a 0.58 connection keeps 0.58.0's originator and request", { timeout: 60_000 }, async () => {
    const mock = await suite.newMock();
    const home = await suite.home({ mock });
    const c = await suite.start({ home });
    mock.enqueue(answer("ok"));
    const { thread } = await c.request("thread/start", { model: "llama3.1" });
    await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "hi" }] });
    await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    const request = mock.requests.at(-1);
    if (!request) throw new Error("no model request");
    expect(request.headers.originator).toBe("codex_cli_rs");
    expect(String(request.headers["user-agent"])).toMatch(/^codex_cli_rs\/0\.58\.0 /);
    expect(toolShape((request.body as Body).tools)).toContainEqual({
      fn: "shell",
      params: ["command", "workdir", "timeout_ms", "with_escalated_permissions", "justification"],
      required: ["command"],
    });
  });
});

describe("a Chat Completions provider on a 0.166 connection", () => {
  it("ours keeps 0.58.0's request there (0.166.0 no longer supports the wire)", {
    timeout: 60_000,
  }, async () => {
    const mock = await suite.newMock();
    const root = await suite.workdir("codex-0166-generic-chat-");
    const home = await suite.home({
      mock,
      modern: true,
      wireApi: "chat",
      dir: path.join(root, "codex-home"),
    });
    const c = await suite.start({ home, cwd: root, protocol: protocol0166, initialize: false });
    await c.initialize(CLIENT, { experimentalApi: true });
    mock.enqueue(answer("ok"));
    const { thread } = await c.request("thread/start", { cwd: root, model: "llama3.1" });
    await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "hi" }] });
    await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    const request = mock.requests.at(-1);
    if (!request) throw new Error("no model request");
    expect(request.path).toBe("/v1/chat/completions");
    const names = ((request.body as { tools: { function: { name: string } }[] }).tools ?? []).map(
      (t) => t.function.name,
    );
    expect(names).toContain("shell");
    expect(names).not.toContain("exec_command");
  });

  it.runIf(CODEX_0166_BIN)("real: codex 0.166.0 refuses the configuration", { timeout: 60_000 }, async () => {
    const mock = await suite.newMock();
    const root = await suite.workdir("codex-0166-generic-chat-");
    const home = await suite.home({
      mock,
      modern: true,
      wireApi: "chat",
      dir: path.join(root, "codex-home"),
    });
    const c = await startOnHome0166(suite, "real", { home, cwd: root, client: CLIENT });
    await expect(c.request("thread/start", { cwd: root, model: "llama3.1" })).rejects.toThrow(
      /`wire_api = "chat"` is no longer supported/,
    );
  });
});
