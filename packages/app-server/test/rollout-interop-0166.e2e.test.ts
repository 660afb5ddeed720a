import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { gen0166 } from "@codex-ts/app-server-protocol";
import {
  CODEX_0166_BIN,
  type Message,
  REFERENCE_CODEX_BIN,
  responses,
  type ScriptedResponse,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { mcpServersReady, startMockServer0166, startOnHome0166 } from "./helpers/mock-server-0166.js";

/**
 * "Our server reads and writes the same ~/.codex files": a 0.166 thread this server ran — a command, a patch, an MCP
 * call and a web search — read and resumed by the native codex 0.166.0 from its rollout (a 0.58.0-format, "legacy"
 * one). 0.166.0 rebuilds a legacy thread's items from events: it shows the patch, the MCP call and the web search
 * from the events written beside their item records, never a command (README, "What a 0.166 thread's rollout
 * records"); it parses the `turn_context` lines (their sandbox policy carries 0.166.0's tag too), so it resumes the
 * thread with the model the thread ran with, not its config's. Codex 0.58.0 still resumes the file with its history
 * and the same `initialMessages` this server gives. Each reference is skipped when it is not installed.
 */
const suite = useAppServerSuite();
const CLIENT = { name: "interop-test", version: "1.0" };
const calc = fileURLToPath(new URL("../../core/test/fixtures/calc-mcp-server.mjs", import.meta.url));
const MCP_TOML = `[mcp_servers.calc]\ncommand = "node"\nargs = [${JSON.stringify(calc)}]\n`;
if (!CODEX_0166_BIN)
  console.warn("rollout interop: codex 0.166.0 not found (CODEX_0166_BIN), its side is skipped");
if (!REFERENCE_CODEX_BIN)
  console.warn("rollout interop: codex 0.58.0 not found (CODEX_REFERENCE_BIN), skipped");

type Rec = Record<string, unknown>;

/** One model response holding `items` (each announced and done). */
const respond = (...items: Rec[]): ScriptedResponse => ({
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
const WEB_SEARCH = {
  type: "web_search_call",
  id: "ws_dots",
  status: "completed",
  action: { type: "search", query: "dots" },
};
/** The MCP server's `add`, called through its namespace as gpt-5.5 calls MCP tools. */
const ADD = {
  type: "function_call",
  id: "fc_add",
  name: "add",
  namespace: "mcp__calc",
  arguments: '{"a":1,"b":2}',
  call_id: "call_add",
};

const paramsOf = <T>(m: Message) => m.params as T;
/** An item without the fields only one side fills (times; 0.166.0's extra MCP fields). */
const core = (item: Rec): Rec => {
  const {
    startedAtMs: _s,
    completedAtMs: _c,
    appContext: _a,
    mcpAppUi: _u,
    pluginId: _p,
    readOnlyHint: _r,
    ...rest
  } = item;
  const result = rest.result as Rec | null | undefined;
  if (result && typeof result === "object" && "_meta" in result) {
    const { _meta, ...kept } = result;
    rest.result = kept;
  }
  return rest;
};

/** `value` with only the fields `like` has, at every depth (what is left to compare with `like`). */
function fieldsOf(value: unknown, like: unknown): unknown {
  if (Array.isArray(value) && Array.isArray(like)) return value.map((v, n) => fieldsOf(v, like[n]));
  if (typeof value !== "object" || value === null || typeof like !== "object" || like === null) return value;
  const v = value as Rec;
  return Object.fromEntries(Object.entries(like).map(([k, l]) => [k, fieldsOf(v[k], l)]));
}

describe("a 0.166 thread's rollout read and resumed by the native codex 0.166.0 (and 0.58.0)", () => {
  it("shows its patch, MCP call and web search there, resumes with its model, and 0.58.0 still resumes it", {
    timeout: 180_000,
  }, async () => {
    const s = await startMockServer0166(suite, "ours", { client: CLIENT, prefix: "interop", toml: MCP_TOML });
    const { thread } = await s.c.request("thread/start", {
      cwd: s.root,
      model: "gpt-5.5",
      approvalPolicy: "never",
      sandbox: "danger-full-access",
    });
    await mcpServersReady(s.c, thread.id, ["calc"]);
    s.mock.enqueue(
      responses.turn(
        ...responses.functionCall("exec_command", { cmd: "echo hello", yield_time_ms: 10_000 }, "call_echo"),
      ),
      responses.turn(
        ...responses.customToolCall(
          "apply_patch",
          "*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\n",
          "call_patch",
        ),
      ),
      respond(ADD),
      // A web search runs at the provider: the answer comes in the same response.
      respond(WEB_SEARCH, {
        type: "message",
        role: "assistant",
        id: "msg_done",
        content: [{ type: "output_text", text: "all done" }],
      }),
    );
    const from = s.c.messages.length;
    const { turn } = await s.c.request("turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "do it" }],
    });
    await s.c.waitFor(
      (m) => m.method === "turn/completed" && paramsOf<{ turn: { id: string } }>(m).turn.id === turn.id,
      "turn/completed",
      60_000,
    );
    const live = s.c.messages
      .slice(from)
      .filter((m) => m.method === "item/completed")
      .map((m) => paramsOf<{ item: Rec }>(m).item);
    expect(live.map((i) => i.type)).toEqual([
      "userMessage",
      "commandExecution",
      "fileChange",
      "mcpToolCall",
      "webSearch",
      "agentMessage",
    ]);
    await s.c.close();

    const home = path.join(s.root, "codex-home");
    // A config that names another model: a resume must take the thread's (gpt-5.5) from its rollout.
    const config = path.join(home, "config.toml");
    await writeFile(
      config,
      (await readFile(config, "utf8")).replace('model = "gpt-5.5"', 'model = "gpt-5.6-luna"'),
    );

    // This server reads it back as the live stream showed it, each item once.
    const ours = await startOnHome0166(suite, "ours", { home, cwd: s.root, client: CLIENT });
    const read = (await ours.request("thread/read", { threadId: thread.id, includeTurns: true })).thread;
    expect(read.turns.map((t) => t.id)).toEqual([turn.id]);
    expect(read.turns[0]!.items.map((i) => core(i as Rec))).toEqual(live.map(core));
    await ours.close();

    if (CODEX_0166_BIN) {
      const native = await startOnHome0166(suite, "real", { home, cwd: s.root, client: CLIENT });
      // The kinds 0.166.0 rebuilds from a legacy rollout's events, with the ids and contents the live stream had.
      const shown = live.filter((i) => i.type !== "commandExecution");
      const theirs = (await native.request("thread/read", { threadId: thread.id, includeTurns: true }))
        .thread;
      expect(theirs.historyMode).toBe("legacy");
      expect(theirs.turns.map((t) => [t.id, t.status])).toEqual([[turn.id, "completed"]]);
      const items = theirs.turns[0]!.items.map((i) => core(i as Rec));
      expect(items.map((i) => i.type)).toEqual(shown.map((i) => i.type));
      const same = (type: string) => [
        items.find((i) => i.type === type),
        core(shown.find((i) => i.type === type) ?? {}),
      ];
      for (const type of ["fileChange", "mcpToolCall", "webSearch"]) {
        const [there, here] = same(type);
        expect(there).toEqual(here);
      }
      const listed = await native.request("thread/turns/list", {
        threadId: thread.id,
        itemsView: "full",
        sortDirection: "asc",
      });
      expect(listed.data.map((t: gen0166.Turn) => t.items.map((i) => i.type))).toEqual([
        shown.map((i) => i.type),
      ]);
      // Resumed without a model, it goes on with the thread's, as with its own threads.
      const resumed = await native.request("thread/resume", { threadId: thread.id, excludeTurns: true });
      expect(resumed.model).toBe("gpt-5.5");
      s.mock.enqueue(responses.turn(responses.message("again")));
      const nativeFrom = native.messages.length;
      await native.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "again" }] });
      await native.waitFor(
        (m) => m.method === "turn/completed" && native.messages.indexOf(m) >= nativeFrom,
        "turn/completed",
        60_000,
      );
      expect((s.mock.requests.at(-1)?.body as { model?: string } | undefined)?.model).toBe("gpt-5.5");
      await native.close();
    }

    if (REFERENCE_CODEX_BIN) {
      // 0.58.0 resumes it with its history: the same initialMessages as this server's v1 resume, and the next
      // request carries the earlier turns' tool calls.
      const initial = async (bin: "ours" | "reference") => {
        const c = await suite.start({ ...(bin === "reference" ? { bin } : {}), home, cwd: s.root });
        const resumed = await c.request("resumeConversation", { path: read.path ?? "", overrides: null });
        return { c, id: String(resumed.conversationId), messages: (resumed.initialMessages ?? []) as Rec[] };
      };
      const mine = await initial("ours");
      await mine.c.close();
      const old = await initial("reference");
      const types = (messages: Rec[]) => messages.map((m) => m.type);
      expect(types(old.messages)).toEqual(types(mine.messages));
      // Each event with 0.58.0's fields and values (this server's keep 0.166.0's besides, as recorded).
      expect(fieldsOf(mine.messages, old.messages)).toEqual(old.messages);
      expect(types(old.messages)).toEqual(
        expect.arrayContaining(["user_message", "patch_apply_end", "mcp_tool_call_end", "web_search_end"]),
      );
      s.mock.enqueue(responses.turn(responses.message("once more")));
      await old.c.request("addConversationListener", { conversationId: old.id });
      await old.c.request("sendUserMessage", {
        conversationId: old.id,
        items: [{ type: "text", data: { text: "once more" } }],
      });
      await old.c.waitFor((m) => m.method === "codex/event/task_complete", "task_complete", 60_000);
      const input = (s.mock.requests.at(-1)?.body as { input?: Rec[] } | undefined)?.input ?? [];
      const calls = input.filter((i) => String(i.type).endsWith("_output")).map((i) => i.call_id);
      expect(calls).toEqual(expect.arrayContaining(["call_echo", "call_patch", "call_add"]));
      await old.c.close();
    }
  });
  it("numbers a v1 thread's turns as 0.166.0 does, now that it parses this server's turn_context lines", {
    timeout: 120_000,
  }, async () => {
    const s = await startMockServer0166(suite, "ours", { client: CLIENT, prefix: "interop-v1" });
    await s.c.close();
    const home = path.join(s.root, "codex-home");
    const v1 = await suite.start({ home, cwd: s.root });
    const created = await v1.request("newConversation", {
      cwd: s.root,
      model: "gpt-5.5",
      approvalPolicy: "never",
      sandbox: "danger-full-access",
    });
    const id = String(created.conversationId);
    await v1.request("addConversationListener", { conversationId: id });
    for (const text of ["one", "two"]) {
      s.mock.enqueue(responses.turn(responses.message(`answer ${text}`)));
      const from = v1.messages.length;
      await v1.request("sendUserMessage", { conversationId: id, items: [{ type: "text", data: { text } }] });
      await v1.waitFor(
        (m) => m.method === "codex/event/task_complete" && v1.messages.indexOf(m) >= from,
        "task_complete",
        60_000,
      );
    }
    await v1.close();
    // The second turn starts after the first turn's turn_context line, which 0.166.0 counts.
    const lines = (await readFile(String(created.rolloutPath), "utf8")).trim().split("\n");
    const contexts = lines.map((l) => JSON.parse(l) as Rec).filter((l) => l.type === "turn_context");
    expect(contexts.map((l) => (l.payload as { sandbox_policy: Rec }).sandbox_policy)).toEqual([
      { mode: "danger-full-access", type: "danger-full-access" },
      { mode: "danger-full-access", type: "danger-full-access" },
    ]);

    const ids = async (impl: "ours" | "real") => {
      const c = await startOnHome0166(suite, impl, { home, cwd: s.root, client: CLIENT });
      const { thread } = await c.request("thread/read", { threadId: id, includeTurns: true });
      await c.close();
      return thread.turns.map((t) => [t.id, t.items.map((i) => i.id)]);
    };
    const mine = await ids("ours");
    expect(mine).toHaveLength(2);
    if (CODEX_0166_BIN) expect(await ids("real")).toEqual(mine);
  });
});
