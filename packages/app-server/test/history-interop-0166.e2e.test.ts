import path from "node:path";
import { fileURLToPath } from "node:url";
import type { gen0166 } from "@codex-ts/app-server-protocol";
import { CODEX_0166_BIN, responses, type ScriptedResponse, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { mcpServersReady, startMockServer0166, startOnHome0166 } from "./helpers/mock-server-0166.js";

/**
 * A thread this server wrote, continued by the native codex 0.166.0: 0.166.0 appends its turn to the legacy
 * rollout with the events of its legacy format (`user_message`, `patch_apply_end`, `mcp_tool_call_end`,
 * `web_search_end`, …) and no `item_completed` records. Both implementations then read the thread
 * (`thread/turns/list`, `thread/read`) and must show that turn alike: its id, status, and the items 0.166.0 rebuilds
 * from those events (messages numbered `item-<n>`, the patch, MCP call and web search under their call ids; no
 * command, as 0.166.0 shows none from a legacy rollout). This server's own turn shows its live items (README).
 */
const suite = useAppServerSuite();
const CLIENT = { name: "history-interop-test", version: "1.0" };
const calc = fileURLToPath(new URL("../../core/test/fixtures/calc-mcp-server.mjs", import.meta.url));
const MCP_TOML = `[mcp_servers.calc]\ncommand = "node"\nargs = [${JSON.stringify(calc)}]\n`;

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
const ADD = {
  type: "function_call",
  id: "fc_add",
  name: "add",
  namespace: "mcp__calc",
  arguments: '{"a":1,"b":2}',
  call_id: "call_add",
};
const SETTINGS = { approvalPolicy: "never", sandbox: "danger-full-access" } as const;

/** The turns as both read them: every turn, full, oldest first, from `thread/turns/list` and `thread/read`. */
async function readBack(c: Awaited<ReturnType<typeof startOnHome0166>>, threadId: string) {
  const listed = await c.request("thread/turns/list", { threadId, itemsView: "full", sortDirection: "asc" });
  const read = await c.request("thread/read", { threadId, includeTurns: true });
  return { listed: listed.data as gen0166.Turn[], read: read.thread.turns as gen0166.Turn[] };
}

/** An item without the MCP fields only 0.166.0 fills (README: the `mcpToolCall` item). */
const core = (item: gen0166.ThreadItem): Rec => {
  const { appContext: _a, mcpAppUi: _u, pluginId: _p, readOnlyHint: _r, ...rest } = item as Rec;
  const result = rest.result as Rec | null | undefined;
  if (result && typeof result === "object" && "_meta" in result) {
    const { _meta, ...kept } = result;
    rest.result = kept;
  }
  return rest;
};

/** An item without what only a live stream fills (ids of this server's own items, times). */
const messageOnly = (item: gen0166.ThreadItem): Rec => {
  const { id: _i, startedAtMs: _s, completedAtMs: _c, ...rest } = item as Rec;
  return rest;
};

describe("a thread this server wrote, continued by codex 0.166.0", () => {
  it("shows the turn 0.166.0 appended as 0.166.0 shows it, tool calls included", {
    timeout: 180_000,
  }, async () => {
    if (!CODEX_0166_BIN) return;
    const s = await startMockServer0166(suite, "ours", {
      client: CLIENT,
      prefix: "history-interop",
      toml: MCP_TOML,
    });
    const { thread } = await s.c.request("thread/start", { cwd: s.root, model: "gpt-5.5", ...SETTINGS });
    s.mock.enqueue(responses.turn(responses.message("hello from this server")));
    await s.c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "first" }] });
    await s.c.waitFor((m) => m.method === "turn/completed", "turn/completed", 60_000);
    await s.c.close();

    const home = path.join(s.root, "codex-home");
    const native = await startOnHome0166(suite, "real", { home, cwd: s.root, client: CLIENT });
    await native.request("thread/resume", { threadId: thread.id, ...SETTINGS });
    await mcpServersReady(native, thread.id, ["calc"]);
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
      respond(WEB_SEARCH, {
        type: "message",
        role: "assistant",
        id: "msg_done",
        content: [{ type: "output_text", text: "all done" }],
      }),
    );
    const { turn } = await native.request("turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "do it" }],
    });
    await native.waitFor(
      (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
      "turn/completed",
      60_000,
    );
    const theirs = await readBack(native, thread.id);
    await native.close();

    const ours = await startOnHome0166(suite, "ours", { home, cwd: s.root, client: CLIENT });
    const mine = await readBack(ours, thread.id);
    const items = await ours.request("thread/items/list", { threadId: thread.id, turnId: turn.id });
    await ours.close();

    for (const view of ["listed", "read"] as const) {
      const [first, appended] = mine[view];
      const [firstThere, appendedThere] = theirs[view];
      expect(mine[view].map((t) => [t.id, t.status])).toEqual(theirs[view].map((t) => [t.id, t.status]));
      // The turn 0.166.0 appended: the same items, ids and all.
      expect(appended!.items.map((i) => i.type)).toEqual([
        "userMessage",
        "fileChange",
        "mcpToolCall",
        "webSearch",
        "agentMessage",
      ]);
      expect(appended!.items.map(core)).toEqual(appendedThere!.items.map(core));
      // This server's own turn: its live items here, 0.166.0's rebuilt messages there (README).
      expect(first!.items.map(messageOnly)).toEqual(firstThere!.items.map(messageOnly));
    }
    expect(items.data.map((e) => e.item)).toEqual(mine.listed[1]!.items);
  });
});
