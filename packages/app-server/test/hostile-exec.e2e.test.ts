import {
  errorOf,
  expectPeakRssBelow,
  type Item,
  responses,
  type TestAppServer,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * Commands that print without end, run too long or cannot start, through the built `codex app-server` (issue 14
 * rows 2 and 12, issue 21 row 4): each is answered, the server keeps serving, and its peak RSS stays bounded.
 */
const suite = useAppServerSuite();

const FULL_ACCESS = { mode: "danger-full-access" } as const;
/** 600 MB on stdout, then a last line that must survive as the kept tail. */
const PRINT_600_MB = "head -c 600000000 /dev/zero | tr '\\0' a; echo; echo last-line";

/** The server still answers, and its peak RSS so far is within the limit. */
async function healthy(c: TestAppServer, what: string) {
  expect(await c.request("getUserAgent")).toMatchObject({ userAgent: expect.any(String) });
  expectPeakRssBelow(c, what);
}

describe("execOneOffCommand against hostile commands", () => {
  it("a command printing 600 MB is answered with each stream cut to 1 MiB (head and tail); peak RSS < 300 MB", {
    timeout: 60_000,
  }, async () => {
    const c = await suite.start();
    const cwd = await suite.workdir("codex-hostile-cwd-");
    const { exitCode, stdout, stderr } = await c.request("execOneOffCommand", {
      command: ["sh", "-c", PRINT_600_MB],
      cwd,
      sandboxPolicy: FULL_ACCESS,
      timeoutMs: 60_000,
    });
    expect(exitCode).toBe(0);
    expect(stderr).toBe("");
    expect(stdout.startsWith("aaaa")).toBe(true);
    expect(stdout.endsWith("\nlast-line\n")).toBe(true);
    expect(stdout).toMatch(
      /\[\.\.\. \d+ bytes of output dropped: over the 1048576-byte capture limit \.\.\.\]/,
    );
    expect(stdout.length).toBeLessThan(1024 * 1024 + 200);
    await healthy(c, "after 600 MB");
    expect((await c.close()).code).toBe(0);
  });

  it("`yes` with a 2 s timeout is a timeout error, not a crash", { timeout: 30_000 }, async () => {
    const c = await suite.start();
    const error = await errorOf(
      c.request("execOneOffCommand", { command: ["yes"], sandboxPolicy: FULL_ACCESS, timeoutMs: 2000 }),
    );
    expect(error).toEqual({ code: -32603, message: "exec failed: sandbox error: command timed out" });
    await healthy(c, "after yes");
    expect((await c.close()).code).toBe(0);
  });

  it("timeoutMs 0 times out at once (it ran forever); 3e9 is clamped instead of overflowing to 1 ms", {
    timeout: 20_000,
  }, async () => {
    const c = await suite.start();
    const started = Date.now();
    const zero = await errorOf(
      c.request("execOneOffCommand", { command: ["sleep", "30"], sandboxPolicy: FULL_ACCESS, timeoutMs: 0 }),
    );
    expect(zero).toEqual({ code: -32603, message: "exec failed: sandbox error: command timed out" });
    expect(Date.now() - started).toBeLessThan(10_000);
    const huge = await c.request("execOneOffCommand", {
      command: ["sh", "-c", "sleep 0.3; echo done"],
      sandboxPolicy: FULL_ACCESS,
      timeoutMs: 3_000_000_000,
    });
    expect(huge).toEqual({ exitCode: 0, stdout: "done\n", stderr: "" });
    expect((await c.close()).code).toBe(0);
  });
});

/** Runs one v2 turn whose model calls `shell` with `args`; returns the turn's notifications and the next request. */
async function shellTurn(c: TestAppServer, args: Record<string, unknown>, callId: string) {
  const cwd = await suite.workdir("codex-hostile-cwd-");
  suite.mock.enqueue(responses.turn(responses.functionCall("shell", args, callId)));
  const first = suite.mock.requests.length;
  const { thread } = await c.request("thread/start", {
    cwd,
    approvalPolicy: "never",
    sandbox: "dangerFullAccess",
  });
  await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "go" }] });
  const completed = await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
  const followUp = suite.mock.requests[first + 1]?.body as { input: Record<string, unknown>[] } | undefined;
  const output = followUp?.input.find(
    (i) => i.type === "function_call_output" && i.call_id === callId,
  )?.output;
  const ended = c.messages.find(
    (m) => m.method === "item/completed" && (m.params as { item: Item }).item.id === callId,
  );
  return { completed, output: output as string | undefined, ended };
}

describe("the model's shell calls against hostile commands", () => {
  it("a shell call printing 600 MB ends with bounded output; the turn completes; peak RSS < 300 MB", {
    timeout: 90_000,
  }, async () => {
    const c = await suite.start();
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
    await healthy(c, "after a 600 MB shell call");
    expect((await c.close()).code).toBe(0);
  });

  it("a shell call whose arguments are over the kernel's limit (E2BIG) fails that call; the turn goes on", {
    timeout: 60_000,
  }, async () => {
    const c = await suite.start();
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
        (m) => m.method === "item/completed" && (m.params as { item: Item }).item.type === "agentMessage",
      ),
    ).toBe(true);
    await healthy(c, "after E2BIG");
    expect((await c.close()).code).toBe(0);
  });
});
