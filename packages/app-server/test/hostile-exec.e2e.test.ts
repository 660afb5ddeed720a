import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type MockModelServer, responses, startMockModelServer } from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppServerClient, type Message } from "./helpers/client.js";
import { mockCodexHome } from "./helpers/mock-home.js";
import { PEAK_RSS_LIMIT_MIB, peakRssMiB } from "./helpers/proc-stats.js";
import { stopServer } from "./helpers/stop-server.js";

/**
 * Commands that print without end, run too long or cannot start, through the built `codex app-server` (issue 14
 * rows 2 and 12, issue 21 row 4): each is answered, the server keeps serving, and its peak RSS stays bounded.
 */
let mock: MockModelServer;
const clients: AppServerClient[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  mock = await startMockModelServer([]);
});
afterAll(async () => {
  for (const c of clients) await stopServer(c);
  await mock.close();
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
}, 60_000);

async function tempDir(prefix: string): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

async function server(): Promise<AppServerClient> {
  const codexHome = await mockCodexHome(mock.baseUrl, { prefix: "codex-hostile-exec-" });
  dirs.push(codexHome);
  const c = await AppServerClient.start({ codexHome });
  clients.push(c);
  await c.initialize();
  return c;
}

const FULL_ACCESS = { mode: "danger-full-access" };
/** 600 MB on stdout, then a last line that must survive as the kept tail. */
const PRINT_600_MB = "head -c 600000000 /dev/zero | tr '\\0' a; echo; echo last-line";

/** The server still answers, and its peak RSS so far is within the limit. */
async function healthy(c: AppServerClient, id: string) {
  expect((await c.call(id, "getUserAgent")).result).toMatchObject({ userAgent: expect.any(String) });
  const peak = peakRssMiB(c.child.pid);
  if (process.env.SHOW_RSS) console.log(`peak RSS ${id}: ${peak} MiB`);
  if (peak !== null) expect(peak).toBeLessThan(PEAK_RSS_LIMIT_MIB);
}

describe("execOneOffCommand against hostile commands", () => {
  it("a command printing 600 MB is answered with each stream cut to 1 MiB (head and tail); peak RSS < 300 MB", {
    timeout: 60_000,
  }, async () => {
    const c = await server();
    const cwd = await tempDir("codex-hostile-cwd-");
    const res = await c.call(1, "execOneOffCommand", {
      command: ["sh", "-c", PRINT_600_MB],
      cwd,
      sandboxPolicy: FULL_ACCESS,
      timeoutMs: 60_000,
    });
    const { exitCode, stdout, stderr } = res.result as { exitCode: number; stdout: string; stderr: string };
    expect(exitCode).toBe(0);
    expect(stderr).toBe("");
    expect(stdout.startsWith("aaaa")).toBe(true);
    expect(stdout.endsWith("\nlast-line\n")).toBe(true);
    expect(stdout).toMatch(
      /\[\.\.\. \d+ bytes of output dropped: over the 1048576-byte capture limit \.\.\.\]/,
    );
    expect(stdout.length).toBeLessThan(1024 * 1024 + 200);
    await healthy(c, "alive");
    expect((await c.close()).code).toBe(0);
  });

  it("`yes` with a 2 s timeout is a timeout error, not a crash", { timeout: 30_000 }, async () => {
    const c = await server();
    const res = await c.call(1, "execOneOffCommand", {
      command: ["yes"],
      sandboxPolicy: FULL_ACCESS,
      timeoutMs: 2000,
    });
    expect(res.error).toEqual({ code: -32603, message: "exec failed: sandbox error: command timed out" });
    await healthy(c, "alive");
    expect((await c.close()).code).toBe(0);
  });

  it("timeoutMs 0 times out at once (it ran forever); 3e9 is clamped instead of overflowing to 1 ms", {
    timeout: 20_000,
  }, async () => {
    const c = await server();
    const started = Date.now();
    const zero = await c.call(1, "execOneOffCommand", {
      command: ["sleep", "30"],
      sandboxPolicy: FULL_ACCESS,
      timeoutMs: 0,
    });
    expect(zero.error).toEqual({ code: -32603, message: "exec failed: sandbox error: command timed out" });
    expect(Date.now() - started).toBeLessThan(10_000);
    const huge = await c.call(2, "execOneOffCommand", {
      command: ["sh", "-c", "sleep 0.3; echo done"],
      sandboxPolicy: FULL_ACCESS,
      timeoutMs: 3_000_000_000,
    });
    expect(huge.result).toEqual({ exitCode: 0, stdout: "done\n", stderr: "" });
    expect((await c.close()).code).toBe(0);
  });
});

/** Runs one v2 turn whose model calls `shell` with `args`; returns the turn's notifications and the next request. */
async function shellTurn(c: AppServerClient, args: Record<string, unknown>, callId: string) {
  const cwd = await tempDir("codex-hostile-cwd-");
  mock.enqueue(responses.turn(responses.functionCall("shell", args, callId)));
  const first = mock.requests.length;
  const thread = (
    await c.call(`start-${callId}`, "thread/start", {
      cwd,
      approvalPolicy: "never",
      sandbox: "dangerFullAccess",
    })
  ).result as { thread: { id: string } };
  await c.call(`turn-${callId}`, "turn/start", {
    threadId: thread.thread.id,
    input: [{ type: "text", text: "go" }],
  });
  const completed = await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
  const followUp = mock.requests[first + 1]?.body as { input: Record<string, unknown>[] } | undefined;
  const output = followUp?.input.find(
    (i) => i.type === "function_call_output" && i.call_id === callId,
  )?.output;
  const ended = c.messages.find(
    (m: Message) =>
      m.method === "item/completed" &&
      (m.params as { item: { type: string; id: string } }).item.id === callId,
  );
  return { completed, output: output as string | undefined, ended };
}

describe("the model's shell calls against hostile commands", () => {
  it("a shell call printing 600 MB ends with bounded output; the turn completes; peak RSS < 300 MB", {
    timeout: 90_000,
  }, async () => {
    const c = await server();
    const { completed, output, ended } = await shellTurn(
      c,
      { command: ["sh", "-c", PRINT_600_MB], timeout_ms: 60_000 },
      "call_600mb",
    );
    expect((completed.params as { turn: { status: string } }).turn.status).toBe("completed");
    // 0.58.0's v2 items are snake_case.
    expect(ended).toBeDefined();
    const item = (ended!.params as { item: { aggregated_output: string; exit_code: number } }).item;
    expect(item.exit_code).toBe(0);
    expect(item.aggregated_output.length).toBeLessThan(1024 * 1024 + 200);
    expect(item.aggregated_output.endsWith("last-line\n")).toBe(true);
    // The model gets Codex's 10 KiB cut of it.
    expect(output).toBeDefined();
    expect(output!.length).toBeLessThan(12 * 1024);
    await healthy(c, "alive");
    expect((await c.close()).code).toBe(0);
  });

  it("a shell call whose arguments are over the kernel's limit (E2BIG) fails that call; the turn goes on", {
    timeout: 60_000,
  }, async () => {
    const c = await server();
    const { completed, output } = await shellTurn(
      c,
      { command: ["echo", "x".repeat(2 * 1024 * 1024)] },
      "call_e2big",
    );
    expect((completed.params as { turn: { status: string } }).turn.status).toBe("completed");
    expect(output).toBe(
      'execution error: Io(Os { code: 7, kind: ArgumentListTooLong, message: "Argument list too long" })',
    );
    // The model's answer after the failed call was streamed: the turn went on.
    expect(
      c.messages.some(
        (m) =>
          m.method === "item/completed" &&
          (m.params as { item: { type: string } }).item.type === "agentMessage",
      ),
    ).toBe(true);
    await healthy(c, "alive");
    expect((await c.close()).code).toBe(0);
  });
});
