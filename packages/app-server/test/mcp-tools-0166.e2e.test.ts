import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { protocol0166 } from "@codex-ts/app-server-protocol";
import {
  CODEX_0166_BIN,
  type Message,
  type MockModelServer,
  responses,
  rolloutFiles,
  type ScriptedResponse,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import {
  type MockServer0166,
  mcpServersReady,
  startMockServer0166,
  startOnHome0166,
} from "./helpers/mock-server-0166.js";

/**
 * How a thread's MCP tools reach the model on a 0.166 connection, on this server and (where it is installed) on
 * the native codex 0.166.0 with the same script and the same two real stdio MCP servers (core's `calc` and
 * `notes` fixtures): the tools each model is offered (`tool_search` for gpt-5.5, nothing for the code-mode
 * catalogue models, one namespace per server in the request for models outside the catalogue), a turn in which the model searches, calls the
 * tools it found through their `mcp__<server>` namespace (the server really runs them: the second call sees what
 * the first stored) and what the follow-up requests carry, the `mcpToolCall` items clients see, and the rollout
 * records each side writes and the other resumes. README (app-server, 0.166 differences) names what differs.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("0.166 MCP tools: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const fixture = (name: string) =>
  fileURLToPath(new URL(`../../core/test/fixtures/${name}-mcp-server.mjs`, import.meta.url));
const MCP_TOML = ["calc", "notes"]
  .map((name) => `[mcp_servers.${name}]\ncommand = "node"\nargs = [${JSON.stringify(fixture(name))}]\n`)
  .join("\n");

const server = (impl: Impl): Promise<MockServer0166> =>
  startMockServer0166(suite, impl, {
    client: { name: "mcp-tools-0166", version: "1.0" },
    prefix: "codex-0166-mcp-tools-",
    toml: MCP_TOML,
  });

type Item = Record<string, unknown>;
type Body = { tools?: Item[]; input: Item[] };

/** One model response holding `items` (each announced and done), then `response.completed`. */
const respond = (...items: Item[]): ScriptedResponse => ({
  kind: "sse",
  events: [
    responses.created(),
    ...items.flatMap((item) => [
      { event: "response.output_item.added", data: { type: "response.output_item.added", item } },
      { event: "response.output_item.done", data: { type: "response.output_item.done", item } },
    ]),
    responses.completed(),
  ],
});
const answer = (text: string) =>
  respond({
    type: "message",
    role: "assistant",
    id: `msg_${text}`,
    content: [{ type: "output_text", text }],
  });
const toolSearch = (id: string, args: Item): Item => ({
  type: "tool_search_call",
  id: `tsc_${id}`,
  call_id: `call_${id}`,
  status: "completed",
  execution: "client",
  arguments: args,
});
const namespaced = (id: string, namespace: string, name: string, args: Item): Item => ({
  type: "function_call",
  id: `fc_${id}`,
  name,
  namespace,
  arguments: JSON.stringify(args),
  call_id: `call_${id}`,
});

/** A new thread whose MCP servers are up (both implementations start them after `thread/start` answers). */
async function thread(s: MockServer0166, model: string): Promise<string> {
  const { thread } = await s.c.request("thread/start", {
    cwd: s.root,
    model,
    approvalPolicy: "never",
    sandbox: "danger-full-access",
  });
  await mcpServersReady(s.c, thread.id, ["calc", "notes"]);
  return thread.id;
}

/** Runs one turn and resolves with its notifications. */
async function turn(s: MockServer0166, threadId: string, text: string): Promise<Message[]> {
  const from = s.c.messages.length;
  const { turn } = await s.c.request("turn/start", { threadId, input: [{ type: "text", text }] });
  await s.c.waitFor(
    (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
    "turn/completed",
    60_000,
  );
  return s.c.messages.slice(from).filter((m) => m.method !== undefined && m.id === undefined);
}

const bodies = (mock: MockModelServer): Body[] => mock.requests.map((r) => r.body as Body);

/**
 * A request's tools, comparable across the two implementations: function names with their parameter names,
 * namespaces with their members, tool_search with its sources (the description's `- name: about` lines but
 * 0.166.0's multi-agent tools, which this server does not have) and its parameters' shape. Descriptions of
 * built-in tools are each implementation's own words.
 */
function toolShape(tools: Item[] | undefined): unknown {
  if (tools === undefined) return "no tools key";
  return tools.map((t) => {
    if (t.type === "function")
      return `${t.name}(${Object.keys((t.parameters as { properties: Item }).properties).join(",")})`;
    if (t.type === "namespace")
      return { namespace: t.name, description: t.description, tools: (t.tools as Item[]).map((f) => f.name) };
    if (t.type === "tool_search") {
      const params = t.parameters as { properties: Record<string, Item>; required: string[] };
      return {
        tool_search: t.execution,
        sources: String(t.description)
          .split("\n")
          .filter((line) => line.startsWith("- ") && !line.startsWith("- Multi-agent tools")),
        params: Object.entries(params.properties).map(([k, v]) => `${k}:${v.type}`),
        required: params.required,
        additionalProperties: (t.parameters as Item).additionalProperties,
      };
    }
    return t.type === "custom" ? `custom:${t.name}` : t.type;
  });
}

/** Items of the history as the model is sent them, minus what varies by run (ids, wall times). */
function toolItems(input: Item[]): Item[] {
  return input
    .filter((i) => /^(tool_search|function_call)/.test(String(i.type)))
    .map((i) => {
      const { id: _id, ...rest } = i;
      if (!Array.isArray(rest.output)) return rest;
      return {
        ...rest,
        output: (rest.output as Item[]).map((part) => ({
          ...part,
          text: String(part.text).replace(/^Wall time: \d+\.\d{4} seconds/, "Wall time: <t> seconds"),
        })),
      };
    });
}

/** The `mcpToolCall` items of a turn's notifications, minus times and the fields only 0.166.0 fills. */
function mcpItems(notes: Message[]): unknown[] {
  return notes
    .filter((m) => m.method === "item/started" || m.method === "item/completed")
    .map((m) => [m.method, (m.params as { item: Item }).item] as const)
    .filter(([, item]) => item.type === "mcpToolCall")
    .map(([method, item]) => [
      method,
      {
        id: item.id,
        server: item.server,
        tool: item.tool,
        status: item.status,
        arguments: item.arguments,
        content: (item.result as { content?: unknown } | null)?.content ?? null,
        error: item.error,
      },
    ]);
}

describe("MCP tools offered and called as codex 0.166.0 does", () => {
  it.each(IMPLS)(
    "%s: the tools each model is offered with two MCP servers",
    { timeout: 180_000 },
    async (impl) => {
      const s = await server(impl);
      const seen: Record<string, unknown> = {};
      for (const model of ["gpt-5.5", "gpt-6.1-terra", "gpt-5-codex"]) {
        s.mock.enqueue(answer("ok"));
        await turn(s, await thread(s, model), "hi");
        seen[model] = toolShape(bodies(s.mock).at(-1)?.tools);
      }
      const mcpResources = [
        "list_mcp_resources(cursor,server)",
        "list_mcp_resource_templates(cursor,server)",
      ];
      expect(seen["gpt-5.5"]).toEqual([
        "exec_command(cmd,justification,login,max_output_tokens,prefix_rule,sandbox_permissions,shell,tty,workdir,yield_time_ms)",
        "write_stdin(chars,max_output_tokens,session_id,yield_time_ms)",
        ...mcpResources,
        "read_mcp_resource(server,uri)",
        "request_user_input(questions)",
        "custom:apply_patch",
        "view_image(detail,path)",
        "get_goal()",
        "create_goal(objective,token_budget)",
        "update_goal(status)",
        {
          tool_search: "client",
          sources: ["- calc", "- notes: Keeps short notes in memory for this session."],
          params: ["limit:number", "query:string"],
          required: ["query"],
          additionalProperties: false,
        },
        "web_search",
      ]);
      // The code-mode catalogue models: no tools key at all, MCP servers or not.
      expect(seen["gpt-6.1-terra"]).toBe("no tools key");
      // A model outside 0.166.0's catalogue (0.58.0's families too) gets 0.166.0's generic toolset: the MCP tools in
      // the request, one namespace per server, after the multi-agent tools.
      expect(seen["gpt-5-codex"]).toEqual([
        "exec_command(cmd,justification,login,max_output_tokens,prefix_rule,sandbox_permissions,shell,tty,workdir,yield_time_ms)",
        "write_stdin(chars,max_output_tokens,session_id,yield_time_ms)",
        ...mcpResources,
        "read_mcp_resource(server,uri)",
        "request_user_input(questions)",
        "view_image(path)",
        {
          namespace: "multi_agent_v1",
          description: "Tools for spawning and managing sub-agents.",
          tools: ["close_agent", "resume_agent", "send_input", "spawn_agent", "wait_agent"],
        },
        {
          namespace: "mcp__calc",
          description: "Tools in the mcp__calc namespace.",
          tools: ["add", "count", "fail", "slow"],
        },
        {
          namespace: "mcp__notes",
          description: "Keeps short notes in memory for this session.",
          tools: [
            "a_very_long_tool_name_that_goes_on_and_on_past_the_sixty_four_character_limit",
            "add_note",
            "list_notes",
            "search_notes",
          ],
        },
        "get_goal()",
        "create_goal(objective,token_budget)",
        "update_goal(status)",
        "web_search",
      ]);
    },
  );

  const flow = async (impl: Impl) => {
    const s = await server(impl);
    const threadId = await thread(s, "gpt-5.5");
    s.mock.enqueue(
      respond(toolSearch("ts1", { query: "store a note with a title" })),
      respond(namespaced("add1", "mcp__notes", "add_note", { title: "groceries", body: "milk" })),
      respond(toolSearch("ts2", { query: "search.notes", limit: 3 })),
      respond(
        namespaced("find1", "mcp__notes", "search_notes", { word: "groc" }),
        namespaced("nope1", "mcp__notes", "no_such_tool", {}),
        {
          type: "function_call",
          id: "fc_flat",
          name: "mcp__calc__add",
          arguments: '{"a":1,"b":2}',
          call_id: "call_flat",
        },
        { ...namespaced("bad1", "mcp__calc", "add", {}), arguments: "{not json" },
      ),
      answer("done"),
      answer("again"),
    );
    const first = await turn(s, threadId, "note it");
    await turn(s, threadId, "and now?");
    return { s, threadId, first };
  };

  it.each(IMPLS)(
    "%s: tool_search, then the found tools called through their namespace; what each request carries",
    { timeout: 180_000 },
    async (impl) => {
      const { s, first } = await flow(impl);
      const requests = bodies(s.mock);
      expect(requests).toHaveLength(6);
      // The request's tool list never changes: what a search found reaches the model through the history.
      expect(new Set(requests.map((b) => JSON.stringify(toolShape(b.tools)))).size).toBe(1);
      const found = (requests[1]?.input ?? []).find((i) => i.type === "tool_search_output") as Item;
      expect(found).toMatchObject({ call_id: "call_ts1", status: "completed", execution: "client" });
      const namespaces = found.tools as { name: string; description: string; tools: Item[] }[];
      expect(namespaces.map((n) => [n.name, n.tools.map((t) => t.name)])).toEqual([
        [
          "mcp__notes",
          [
            "add_note",
            "list_notes",
            "search_notes",
            "a_very_long_tool_name_that_goes_on_and_on_past_the_sixty_four_character_limit",
          ],
        ],
      ]);
      expect(namespaces[0]?.description).toBe("Keeps short notes in memory for this session.");
      expect(namespaces[0]?.tools[0]).toEqual({
        type: "function",
        name: "add_note",
        description: "Stores a note with a title and a body.",
        strict: false,
        defer_loading: true,
        parameters: {
          type: "object",
          properties: {
            body: { type: "string" },
            tags: { type: "array", items: { type: "string" } },
            title: { type: "string", description: "Short title." },
          },
          required: ["title", "body"],
        },
      });
      const last = toolItems(requests[5]?.input ?? []);
      expect(last.filter((i) => i.type !== "tool_search_output")).toEqual([
        {
          type: "tool_search_call",
          call_id: "call_ts1",
          status: "completed",
          execution: "client",
          arguments: { query: "store a note with a title" },
        },
        {
          type: "function_call",
          name: "add_note",
          namespace: "mcp__notes",
          arguments: '{"title":"groceries","body":"milk"}',
          call_id: "call_add1",
        },
        {
          type: "function_call_output",
          call_id: "call_add1",
          output: [
            { type: "input_text", text: "Wall time: <t> seconds\nOutput:" },
            { type: "input_text", text: "add_note stored groceries" },
          ],
        },
        {
          type: "tool_search_call",
          call_id: "call_ts2",
          status: "completed",
          execution: "client",
          arguments: { query: "search.notes", limit: 3 },
        },
        {
          type: "function_call",
          name: "search_notes",
          namespace: "mcp__notes",
          arguments: '{"word":"groc"}',
          call_id: "call_find1",
        },
        {
          type: "function_call",
          name: "no_such_tool",
          namespace: "mcp__notes",
          arguments: "{}",
          call_id: "call_nope1",
        },
        { type: "function_call", name: "mcp__calc__add", arguments: '{"a":1,"b":2}', call_id: "call_flat" },
        {
          type: "function_call",
          name: "add",
          namespace: "mcp__calc",
          arguments: "{not json",
          call_id: "call_bad1",
        },
        {
          type: "function_call_output",
          call_id: "call_find1",
          output: [
            { type: "input_text", text: "Wall time: <t> seconds\nOutput:" },
            // The server really ran both calls: the search sees the note the first one stored.
            { type: "input_text", text: "search.notes found 1" },
          ],
        },
        {
          type: "function_call_output",
          call_id: "call_nope1",
          output: "unsupported call: mcp__notesno_such_tool",
        },
        { type: "function_call_output", call_id: "call_flat", output: "unsupported call: mcp__calc__add" },
        {
          // Arguments that are not JSON: serde_json's words, and no call (no mcpToolCall item).
          type: "function_call_output",
          call_id: "call_bad1",
          output: [
            { type: "input_text", text: "Wall time: <t> seconds\nOutput:" },
            { type: "input_text", text: "err: key must be a string at line 1 column 2" },
          ],
        },
      ]);
      const second = last.find((i) => i.type === "tool_search_output" && i.call_id === "call_ts2") as Item;
      expect(second.tools).toEqual([
        {
          type: "namespace",
          name: "mcp__notes",
          description: "Keeps short notes in memory for this session.",
          tools: [
            {
              type: "function",
              name: "search_notes",
              description: "Finds notes whose title contains a word.",
              strict: false,
              defer_loading: true,
              parameters: { type: "object", properties: { word: { type: "string" } }, required: ["word"] },
            },
          ],
        },
      ]);
      // Clients see the two calls as mcpToolCall items (the server's raw tool name); the search shows as nothing.
      expect(mcpItems(first)).toEqual([
        [
          "item/started",
          {
            id: "call_add1",
            server: "notes",
            tool: "add_note",
            status: "inProgress",
            arguments: { title: "groceries", body: "milk" },
            content: null,
            error: null,
          },
        ],
        [
          "item/completed",
          {
            id: "call_add1",
            server: "notes",
            tool: "add_note",
            status: "completed",
            arguments: { title: "groceries", body: "milk" },
            content: [{ type: "text", text: "add_note stored groceries" }],
            error: null,
          },
        ],
        [
          "item/started",
          {
            id: "call_find1",
            server: "notes",
            tool: "search.notes",
            status: "inProgress",
            arguments: { word: "groc" },
            content: null,
            error: null,
          },
        ],
        [
          "item/completed",
          {
            id: "call_find1",
            server: "notes",
            tool: "search.notes",
            status: "completed",
            arguments: { word: "groc" },
            content: [{ type: "text", text: "search.notes found 1" }],
            error: null,
          },
        ],
      ]);
      for (const m of first.filter((x) => x.method === "item/started" || x.method === "item/completed")) {
        const schema = protocol0166.notifications[m.method as keyof typeof protocol0166.notifications];
        expect(schema.safeParse(m.params).success).toBe(true);
      }
    },
  );

  it.each(IMPLS)(
    "%s writes the search and the namespaced calls to its rollout; the other implementation resumes them",
    { timeout: 240_000 },
    async (impl) => {
      const { s, threadId } = await flow(impl);
      const home = path.join(s.root, "codex-home");
      const [rollout] = await rolloutFiles(home);
      const records = (await readFile(rollout ?? "", "utf8"))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { type: string; payload: Item });
      const kinds = records
        .filter(
          (r) => r.type === "response_item" && /^(tool_search|function_call)/.test(String(r.payload.type)),
        )
        .map((r) => `${r.payload.type}:${r.payload.call_id}`);
      expect(kinds.slice(0, 4)).toEqual([
        "tool_search_call:call_ts1",
        "tool_search_output:call_ts1",
        "function_call:call_add1",
        "function_call_output:call_add1",
      ]);
      const expectedHistory = toolItems(bodies(s.mock)[5]?.input ?? []);
      if (!CODEX_0166_BIN) return;
      await s.c.close();
      // The other implementation resumes the thread from that rollout and sends the same tool items.
      const other = impl === "ours" ? "real" : "ours";
      const c = await startOnHome0166(suite, other, {
        home,
        cwd: s.root,
        client: { name: "mcp-tools-0166", version: "1.0" },
      });
      await c.request("thread/resume", { threadId });
      // A 0.166.0 rollout keeps each finished item (`item_completed`): the stored turns show the namespaced calls
      // as its clients saw them, the searches as nothing. Ours is in 0.58.0's format ("legacy"), from which 0.166.0
      // rebuilds the calls from the `mcp_tool_call_end` events written beside their records (legacy-item-events.ts):
      // each implementation shows the other's calls.
      const read = await c.request("thread/read", { threadId, includeTurns: true });
      const shown = read.thread.turns.flatMap((t) =>
        (t.items as Item[])
          .filter((i) => i.type === "mcpToolCall")
          .map((i) => [i.id, i.server, i.tool, i.status]),
      );
      expect(shown).toEqual([
        ["call_add1", "notes", "add_note", "completed"],
        ["call_find1", "notes", "search.notes", "completed"],
      ]);
      const before = s.mock.requests.length;
      s.mock.enqueue(answer("resumed"));
      const { turn } = await c.request("turn/start", {
        threadId,
        input: [{ type: "text", text: "resumed?" }],
      });
      await c.waitFor(
        (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
        "turn/completed",
        60_000,
      );
      expect(s.mock.requests.length).toBe(before + 1);
      expect(toolItems(bodies(s.mock).at(-1)?.input ?? [])).toEqual(expectedHistory);
    },
  );
});

describe("MCP tools of a model outside 0.166.0's catalogue, as codex 0.166.0 calls them", () => {
  it.each(IMPLS)(
    "%s: the namespaced calls run on the servers; the flat names are refused",
    { timeout: 120_000 },
    async (impl) => {
      const s = await server(impl);
      const threadId = await thread(s, "llama3.1");
      s.mock.enqueue(
        respond(namespaced("add1", "mcp__notes", "add_note", { title: "groceries", body: "milk" })),
        respond(
          namespaced("find1", "mcp__notes", "search_notes", { word: "groc" }),
          namespaced("sum1", "mcp__calc", "add", { a: 1, b: 2 }),
          {
            type: "function_call",
            id: "fc_flat",
            name: "mcp__calc__add",
            arguments: '{"a":1,"b":2}',
            call_id: "call_flat",
          },
        ),
        answer("done"),
      );
      const notes = await turn(s, threadId, "note it");
      const last = toolItems(bodies(s.mock).at(-1)?.input ?? []);
      const outputs = Object.fromEntries(
        last.filter((i) => i.type === "function_call_output").map((i) => [i.call_id, i.output]),
      );
      expect(outputs).toEqual({
        call_add1: [
          { type: "input_text", text: "Wall time: <t> seconds\nOutput:" },
          { type: "input_text", text: "add_note stored groceries" },
        ],
        call_find1: [
          { type: "input_text", text: "Wall time: <t> seconds\nOutput:" },
          { type: "input_text", text: "search.notes found 1" },
        ],
        call_sum1: [
          { type: "input_text", text: "Wall time: <t> seconds\nOutput:" },
          { type: "input_text", text: "3" },
        ],
        call_flat: "unsupported call: mcp__calc__add",
      });
      expect((mcpItems(notes) as [string, Item][]).filter(([method]) => method === "item/completed")).toEqual(
        [
          [
            "call_add1",
            "notes",
            "add_note",
            { title: "groceries", body: "milk" },
            "add_note stored groceries",
          ],
          ["call_find1", "notes", "search.notes", { word: "groc" }, "search.notes found 1"],
          ["call_sum1", "calc", "add", { a: 1, b: 2 }, "3"],
        ].map(([id, server, tool, args, text]) => [
          "item/completed",
          {
            id,
            server,
            tool,
            status: "completed",
            arguments: args,
            content: [{ type: "text", text }],
            error: null,
          },
        ]),
      );
    },
  );
});
