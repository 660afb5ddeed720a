import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  CLI_MAIN,
  errorOf,
  removeTempDirs,
  startAppServer,
  takeWireViolations,
  tempDir,
  wireIssues,
} from "../src/index.js";

const thread = { id: "t", preview: "", modelProvider: "mock", createdAt: 1, path: "/r.jsonl" };
const agentMessage = { type: "agentMessage", id: "m", text: "hi" };

describe("wireIssues (the registry check every harness client applies)", () => {
  it("passes what 0.58.0 sends", () => {
    expect(wireIssues({ method: "thread/started", params: { thread } })).toEqual([]);
    expect(wireIssues({ method: "item/completed", params: { item: agentMessage } })).toEqual([]);
    expect(wireIssues({ method: "codex/event/task_started", params: { id: "0", msg: {} } })).toEqual([]);
    expect(wireIssues({ id: 1, result: {} })).toEqual([]);
    expect(wireIssues({ error: { code: -32600, message: "x", data: { path: "p" } }, id: 1 })).toEqual([]);
    const approval = {
      conversationId: "00000000-0000-4000-8000-000000000000",
      callId: "c",
      command: ["ls"],
      cwd: "/",
      reason: null,
      risk: null,
      parsedCmd: [],
    };
    expect(wireIssues({ id: 0, method: "execCommandApproval", params: approval })).toEqual([]);
  });

  it("flags envelopes, methods, params and item keys the registry does not allow", () => {
    const issues = (m: Record<string, unknown>) => wireIssues(m).map((i) => i.slice(0, i.indexOf(":")));
    expect(issues({ jsonrpc: "2.0", id: 1, result: {} })).toEqual(["response has members jsonrpc"]);
    expect(issues({ id: 1, error: { code: "x", message: "m" } })).toEqual(['malformed error {"code"']);
    expect(issues({ method: "thread/gone", params: {} })).toEqual(["unknown notification thread/gone"]);
    expect(issues({ method: "thread/started", params: { thread: { id: 5 } } })).toEqual([
      "thread/started params do not parse",
    ]);
    expect(issues({ id: 3, method: "elicitation/create", params: {} })).toEqual([
      "unknown server request elicitation/create",
    ]);
    expect(issues({ method: "item/started", params: { item: { ...agentMessage, extra: 1 } } })).toEqual([
      "item/started",
    ]);
    expect(
      wireIssues({ method: "item/started", params: { item: { ...agentMessage, extra: 1 } } })[0],
    ).toMatch(/agentMessage item has keys extra,id,text,type, schema id,text,type/);
  });
});

describe("tempDir", () => {
  it("makes real, empty directories in the run's temp root and removes them all", async () => {
    const a = await tempDir("harness-a-");
    const b = await tempDir("harness-b-", { base: os.tmpdir() });
    expect(a).toBe(await fs.realpath(a));
    expect(path.basename(a)).toMatch(/^harness-a-/);
    expect(await fs.readdir(a)).toEqual([]);
    // The shared global setup gave this run a root of its own.
    expect(path.basename(os.tmpdir())).toMatch(/^codex-ts-tests-/);
    expect(path.dirname(a)).toBe(await fs.realpath(os.tmpdir()));
    await fs.writeFile(path.join(b, "f"), "x");
    await removeTempDirs();
    expect(existsSync(a) || existsSync(b)).toBe(false);
  });
});

/** A stand-in server that answers `initialize`, then writes what no 0.58.0 server writes. */
const MISBEHAVING = `#!${process.execPath}
const lines = require("node:readline").createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const m = JSON.parse(line);
  if (m.method !== "initialize") return;
  console.log(JSON.stringify({ id: m.id, result: { userAgent: "fake/0.0.0" } }));
  console.log("not json");
  console.log(JSON.stringify({ method: "thread/started", params: { thread: {} } }));
  console.log(JSON.stringify({ jsonrpc: "2.0", method: "turn/gone", params: {} }));
});
lines.on("close", () => process.exit(0));
`;

/** A stand-in for hostile-client tests: floods on `flood`, stops reading its input for good on `deaf`. */
const FLOODING = `#!${process.execPath}
const lines = require("node:readline").createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const m = JSON.parse(line);
  if (m.method === "initialize") console.log(JSON.stringify({ id: m.id, result: { userAgent: "fake/0.0.0" } }));
  if (m.method === "flood")
    for (let i = 0; i < 1000; i++) console.log(JSON.stringify({ method: "codex/event/tick", params: { i } }));
  if (m.method === "deaf") {
    lines.pause();
    setInterval(() => {}, 1000); // a paused input no longer keeps the process alive
  }
});
lines.on("close", () => process.exit(0));
`;

describe("the harness", () => {
  it("records and reports what breaks the registry (the shared setup fails the test with it)", async () => {
    const script = path.join(await tempDir("harness-bin-"), "fake-codex");
    await fs.writeFile(script, MISBEHAVING, { mode: 0o755 });
    const c = await startAppServer({ bin: { path: script } });
    expect(await c.initialize()).toEqual({ userAgent: "fake/0.0.0" });
    await c.waitFor((m) => m.method === "turn/gone", "the last line");
    expect(c.wireViolations).toHaveLength(4);
    const reported = takeWireViolations();
    expect(reported).toHaveLength(4);
    expect(reported[0]).toMatch(/: message does not match the protocol: .*not valid JSON/);
    expect(reported[1]).toMatch(/: thread\/started params do not parse: /);
    expect(reported[2]).toMatch(/: notification has members jsonrpc: /);
    expect(reported[3]).toMatch(/: unknown notification turn\/gone: /);
    for (const v of reported) expect(v.startsWith(`${script}: `)).toBe(true);
    // Reported once: the setup's check after this test finds nothing new.
    expect(takeWireViolations()).toEqual([]);
    expect(await c.close()).toEqual({ code: 0, signal: null });
  });

  it("the byte-level escape hatch: floods counted without being kept; a server that stops reading is reported", async () => {
    const script = path.join(await tempDir("harness-bin-"), "fake-codex");
    await fs.writeFile(script, FLOODING, { mode: 0o755 });
    const c = await startAppServer({ bin: { path: script } });
    await c.initialize();
    let ticks = 0;
    c.skipRecording((m) => m.method === "codex/event/tick");
    c.onMessage((direction, m) => {
      if (direction === "in" && m.method === "codex/event/tick") ticks++;
    });
    await c.raw.send(JSON.stringify({ method: "flood" }));
    await c.waitUntil(() => ticks === 1000, "1000 ticks");
    expect(c.messages.map((m) => c.answeredMethod(m) ?? m.method)).toEqual(["initialize"]);
    // Pieces of one line go as given; once the server stops reading, a write bigger than the pipe stalls.
    expect(await c.raw.write('{"method":')).toBe(true);
    expect(await c.raw.write('"deaf"}\n')).toBe(true);
    expect(await c.raw.write("x".repeat(1024 * 1024), 500)).toBe(false);
    expect(c.wireViolations).toEqual([]);
    expect(await c.close({ graceMs: 200 })).toEqual({ code: null, signal: "SIGTERM" });
  });

  it.skipIf(!existsSync(CLI_MAIN))(
    "drives our server: typed requests, the logs both ways, responses by method, raw lines, stderr",
    async () => {
      const c = await startAppServer();
      expect(await errorOf(c.request("getUserAgent"))).toEqual({ code: -32600, message: "Not initialized" });
      const { userAgent } = await c.initialize();
      expect(userAgent).toContain("(test-client; 1.2.3)");
      await c.request("model/list", { limit: 1 });
      expect(c.sent.map((m) => m.method)).toEqual([
        "getUserAgent",
        "initialize",
        "initialized",
        "model/list",
      ]);
      const response = c.responseTo("model/list");
      expect(response).toMatchObject({ result: { data: [{ id: "gpt-5.1-codex" }] } });
      expect(c.answeredMethod(response!)).toBe("model/list");
      expect(await c.raw.call("raw-1", "no/such", {})).toMatchObject({
        id: "raw-1",
        error: { code: -32600 },
      });
      await c.raw.send("{broken");
      await c.waitStderr("Failed to deserialize JSONRPCMessage");
      expect(c.running).toBe(true);
      expect(c.wireViolations).toEqual([]);
      expect(await c.close()).toEqual({ code: 0, signal: null });
      expect(c.running).toBe(false);
    },
  );
});
