import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseToml } from "@codex-ts/config-loader";
import {
  CODEX_0166_BIN,
  type Message,
  offeredTools,
  responses,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type MockServer0166, mcpServersReady, startMockServer0166 } from "./helpers/mock-server-0166.js";

/**
 * MCP tool-call approvals and MCP servers' elicitations on a 0.166 connection, on this server and, where it is
 * installed, on the native codex 0.166.0 with the same script (the hints fixture: tools that differ only in their
 * annotations, and `ask`, which elicits a name). 0.166.0 asks before a call whose annotations do not rule out harm
 * (`mcpServer/elicitation/request`, a message-only form with `_meta.codex_approval_kind: mcp_tool_call`), forwards
 * a server's own elicitation to the client, flags the thread `waitingOnApproval` meanwhile and sends
 * `serverRequest/resolved` once answered; under approval policy `never` it refuses the call (unless the sandbox is
 * `danger-full-access`) and declines elicitations without asking.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("mcp approvals: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const HINTS = fileURLToPath(new URL("../../core/test/fixtures/hints-mcp-server.mjs", import.meta.url));
const TOML = `[mcp_servers.hints]\ncommand = "node"\nargs = [${JSON.stringify(HINTS)}]\n`;
/** A model outside 0.166.0's catalogue: it offers the MCP tools at once (for `gpt-5.5` only through tool_search). */
const MODEL = "mock-model";

/** A client's answer to one server request: a result, a JSON-RPC error, or an interrupt of the turn instead. */
type Answer = Record<string, unknown> | "error" | "interrupt";

async function start(impl: Impl, approvalPolicy: string, sandbox = "workspace-write") {
  const s = await startMockServer0166(suite, impl, {
    client: { name: "mcp-approvals", version: "1.0" },
    prefix: "codex-0166-mcp-approve-",
    toml: TOML,
  });
  const { thread } = await s.c.request("thread/start", {
    cwd: s.root,
    model: MODEL,
    approvalPolicy,
    sandbox,
  } as never);
  await mcpServersReady(s.c, thread.id, ["hints"]);
  return { s, threadId: thread.id };
}

/**
 * The model's call of hints tool `tool`, in the form the request offers it: 0.166.0's namespace (`mcp__hints` +
 * the tool's name) or a flat `mcp__hints__<tool>` function.
 */
function callOf(tool: string, callId: string) {
  const args = tool === "ask" ? { message: "Your name?" } : { note: "hi" };
  return (body: unknown) => {
    const [event] = responses.functionCall(`mcp__hints__${tool}`, args, callId);
    if (offeredTools(body).includes("mcp__hints")) {
      const item = (event!.data as { item: Record<string, unknown> }).item;
      item.name = tool;
      item.namespace = "mcp__hints";
    }
    return responses.turn([event!]);
  };
}

interface Turn {
  /** What the client saw of the turn: thread flags, MCP items, the questions (ids left out) and their resolution. */
  seen: unknown[];
  /** The text the model got back for each call, by call id. */
  outputs: Record<string, string>;
  turnId: string;
}

/** One turn calling `tools` in order (one per model request), then "done"; `answers` answer the questions in order. */
async function runTurn(
  s: MockServer0166,
  threadId: string,
  tools: string[],
  answers: Answer[] = [],
): Promise<Turn> {
  const callIds = tools.map((t, i) => `call_${t}_${i}`);
  tools.forEach((t, i) => {
    s.mock.enqueue(callOf(t, callIds[i]!));
  });
  const interrupts = answers.includes("interrupt");
  if (!interrupts) s.mock.enqueue(responses.turn(responses.message("done")));
  const from = s.c.messages.length;
  const firstRequest = s.mock.requests.length;
  const { turn } = await s.c.request("turn/start", {
    threadId,
    input: [{ type: "text", text: "use the tools" }],
  } as never);
  let answered = 0;
  const answerNext = async () => {
    const asked = s.c.messages
      .slice(from)
      .filter((m) => m.method === "mcpServer/elicitation/request" && m.id !== undefined);
    for (const request of asked.slice(answered)) {
      const answer = answers[answered++] ?? { action: "accept" };
      if (answer === "error") s.c.answerError(request, { code: -32000, message: "no thanks" });
      else if (answer === "interrupt")
        await s.c.request("turn/interrupt", { threadId, turnId: turn.id } as never);
      else s.c.answer(request as never, answer as never);
    }
  };
  await s.c.waitUntil(() => {
    void answerNext();
    return s.c.messages
      .slice(from)
      .some(
        (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
      );
  }, "turn/completed");
  // The withdrawn question of an interrupted turn is resolved just after `turn/completed`.
  if (answered > 0)
    await s.c.waitUntil(
      () => s.c.messages.slice(from).filter((m) => m.method === "serverRequest/resolved").length === answered,
      "serverRequest/resolved",
    );
  return {
    seen: seenOf(s.c.messages.slice(from), threadId, turn.id),
    outputs: outputsOf(s, callIds, firstRequest),
    turnId: turn.id,
  };
}

function seenOf(messages: Message[], threadId: string, turnId: string): unknown[] {
  const requestIds = new Map<unknown, number>();
  return messages.flatMap((m): unknown[] => {
    const p = (m.params ?? {}) as Record<string, unknown>;
    if (m.method === "thread/status/changed") {
      const status = p.status as { type: string; activeFlags?: string[] };
      return [`${status.type}${status.activeFlags ? `[${status.activeFlags.join(",")}]` : ""}`];
    }
    if (
      (m.method === "item/started" || m.method === "item/completed") &&
      (p.item as Message).type === "mcpToolCall"
    ) {
      const item = p.item as { tool: string; status: string; error: { message: string } | null };
      return [
        `${m.method === "item/started" ? "started" : "completed"} ${item.tool} ${item.status}${item.error ? `: ${item.error.message}` : ""}`,
      ];
    }
    if (m.method === "mcpServer/elicitation/request" && m.id !== undefined) {
      const { threadId: t, turnId: u, ...question } = p;
      expect([t, u]).toEqual([threadId, turnId]);
      requestIds.set(m.id, requestIds.size);
      return [{ ask: question }];
    }
    if (m.method === "serverRequest/resolved") return [`resolved #${requestIds.get(p.requestId)}`];
    if (m.method === "turn/completed") return [`turn ${(p.turn as { status: string }).status}`];
    return [];
  });
}

/** The text of each call of a turn (its model requests from `firstRequest` on) as the model last saw it (0.166.0 sends content items, this server JSON text). */
function outputsOf(s: MockServer0166, callIds: string[], firstRequest: number): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const r of s.mock.requests.slice(firstRequest))
    for (const i of (r.body as { input: { type: string; call_id?: string; output?: unknown }[] }).input)
      if (i.type === "function_call_output" && callIds.includes(i.call_id!))
        outputs[i.call_id!] = textOf(i.output);
  return outputs;
}

function textOf(output: unknown): string {
  if (Array.isArray(output))
    return output
      .map((c: { text?: string }) => c.text ?? "")
      .filter((t) => !t.startsWith("Wall time:"))
      .join("");
  const text = String(output);
  try {
    const parsed: unknown = JSON.parse(text.startsWith("err: ") ? text.slice(5) : text);
    if (typeof parsed === "string") return parsed;
    if (Array.isArray(parsed)) return parsed.map((c: { text?: string }) => c.text ?? "").join("");
  } catch {
    // plain text
  }
  return text;
}

/** The approval form 0.166.0 sends for hints tool `tool` (its description and the call's `{note: "hi"}`). */
const approvalAsk = (tool: string) => ({
  ask: {
    serverName: "hints",
    mode: "form",
    _meta: {
      codex_approval_kind: "mcp_tool_call",
      persist: ["session", "always"],
      tool_description: `The ${tool} tool.`,
      tool_params: { note: "hi" },
      tool_params_display: [{ name: "note", value: "hi", display_name: "note" }],
    },
    message: `Allow the hints MCP server to run tool "${tool}"?`,
    requestedSchema: { type: "object", properties: {} },
  },
});

const nameAsk = {
  ask: {
    serverName: "hints",
    mode: "form",
    _meta: null,
    message: "Your name?",
    requestedSchema: {
      type: "object",
      properties: { name: { type: "string", title: "Name", description: "Who you are" } },
      required: ["name"],
    },
  },
};

describe("MCP tool-call approvals compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: untrusted asks before calls whose annotations allow harm; accept, for the session, decline, cancel",
    { timeout: 120_000 },
    async (impl) => {
      const { s, threadId } = await start(impl, "untrusted");
      const t = await runTurn(
        s,
        threadId,
        ["plain", "plain", "readonly", "closed", "destructive", "open", "titled"],
        [
          { action: "accept", content: null, _meta: { persist: "session" } },
          { action: "decline" },
          { action: "cancel" },
          { action: "accept" },
        ],
      );
      expect(t.seen).toEqual([
        "active[]",
        "started plain inProgress",
        "active[waitingOnApproval]",
        approvalAsk("plain"),
        "resolved #0",
        "active[]",
        "completed plain completed",
        // Allowed for the session: not asked again.
        "started plain inProgress",
        "completed plain completed",
        // Read-only, or neither destructive nor open-world: never asked.
        "started readonly inProgress",
        "completed readonly completed",
        "started closed inProgress",
        "completed closed completed",
        "started destructive inProgress",
        "active[waitingOnApproval]",
        approvalAsk("destructive"),
        "resolved #1",
        "active[]",
        "completed destructive failed: user rejected MCP tool call",
        "started open inProgress",
        "active[waitingOnApproval]",
        approvalAsk("open"),
        "resolved #2",
        "active[]",
        "completed open failed: user cancelled MCP tool call",
        // Annotations that say nothing about harm count as harmful.
        "started titled inProgress",
        "active[waitingOnApproval]",
        approvalAsk("titled"),
        "resolved #3",
        "active[]",
        "completed titled completed",
        "idle",
        "turn completed",
      ]);
      expect(t.outputs).toEqual({
        call_plain_0: "plain ran",
        call_plain_1: "plain ran",
        call_readonly_2: "readonly ran",
        call_closed_3: "closed ran",
        call_destructive_4: "user rejected MCP tool call",
        call_open_5: "user cancelled MCP tool call",
        call_titled_6: "titled ran",
      });
    },
  );

  it.each(IMPLS)(
    "%s: an error answer or one that is no answer declines; 'always' writes approval_mode = approve to config.toml",
    { timeout: 120_000 },
    async (impl) => {
      const { s, threadId } = await start(impl, "on-request");
      const t = await runTurn(
        s,
        threadId,
        ["plain", "open", "destructive", "destructive"],
        ["error", { whatever: true }, { action: "accept", _meta: { persist: "always" } }],
      );
      expect(t.outputs).toEqual({
        call_plain_0: "user rejected MCP tool call",
        call_open_1: "user rejected MCP tool call",
        call_destructive_2: "destructive ran",
        call_destructive_3: "destructive ran",
      });
      expect(t.seen.filter((x) => typeof x === "object")).toEqual([
        approvalAsk("plain"),
        approvalAsk("open"),
        approvalAsk("destructive"),
      ]);
      const config = parseToml(await fs.readFile(path.join(s.root, "codex-home", "config.toml"), "utf8"), "");
      expect(config.mcp_servers).toMatchObject({
        hints: { tools: { destructive: { approval_mode: "approve" } } },
      });
      // A new thread reads it: the tool is no longer asked about.
      const { thread } = await s.c.request("thread/start", {
        cwd: s.root,
        model: MODEL,
        approvalPolicy: "untrusted",
        sandbox: "workspace-write",
      } as never);
      await mcpServersReady(s.c, thread.id, ["hints"]);
      const next = await runTurn(s, thread.id, ["destructive"]);
      expect(next.seen.filter((x) => typeof x === "object")).toEqual([]);
      expect(Object.values(next.outputs)).toEqual(["destructive ran"]);
    },
  );

  it.each(IMPLS)(
    "%s: never refuses calls that need approval (no question) unless the sandbox is danger-full-access",
    { timeout: 120_000 },
    async (impl) => {
      const tools = ["plain", "readonly", "destructive", "closed", "ask"];
      const refused = "MCP tool call requires approval, but approval policy is never";
      const declined = JSON.stringify({ action: "decline" });
      const { s, threadId } = await start(impl, "never");
      const t = await runTurn(s, threadId, tools);
      expect(Object.values(t.outputs)).toEqual([refused, "readonly ran", refused, "closed ran", declined]);
      expect(t.seen).toContain(
        "completed plain failed: MCP tool call requires approval, but approval policy is never",
      );
      const full = await start(impl, "never", "danger-full-access");
      const f = await runTurn(full.s, full.threadId, tools);
      expect(Object.values(f.outputs)).toEqual([
        "plain ran",
        "readonly ran",
        "destructive ran",
        "closed ran",
        declined,
      ]);
      for (const turn of [t, f]) expect(turn.seen.some((x) => typeof x === "object")).toBe(false);
    },
  );
});

describe("MCP servers' elicitations compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: forwarded to the client; accept with content, decline, cancel and an error answer reach the server",
    { timeout: 120_000 },
    async (impl) => {
      const { s, threadId } = await start(impl, "on-request", "danger-full-access");
      const t = await runTurn(
        s,
        threadId,
        ["ask", "ask", "ask", "ask"],
        [
          { action: "accept", content: { name: "Zed" } },
          { action: "decline" },
          { action: "cancel" },
          "error",
        ],
      );
      expect(t.seen.slice(0, 7)).toEqual([
        "active[]",
        "started ask inProgress",
        "active[waitingOnApproval]",
        nameAsk,
        "resolved #0",
        "active[]",
        "completed ask completed",
      ]);
      expect(Object.values(t.outputs)).toEqual([
        JSON.stringify({ action: "accept", content: { name: "Zed" } }),
        JSON.stringify({ action: "decline" }),
        JSON.stringify({ action: "cancel" }),
        JSON.stringify({ action: "decline" }),
      ]);
    },
  );

  it.each(IMPLS)(
    "%s: interrupted while a question is open: the turn ends interrupted, then the question is resolved; no hang",
    { timeout: 120_000 },
    async (impl) => {
      const { s, threadId } = await start(impl, "untrusted");
      for (const tool of ["plain", "ask"]) {
        const t = await runTurn(s, threadId, [tool], ["interrupt"]);
        expect(t.seen).toEqual([
          "active[]",
          `started ${tool} inProgress`,
          "active[waitingOnApproval]",
          tool === "ask" ? nameAsk : approvalAsk(tool),
          "idle",
          "turn interrupted",
          "resolved #0",
        ]);
      }
      // The thread goes on: the next turn asks again and runs the tool.
      const next = await runTurn(s, threadId, ["plain"], [{ action: "accept" }]);
      expect(next.outputs).toEqual({ call_plain_0: "plain ran" });
    },
  );
});
