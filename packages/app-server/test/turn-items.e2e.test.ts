import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import {
  expectTurnOrder,
  expectWireShapes,
  type Item,
  type Message,
  responses,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * v2 notifications for every ThreadItem kind the runtime produces through the built CLI against the mock model
 * server, validated against 0.58.0's wire schema and checked for the order the schema implies.
 */
const suite = useAppServerSuite();
const start = async () => suite.start({ home: await suite.home({ prefix: "codex-e2e-items-" }) });
const itemOf = (m: Message) => (m.params as { item: Item }).item;

describe("v2 items through the real runtime", () => {
  it("reasoning, plan, command with output deltas, approved patch and agent message, in schema order", {
    timeout: 90_000,
  }, async () => {
    const cwd = await suite.workdir();
    const patch = "*** Begin Patch\n*** Add File: notes.txt\n+hello notes\n*** End Patch\n";
    suite.mock.enqueue(
      responses.turn(
        responses.reasoning("Thinking about the task."),
        responses.functionCall(
          "update_plan",
          {
            plan: [
              { step: "look around", status: "in_progress" },
              { step: "write notes", status: "pending" },
            ],
          },
          "call_plan1",
        ),
      ),
      responses.turn(responses.functionCall("shell", { command: ["echo", "hello world"] }, "call_echo")),
      responses.turn(responses.functionCall("apply_patch", { input: patch }, "call_patch")),
      responses.turn(
        responses.functionCall(
          "update_plan",
          {
            plan: [
              { step: "look around", status: "completed" },
              { step: "write notes", status: "completed" },
            ],
          },
          "call_plan2",
        ),
      ),
      responses.turn(responses.message("All written.")),
    );
    const c = await start();
    const thread = (
      await c.request("thread/start", { cwd, approvalPolicy: "unlessTrusted", sandbox: "workspaceWrite" })
    ).thread as { id: string };
    const turn = (
      await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "write notes" }] })
    ).turn as { id: string };

    const approval = await c.waitFor((m) => m.method === "applyPatchApproval", "applyPatchApproval");
    expect(approval.params).toMatchObject({ conversationId: thread.id, callId: "call_patch" });
    c.answer(approval, { decision: "approved" });
    const done = await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    expect(await fs.readFile(path.join(cwd, "notes.txt"), "utf8")).toBe("hello notes\n");

    expectWireShapes(c.messages);
    expectTurnOrder(c.messages);
    const completed = c.messages.filter((m) => m.method === "item/completed").map(itemOf);
    const kinds = completed.map((i) => i.type);
    for (const kind of ["reasoning", "todoList", "commandExecution", "fileChange", "agentMessage"])
      expect(kinds, kind).toContain(kind);
    expect(completed.find((i) => i.type === "reasoning")).toMatchObject({ text: "Thinking about the task." });
    const command = completed.find((i) => i.type === "commandExecution");
    expect(command).toMatchObject({
      id: "call_echo",
      command: "echo 'hello world'",
      status: "completed",
      exit_code: 0,
    });
    expect(String(command?.aggregated_output)).toContain("hello world");
    const output = c.messages
      .filter((m) => m.method === "item/commandExecution/outputDelta")
      .map((m) => m.params as { itemId: string; delta: string });
    expect(output.every((d) => d.itemId === "call_echo")).toBe(true);
    expect(output.map((d) => d.delta).join("")).toContain("hello world");
    expect(completed.find((i) => i.type === "fileChange")).toEqual({
      type: "fileChange",
      id: "call_patch",
      changes: [{ path: path.join(cwd, "notes.txt"), kind: "add", diff: "hello notes\n" }],
      status: "completed",
    });
    expect(completed.filter((i) => i.type === "todoList")).toEqual([
      {
        type: "todoList",
        id: expect.any(String),
        items: [
          { id: expect.any(String), text: "look around", completed: true },
          { id: expect.any(String), text: "write notes", completed: true },
        ],
      },
    ]);
    const message = completed.find((i) => i.type === "agentMessage");
    expect(message).toMatchObject({ text: "All written." });
    const deltas = c.messages
      .filter((m) => m.method === "item/agentMessage/delta")
      .map((m) => m.params as { itemId: string; delta: string });
    expect(deltas.map((d) => d.delta).join("")).toBe("All written.");
    expect(deltas.every((d) => d.itemId === message?.id)).toBe(true);

    const final = done.params as {
      turn: { id: string; status: string; error: unknown; items: Item[] };
      usage: Record<string, number>;
    };
    expect(final.turn).toMatchObject({ id: turn.id, status: "completed", error: null });
    // The turn lists the user's input once, then each item in completion order.
    expect(final.turn.items.map((i) => i.type)).toEqual([
      "userMessage",
      "reasoning",
      "commandExecution",
      "fileChange",
      "agentMessage",
      "todoList",
    ]);
    expect(final.usage).toEqual({ inputTokens: 50, cachedInputTokens: 0, outputTokens: 25 });
    expect(existsSync(path.join(cwd, "notes.txt"))).toBe(true);
    expect((await c.close()).code).toBe(0);
  });

  it("a model error fails the turn: turn/completed carries status failed and the error", {
    timeout: 90_000,
  }, async () => {
    const cwd = await suite.workdir();
    suite.mock.enqueue({
      kind: "sse",
      events: [responses.created(), responses.failed("model overloaded: try later")],
    });
    const c = await start();
    const thread = (await c.request("thread/start", { cwd })).thread as { id: string };
    const turn = (
      await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "hi" }] })
    ).turn as { id: string };
    const done = await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    expectWireShapes(c.messages);
    expectTurnOrder(c.messages);
    const final = done.params as { turn: Record<string, unknown>; usage: unknown };
    expect(final.turn).toMatchObject({ id: turn.id, status: "failed" });
    expect(String((final.turn.error as { message: string }).message)).toContain(
      "model overloaded: try later",
    );
    expect(final.usage).toEqual({ inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 });

    // The thread stays usable: the next turn completes normally and reports its own usage only.
    suite.mock.enqueue(responses.turn(responses.message("Back.")));
    c.messages.length = 0;
    await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "again" }] });
    const next = await c.waitFor((m) => m.method === "turn/completed", "second turn/completed");
    expectTurnOrder(c.messages);
    expect(next.params).toMatchObject({
      turn: { status: "completed", error: null },
      usage: { inputTokens: 10, cachedInputTokens: 0, outputTokens: 5 },
    });
    expect((await c.close()).code).toBe(0);
  });

  it("an HTTP error from the model fails the turn with the provider's message", {
    timeout: 90_000,
  }, async () => {
    const cwd = await suite.workdir();
    suite.mock.enqueue({
      kind: "http",
      status: 400,
      body: JSON.stringify({ error: { message: "Unsupported model", type: "invalid_request_error" } }),
      headers: { "content-type": "application/json" },
    });
    const c = await start();
    const thread = (await c.request("thread/start", { cwd })).thread as { id: string };
    await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "hi" }] });
    const done = await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    expectWireShapes(c.messages);
    expectTurnOrder(c.messages);
    const turn = (done.params as { turn: { status: string; error: { message: string } | null } }).turn;
    expect(turn.status).toBe("failed");
    expect(turn.error?.message).toContain("Unsupported model");
    expect((await c.close()).code).toBe(0);
  });
});
