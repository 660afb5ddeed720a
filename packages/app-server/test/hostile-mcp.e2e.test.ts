import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type MockModelServer, responses, startMockModelServer } from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppServerClient, type Message } from "./helpers/client.js";
import { mockCodexHome } from "./helpers/mock-home.js";
import { PEAK_RSS_LIMIT_MIB, peakRssMiB } from "./helpers/proc-stats.js";
import { stopServer } from "./helpers/stop-server.js";

/**
 * A misbehaving stdio MCP server behind the built `codex app-server` (issue 21 rows 1, 6 and 8): a result nested
 * 100,000 levels, a 100 MiB result, a 9 MiB one, a flood of progress and log notifications, a server that dies.
 * Each call that breaks a limit fails alone; every turn ends with `turn/completed`; the server process survives
 * (or is restarted) and the app server's peak RSS stays under 300 MB through all of it.
 */
const HOSTILE = fileURLToPath(new URL("../../core/test/fixtures/hostile-mcp-server.mjs", import.meta.url));

let mock: MockModelServer;
let tmp: string;
let pidFile: string;
let codexHome: string;
let client: AppServerClient;
let threadId: string;
let rolloutPath: string;

beforeAll(async () => {
  mock = await startMockModelServer([]);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "codex-hostile-mcp-"));
  pidFile = path.join(tmp, "pids");
  const toml = [
    "[mcp_servers.h]",
    `command = ${JSON.stringify(process.execPath)}`,
    `args = [${JSON.stringify(HOSTILE)}]`,
    "tool_timeout_sec = 60",
    `env = { HOSTILE_PID_FILE = ${JSON.stringify(pidFile)} }`,
  ].join("\n");
  codexHome = await mockCodexHome(mock.baseUrl, { toml, prefix: "codex-hostile-mcp-home-" });
  client = await AppServerClient.start({ codexHome });
  await client.initialize();
  const cwd = path.join(tmp, "work");
  await fs.mkdir(cwd);
  const started = await client.call("thread", "thread/start", {
    cwd,
    approvalPolicy: "never",
    sandbox: "dangerFullAccess",
  });
  ({ id: threadId, path: rolloutPath } = (started.result as { thread: { id: string; path: string } }).thread);
});
afterAll(async () => {
  if (client) await stopServer(client);
  await mock.close();
  await fs.rm(tmp, { recursive: true, force: true });
  if (codexHome) await fs.rm(codexHome, { recursive: true, force: true });
}, 60_000);

let turns = 0;
/**
 * Runs one turn in which the model calls the hostile tools `calls` in order (one per request); resolves with the
 * turn's messages and the outputs the model got back, by call id.
 */
async function turn(calls: { tool: string; args?: Record<string, unknown> }[]) {
  const n = ++turns;
  const ids = calls.map((_, i) => `call_${n}_${i}`);
  for (const [i, call] of calls.entries())
    mock.enqueue(responses.turn(responses.functionCall(`mcp__h__${call.tool}`, call.args ?? {}, ids[i])));
  const fromMessage = client.messages.length;
  const fromRequest = mock.requests.length;
  await client.call(`turn-${n}`, "turn/start", { threadId, input: [{ type: "text", text: `turn ${n}` }] });
  const completed = await client.waitFor(
    (m) => m.method === "turn/completed" && client.messages.indexOf(m) >= fromMessage,
    `turn/completed of turn ${n}`,
  );
  const messages = client.messages.slice(fromMessage);
  const outputs = new Map<string, string>();
  for (const r of mock.requests.slice(fromRequest)) {
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
    const peak = peakRssMiB(client.child.pid);
    if (process.env.SHOW_RSS) console.log(`peak RSS: ${peak} MiB`);
    if (peak !== null) expect(peak).toBeLessThan(PEAK_RSS_LIMIT_MIB);
  });
});
