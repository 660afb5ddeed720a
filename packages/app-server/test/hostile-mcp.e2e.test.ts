import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  expectPeakRssBelow,
  type Message,
  responses,
  type TestAppServer,
  tempDir,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * A misbehaving stdio MCP server behind the built `codex app-server` (issue 21 rows 1, 6 and 8): a result nested
 * 100,000 levels, a 100 MiB result, a 9 MiB one, a flood of progress and log notifications, a server that dies.
 * Each call that breaks a limit fails alone; every turn ends with `turn/completed`; the server process survives
 * (or is restarted) and the app server's peak RSS stays under 300 MB through all of it.
 */
const HOSTILE = fileURLToPath(new URL("../../core/test/fixtures/hostile-mcp-server.mjs", import.meta.url));

const suite = useAppServerSuite();
let tmp: string;
let pidFile: string;
let client: TestAppServer;
let threadId: string;
let rolloutPath: string;

beforeAll(async () => {
  tmp = await tempDir("codex-hostile-mcp-");
  pidFile = path.join(tmp, "pids");
  const toml = [
    "[mcp_servers.h]",
    `command = ${JSON.stringify(process.execPath)}`,
    `args = [${JSON.stringify(HOSTILE)}]`,
    "tool_timeout_sec = 60",
    `env = { HOSTILE_PID_FILE = ${JSON.stringify(pidFile)} }`,
  ].join("\n");
  client = await suite.start({ home: await suite.home({ toml, prefix: "codex-hostile-mcp-home-" }) });
  const cwd = path.join(tmp, "work");
  await fs.mkdir(cwd);
  const { thread } = await client.request("thread/start", {
    cwd,
    approvalPolicy: "never",
    sandbox: "dangerFullAccess",
  });
  ({ id: threadId, path: rolloutPath } = thread);
});

let turns = 0;
/**
 * Runs one turn in which the model calls the hostile tools `calls` in order (one per request); resolves with the
 * turn's messages and the outputs the model got back, by call id.
 */
async function turn(calls: { tool: string; args?: Record<string, unknown> }[]) {
  const n = ++turns;
  const ids = calls.map((_, i) => `call_${n}_${i}`);
  for (const [i, call] of calls.entries())
    suite.mock.enqueue(
      responses.turn(responses.functionCall(`mcp__h__${call.tool}`, call.args ?? {}, ids[i])),
    );
  const fromMessage = client.messages.length;
  const fromRequest = suite.mock.requests.length;
  await client.request("turn/start", { threadId, input: [{ type: "text", text: `turn ${n}` }] });
  const completed = await client.waitFor(
    (m) => m.method === "turn/completed" && client.messages.indexOf(m) >= fromMessage,
    `turn/completed of turn ${n}`,
  );
  const messages = client.messages.slice(fromMessage);
  const outputs = new Map<string, string>();
  for (const r of suite.mock.requests.slice(fromRequest)) {
    for (const item of (r.body as { input: Record<string, unknown>[] }).input) {
      if (item.type === "function_call_output" && ids.includes(String(item.call_id)))
        outputs.set(String(item.call_id), String(item.output));
    }
  }
  return { completed, messages, outputs, ids };
}

const completedItem = (messages: Message[], id: string) =>
  messages.find((m) => m.method === "item/completed" && (m.params as { item: { id: string } }).item.id === id)
    ?.params as { item: Record<string, unknown> } | undefined;

const pids = async () => (await fs.readFile(pidFile, "utf8")).split("\n").filter(Boolean);

describe("a hostile MCP server", () => {
  it("structuredContent nested 100,000 levels fails that call; the item and turn/completed still arrive", {
    timeout: 60_000,
  }, async () => {
    const { completed, messages, outputs, ids } = await turn([{ tool: "deep" }]);
    expect((completed.params as { turn: { status: string } }).turn.status).toBe("completed");
    expect(completedItem(messages, ids[0]!)?.item).toMatchObject({ type: "mcpToolCall", status: "failed" });
    expect(outputs.get(ids[0]!)).toBe(
      'err: "tool call error: MCP error -32603: MCP server sent a message nested deeper than 128 levels"',
    );
  });

  it("a 100 MiB result fails that call and the same server process answers the next one", {
    timeout: 60_000,
  }, async () => {
    const [pid] = await pids();
    const { completed, outputs, ids } = await turn([{ tool: "huge" }, { tool: "ok" }]);
    expect((completed.params as { turn: { status: string } }).turn.status).toBe("completed");
    expect(outputs.get(ids[0]!)).toMatch(
      /MCP server sent a message of \d+ bytes, over the 16777216-byte limit/,
    );
    expect(outputs.get(ids[1]!)).toBe(JSON.stringify([{ text: `ok ${pid}`, type: "text" }]));
  });

  it("a 9 MiB result reaches the client, the rollout and the model cut to 1 MiB", {
    timeout: 60_000,
  }, async () => {
    const { messages, outputs, ids } = await turn([{ tool: "big" }]);
    const item = completedItem(messages, ids[0]!)?.item;
    expect(item).toMatchObject({ type: "mcpToolCall", status: "completed" });
    const json = JSON.stringify(item);
    expect(json.length).toBeLessThan(1024 * 1024 + 4096);
    expect(json).toContain("tool output cut: 9437");
    // The model's copy is cut further, to Codex's 10 KiB.
    expect(outputs.get(ids[0]!)!.length).toBeLessThan(12 * 1024);
    const longest = Math.max(...(await fs.readFile(rolloutPath, "utf8")).split("\n").map((l) => l.length));
    expect(longest).toBeLessThan(1024 * 1024 + 4096);
  });

  it("a flood of 50,000 progress and 50,000 log notifications reaches the client throttled", {
    timeout: 120_000,
  }, async () => {
    const started = Date.now();
    const { completed, messages, outputs, ids } = await turn([{ tool: "flood" }]);
    const seconds = (Date.now() - started) / 1000;
    expect((completed.params as { turn: { status: string } }).turn.status).toBe("completed");
    expect(outputs.get(ids[0]!)).toBe(JSON.stringify([{ text: "flooded", type: "text" }]));
    const progress = messages.filter((m) => m.method === "item/mcpToolCall/progress");
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.length).toBeLessThanOrEqual(10 + Math.ceil(seconds * 10) + 1);
    // The latest value is the last one shown.
    expect(progress.at(-1)?.params).toEqual({ itemId: ids[0], message: "step 50000" });
  });

  it("a server that dies is restarted on next use", { timeout: 60_000 }, async () => {
    const before = await pids();
    const { completed, outputs, ids } = await turn([{ tool: "die" }, { tool: "ok" }]);
    expect((completed.params as { turn: { status: string } }).turn.status).toBe("completed");
    expect(outputs.get(ids[0]!)).toMatch(/^err: "tool call error: /);
    const after = await pids();
    expect(after.length).toBe(before.length + 1);
    expect(outputs.get(ids[1]!)).toBe(JSON.stringify([{ text: `ok ${after.at(-1)}`, type: "text" }]));
  });

  it("the app server's peak RSS stayed under 300 MB through all of it", () => {
    expectPeakRssBelow(client, "through the hostile MCP server");
  });
});
