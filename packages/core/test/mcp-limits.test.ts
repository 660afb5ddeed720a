import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { McpServerConfig } from "@codex-ts/config-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  limitCallToolResult,
  MCP_JSON_MAX_DEPTH,
  MCP_MAX_RESTARTS,
  MCP_RESULT_MAX_BYTES,
  McpConnectionManager,
  type McpProgress,
  nestedDeeperThan,
  throttleLatest,
} from "../src/index.js";
import { MessageLineSplitter, TopLevelIdScanner } from "../src/mcp/message-lines.js";

/**
 * MCP results and notifications bounded before they reach anything else (issue 21 rows 1, 6, 8), against a real
 * stdio server that misbehaves on purpose (fixtures/hostile-mcp-server.mjs).
 */
const HOSTILE = fileURLToPath(new URL("./fixtures/hostile-mcp-server.mjs", import.meta.url));

let dir: string;
let pidFile: string;
let manager: McpConnectionManager;

function hostileConfig(): Record<string, McpServerConfig> {
  return {
    h: {
      transport: {
        type: "stdio",
        command: process.execPath,
        args: [HOSTILE],
        envVars: [],
        env: { HOSTILE_PID_FILE: pidFile },
      },
      enabled: true,
      toolTimeoutSec: 20,
    },
  };
}

const pids = async () => (await readFile(pidFile, "utf8")).split("\n").filter(Boolean).map(Number);
const text = (r: { content: unknown[] }) => (r.content[0] as { text: string }).text;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "codex-mcp-limits-"));
  pidFile = join(dir, "pids");
  manager = await McpConnectionManager.start(hostileConfig());
  expect(manager.failures).toEqual([]);
});
afterAll(async () => {
  await manager?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("a hostile stdio MCP server", () => {
  it("a result nested 100,000 levels fails that call only; the server keeps answering", async () => {
    await expect(manager.callTool("h", "deep", {})).rejects.toThrow(
      `nested deeper than ${MCP_JSON_MAX_DEPTH} levels`,
    );
    expect(text(await manager.callTool("h", "ok", {}))).toMatch(/^ok \d+$/);
  });

  it("a 100 MiB result fails that call without killing the connection; a 9 MiB one comes back cut to 1 MiB", {
    timeout: 60_000,
  }, async () => {
    const [first] = await pids();
    await expect(manager.callTool("h", "huge", {})).rejects.toThrow(/over the 16777216-byte limit/);
    // The same process still answers: the connection survived.
    expect(text(await manager.callTool("h", "ok", {}))).toBe(`ok ${first}`);
    const big = await manager.callTool("h", "big", {});
    const size = Buffer.byteLength(JSON.stringify(big));
    expect(size).toBeLessThanOrEqual(MCP_RESULT_MAX_BYTES);
    expect(size).toBeGreaterThan(MCP_RESULT_MAX_BYTES - 4096);
    expect(text(big)).toMatch(
      /^x+\n\[\.\.\. tool output cut: \d+ bytes is over the 1048576-byte limit \.\.\.\]\nx+$/,
    );
  });

  it("a flood of progress and log notifications reaches the callback throttled, the latest value last", {
    timeout: 60_000,
  }, async () => {
    const seen: McpProgress[] = [];
    const started = Date.now();
    const result = await manager.callTool("h", "flood", { n: 20_000 }, undefined, (p) => seen.push(p));
    const seconds = (Date.now() - started) / 1000;
    expect(text(result)).toBe("flooded");
    // A burst of 10, then at most 10 a second, plus the held-back latest value at the end.
    expect(seen.length).toBeLessThanOrEqual(10 + Math.ceil(seconds * 10) + 1);
    expect(seen.at(-1)).toEqual({ progress: 20_000, total: 20_000, message: "step 20000" });
    expect(seen.slice(0, 3).map((p) => p.progress)).toEqual([1, 2, 3]);
  });

  it("a server that dies is restarted on next use, at most MCP_MAX_RESTARTS times, then reported as such", {
    timeout: 60_000,
  }, async () => {
    for (let i = 0; i < MCP_MAX_RESTARTS; i++) {
      await expect(manager.callTool("h", "die", {})).rejects.toThrow();
      const all = await pids();
      // The next call starts a new process and is answered by it.
      expect(text(await manager.callTool("h", "ok", {}))).toMatch(/^ok \d+$/);
      const now = await pids();
      expect(now.length).toBe(all.length + 1);
      expect(text(await manager.callTool("h", "ok", {}))).toBe(`ok ${now.at(-1)}`);
    }
    await expect(manager.callTool("h", "die", {})).rejects.toThrow();
    await expect(manager.callTool("h", "ok", {})).rejects.toThrow(
      `MCP server 'h' exited and was already restarted ${MCP_MAX_RESTARTS} times`,
    );
  });
});

describe("limitCallToolResult", () => {
  it("keeps a result within the limit as it is", () => {
    const r = { content: [{ type: "text", text: "hi" }], structuredContent: { a: 1 }, isError: false };
    expect(limitCallToolResult(r)).toBe(r);
  });

  it("drops structuredContent, cuts text in the middle and replaces other items that do not fit", () => {
    const image = { type: "image", data: "A".repeat(3000), mimeType: "image/png" };
    const r = {
      content: [{ type: "text", text: `${"a".repeat(5000)}${"b".repeat(5000)}` }, image],
      structuredContent: { big: "s".repeat(5000) },
    };
    const cut = limitCallToolResult(r, 4000);
    expect(Buffer.byteLength(JSON.stringify(cut))).toBeLessThanOrEqual(4000);
    expect(cut.structuredContent).toBeUndefined();
    const [first, second] = cut.content as { type: string; text: string }[];
    expect(first!.text.startsWith("aaa")).toBe(true);
    expect(first!.text.endsWith("bbb")).toBe(true);
    expect(first!.text).toContain("tool output cut");
    // No room was left for the image: it is named, not kept.
    expect(second).toEqual({
      type: "text",
      text: expect.stringMatching(/^\[image item of 3049 bytes left out/),
    });
    const withRoom = limitCallToolResult(
      { content: [image, { type: "text", text: "t".repeat(9000) }] },
      2000,
    );
    expect((withRoom.content[0] as { text: string }).text).toMatch(/^\[image item of \d+ bytes left out/);
  });

  it("refuses a result nested too deep, checked without recursion", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(nestedDeeperThan(deep, MCP_JSON_MAX_DEPTH)).toBe(true);
    expect(nestedDeeperThan({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(nestedDeeperThan({ a: [{ b: {} }] }, 3)).toBe(true);
    expect(() => limitCallToolResult({ content: [], structuredContent: deep })).toThrow(/nested deeper/);
  });
});

describe("MessageLineSplitter and TopLevelIdScanner", () => {
  it("passes lines within the limit and reports a longer one with its top-level id, wherever the id is", () => {
    const events: unknown[] = [];
    const s = new MessageLineSplitter(64, (e) => events.push(e));
    const long = `{"result":{"content":[{"text":"${"x".repeat(200)}","id":9}]},"jsonrpc":"2.0","id":42}`;
    // Fed in small pieces, across line boundaries.
    const withStringId = `{"jsonrpc":"2.0","id":"s\\"1","result":"${"y".repeat(100)}"}`;
    const stream = Buffer.from(`{"a":1}\n${long}\r\n${withStringId}\n{"b":2}\n`);
    for (let i = 0; i < stream.length; i += 7) s.push(stream.subarray(i, i + 7));
    expect(events).toEqual([
      { kind: "line", text: '{"a":1}' },
      { kind: "oversize", bytes: long.length + 1, id: 42 },
      { kind: "oversize", bytes: withStringId.length, id: 's"1' },
      { kind: "line", text: '{"b":2}' },
    ]);
  });

  it("finds no id in a notification, and ignores ids nested inside the value", () => {
    const scan = (json: string) => {
      const s = new TopLevelIdScanner();
      s.feed(Buffer.from(json));
      return s.id;
    };
    expect(scan('{"method":"x","params":{"id":5}}')).toBeUndefined();
    expect(scan('{"id" : 7 , "x":[{"id":1}]}')).toBe(7);
    expect(scan('{"x":"\\"id\\":3","id":null}')).toBeUndefined();
  });
});

describe("throttleLatest", () => {
  it("delivers a burst, then holds only the latest value until the rate allows or flush", async () => {
    const got: number[] = [];
    const t = throttleLatest<number>((v) => got.push(v), 3, 20);
    for (let i = 1; i <= 100; i++) t(i);
    expect(got).toEqual([1, 2, 3]);
    await new Promise((r) => setTimeout(r, 120));
    expect(got.at(-1)).toBe(100);
    expect(got.length).toBe(4);
    t(101);
    t(102);
    t.flush();
    expect(got.at(-1)).toBe(102);
  });
});
