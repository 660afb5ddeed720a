import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import {
  expectTurnOrder,
  expectWireShapes,
  type Item,
  type MockModelServer,
  responses,
  type TestAppServer,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * Approvals and shutdown through the built CLI with the real runtime: the client's decision (or its error, or an
 * interrupt while it is thinking) decides whether the command runs, and no request is left pending.
 */
const suite = useAppServerSuite();

/** A server of its own per test (its own model script and CODEX_HOME), initialized. */
async function start(): Promise<{ c: TestAppServer; mock: MockModelServer }> {
  const mock = await suite.newMock();
  const c = await suite.start({ home: await suite.home({ mock, prefix: "codex-e2e-approvals-" }) });
  return { c, mock };
}

const workdir = () => suite.workdir();

/** A v2 thread whose next turn asks to run `touch <file>` (untrusted, so it needs approval). */
async function threadAskingToTouch(
  { c, mock }: { c: TestAppServer; mock: MockModelServer },
  cwd: string,
  file: string,
  callId: string,
) {
  mock.enqueue(
    // The follow-up request after the call gets the mock's default answer.
    responses.turn(responses.functionCall("shell", { command: ["touch", file] }, callId)),
  );
  const thread = (
    await c.request("thread/start", { cwd, approvalPolicy: "unlessTrusted", sandbox: "workspaceWrite" })
  ).thread as { id: string };
  const turn = (
    await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: `touch ${file}` }] })
  ).turn as { id: string };
  const approval = await c.waitFor(
    (m) => m.method === "execCommandApproval" && (m.params as { callId: string }).callId === callId,
    `execCommandApproval for ${callId}`,
  );
  return { thread, turn, approval };
}

/** What the model was told about a call on its follow-up request. */
function outputSentFor(mock: MockModelServer, callId: string): string | undefined {
  for (const r of [...mock.requests].reverse()) {
    const input = (r.body as { input?: { type: string; call_id?: string; output?: string }[] }).input ?? [];
    const out = input.find((i) => i.type === "function_call_output" && i.call_id === callId);
    if (out) return String(out.output);
  }
  return undefined;
}

describe("approvals through the real runtime", () => {
  it("a denied command is not run; the model hears it was rejected and the turn completes", {
    timeout: 90_000,
  }, async () => {
    const cwd = await workdir();
    const server = await start();
    const { c, mock } = server;
    const { approval } = await threadAskingToTouch(server, cwd, "denied.txt", "call_denied");
    c.answer(approval, { decision: "denied" });
    const done = await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    expect((done.params as { turn: { status: string } }).turn.status).toBe("completed");
    expect(existsSync(path.join(cwd, "denied.txt"))).toBe(false);
    expect(outputSentFor(mock, "call_denied")).toMatch(/rejected/i);
    // The command's item ends failed with the rejection as its output, and nothing ran.
    const items = c.messages
      .filter((m) => m.method === "item/completed")
      .map((m) => (m.params as { item: Item }).item);
    expect(items.find((i) => i.id === "call_denied")).toMatchObject({
      type: "commandExecution",
      command: "touch denied.txt",
      status: "failed",
      aggregated_output: "exec command rejected by user",
    });
    expect(c.messages.some((m) => m.method === "item/commandExecution/outputDelta")).toBe(false);
    expectWireShapes(c.messages);
    expectTurnOrder(c.messages);
    expect((await c.close()).code).toBe(0);
  });

  it("a JSON-RPC error answer counts as denied and leaves nothing pending", { timeout: 90_000 }, async () => {
    const cwd = await workdir();
    const server = await start();
    const { c, mock } = server;
    const { thread, approval } = await threadAskingToTouch(server, cwd, "errored.txt", "call_err");
    c.answerError(approval, { code: -32000, message: "client cannot decide" });
    await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    expect(existsSync(path.join(cwd, "errored.txt"))).toBe(false);
    expect(outputSentFor(mock, "call_err")).toMatch(/rejected/i);

    // A second approval on the same thread gets a fresh request id and is honoured.
    mock.enqueue(
      responses.turn(responses.functionCall("shell", { command: ["touch", "second.txt"] }, "call_second")),
      responses.turn(responses.message("Second done.")),
    );
    c.messages.length = 0;
    await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "again" }] });
    const next = await c.waitFor((m) => m.method === "execCommandApproval", "second approval");
    expect(next.id).not.toBe(approval.id);
    c.answer(next, { decision: "approved" });
    await c.waitFor((m) => m.method === "turn/completed", "second turn/completed");
    expect(existsSync(path.join(cwd, "second.txt"))).toBe(true);
    // The error answer was consumed: the server asked nothing else and shuts down at once.
    expect(c.messages.filter((m) => m.method === "execCommandApproval")).toHaveLength(1);
    expect((await c.close()).code).toBe(0);
  });

  it("turn/interrupt while an approval is pending: turn/completed interrupted, a late answer runs nothing", {
    timeout: 90_000,
  }, async () => {
    const cwd = await workdir();
    const server = await start();
    const { c, mock } = server;
    const { thread, turn, approval } = await threadAskingToTouch(server, cwd, "late.txt", "call_late");
    expect(await c.request("turn/interrupt", { threadId: thread.id, turnId: turn.id })).toEqual({});
    const done = await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    expect((done.params as { turn: Record<string, unknown> }).turn).toMatchObject({
      id: turn.id,
      status: "interrupted",
      error: null,
    });
    // The command's item, started before the approval was asked, is closed as failed before the turn ends.
    expectWireShapes(c.messages);
    expectTurnOrder(c.messages);
    const command = c.messages.find(
      (m) => m.method === "item/completed" && (m.params as { item: Item }).item.id === "call_late",
    );
    expect(command?.params).toMatchObject({ item: { status: "failed", exit_code: null } });
    // The abandoned request's late answer is ignored; the thread goes on with a fresh turn.
    c.answer(approval, { decision: "approved" });
    mock.enqueue(responses.turn(responses.message("Fresh.")));
    c.messages.length = 0;
    await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "next" }] });
    const next = await c.waitFor((m) => m.method === "turn/completed", "next turn/completed");
    expect((next.params as { turn: { status: string } }).turn.status).toBe("completed");
    expect(existsSync(path.join(cwd, "late.txt"))).toBe(false);
    expect((await c.close()).code).toBe(0);
  });

  it("v1 interruptConversation while an approval is pending answers {abortReason: interrupted}", {
    timeout: 90_000,
  }, async () => {
    const cwd = await workdir();
    const { c, mock } = await start();
    mock.enqueue(
      responses.turn(responses.functionCall("shell", { command: ["touch", "v1.txt"] }, "call_v1")),
    );
    const created = await c.request("newConversation", {
      cwd,
      approvalPolicy: "untrusted",
      sandbox: "workspace-write",
    });
    const id = String(created.conversationId);
    await c.request("addConversationListener", { conversationId: id });
    await c.request("sendUserMessage", {
      conversationId: id,
      items: [{ type: "text", data: { text: "touch" } }],
    });
    const approval = await c.waitFor((m) => m.method === "execCommandApproval", "execCommandApproval");
    expect(await c.request("interruptConversation", { conversationId: id })).toEqual({
      abortReason: "interrupted",
    });
    const aborted = await c.waitFor((m) => m.method === "codex/event/turn_aborted", "turn_aborted");
    expect((aborted.params as { msg: unknown }).msg).toEqual({ type: "turn_aborted", reason: "interrupted" });
    c.answer(approval, { decision: "approved" });
    // The conversation still works after the abandoned approval.
    mock.enqueue(responses.turn(responses.message("Again.")));
    await c.request("sendUserMessage", {
      conversationId: id,
      items: [{ type: "text", data: { text: "hi" } }],
    });
    await c.waitFor((m) => m.method === "codex/event/task_complete", "task_complete");
    expect(existsSync(path.join(cwd, "v1.txt"))).toBe(false);
    expect((await c.close()).code).toBe(0);
  });

  it("stdin EOF during a running turn: exit 0 and a rollout whose every line parses", {
    timeout: 90_000,
  }, async () => {
    const cwd = await workdir();
    const words = Array.from({ length: 200 }, (_, i) => `word${i} `).join("");
    const { c, mock } = await start();
    mock.enqueue({
      kind: "sse",
      events: [responses.created(), ...responses.message(words, "msg_slow", 200), responses.completed()],
      delayMs: 50,
    });
    const thread = (await c.request("thread/start", { cwd })).thread as { id: string; path: string };
    await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "talk slowly" }] });
    await c.waitFor((m) => m.method === "item/agentMessage/delta", "first delta");
    const exit = await c.close();
    expect(exit).toEqual({ code: 0, signal: null });
    const text = await fs.readFile(thread.path, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const lines = text
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; payload: { type?: string } });
    expect(lines[0]?.type).toBe("session_meta");
    expect(lines.some((l) => l.type === "event_msg" && l.payload.type === "user_message")).toBe(true);
    // The in-flight turn was aborted on the way out, and the abort is on disk.
    expect(lines.some((l) => l.type === "event_msg" && l.payload.type === "turn_aborted")).toBe(true);
    // The model stream was cut short: nothing after the abort pretends the turn finished.
    expect(lines.some((l) => l.type === "event_msg" && l.payload.type === "task_complete")).toBe(false);
  });
});
