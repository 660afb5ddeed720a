import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "@codex-ts/config-loader";
import { responses, tempDir } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type Conversation, type InputItem, SessionsStore, sandboxSupport } from "../src/index.js";
import { mockConfig, useConversationFixtures } from "./helpers/mock-conversations.js";
import { watchEvents } from "./helpers/watch-events.js";

const fx = useConversationFixtures("codex-conv");

function config(...overrides: string[]): Promise<Config> {
  const retries = ["model_providers.mock.request_max_retries=2", "model_providers.mock.stream_max_retries=1"];
  return mockConfig({
    home: fx.home,
    baseUrl: fx.mock.baseUrl,
    cwd: fx.work,
    overrides: [...retries, ...overrides],
  });
}

const watch = (c: Conversation) => watchEvents(c, { consume: true });

const text = (t: string): InputItem[] => [{ type: "text", data: { text: t } }];

describe("conversation runtime against the mock model server", () => {
  it("runs a plain turn: events, request body, rollout", async () => {
    fx.mock.enqueue(responses.turn(responses.reasoning("thinking"), responses.message("Hello there!")));
    const { conversation, sessionConfigured, rolloutPath } = await fx.manager.newConversation(await config());
    expect(sessionConfigured.model).toBe("gpt-5-codex");
    const w = watch(conversation);
    const turnId = await conversation.submit({ type: "user_input", items: text("hi") });
    const done = await w.until("task_complete");
    expect(done.id).toBe(turnId);
    expect(done.msg).toMatchObject({ last_agent_message: "Hello there!" });
    const types = w.types();
    for (const t of [
      "task_started",
      "user_message",
      "item_started",
      "agent_reasoning",
      "agent_message_delta",
      "agent_message",
      "token_count",
      "item_completed",
    ]) {
      expect(types).toContain(t);
    }
    const body = fx.mock.requests[0]!.body as Record<string, unknown>;
    expect(Object.keys(body).slice(0, 5)).toEqual(["model", "instructions", "input", "tools", "tool_choice"]);
    expect(body).toMatchObject({
      model: "gpt-5-codex",
      stream: true,
      store: false,
      prompt_cache_key: conversation.id,
    });
    const input = body.input as { content: { text: string }[] }[];
    expect(input[0]!.content[0]!.text).toContain("<environment_context>");
    expect(input.at(-1)!.content[0]!.text).toBe("hi");
    expect(fx.mock.requests[0]!.headers.conversation_id).toBe(conversation.id);
    const loaded = await new SessionsStore(fx.home).loadHistory(rolloutPath);
    expect(
      loaded.items.filter((i) => i.type === "event_msg").map((i) => (i.payload as { type: string }).type),
    ).toEqual(["user_message", "token_count", "agent_reasoning", "agent_message", "token_count"]);
  });

  it("runs a shell command that needs approval when approved, and reports a denial to the model", async () => {
    fx.mock.enqueue(
      responses.turn(
        responses.functionCall("shell", { command: ["bash", "-lc", "echo made > out.txt"] }, "call_a"),
      ),
      responses.turn(responses.message("done")),
      responses.turn(
        responses.functionCall("shell", { command: ["bash", "-lc", "echo no > denied.txt"] }, "call_b"),
      ),
      responses.turn(responses.message("ok, not running it")),
    );
    const { conversation } = await fx.manager.newConversation(
      await config("approval_policy=untrusted", "sandbox_mode=danger-full-access"),
    );
    const w = watch(conversation);
    await conversation.submit({ type: "user_input", items: text("make a file") });
    const ask = await w.until("exec_approval_request");
    expect(ask.msg).toMatchObject({
      call_id: "call_a",
      parsed_cmd: [{ type: "unknown", cmd: "echo made > out.txt" }],
    });
    expect(w.types().indexOf("exec_command_begin")).toBeLessThan(w.types().indexOf("exec_approval_request"));
    await conversation.submit({ type: "exec_approval", id: "call_a", decision: "approved" });
    const end = await w.until("exec_command_end");
    expect(end.msg).toMatchObject({ exit_code: 0 });
    await w.until("task_complete");
    expect(await readFile(join(fx.work, "out.txt"), "utf8")).toBe("made\n");
    const output = (fx.mock.requests[1]!.body as { input: { type: string; output?: string }[] }).input.at(
      -1,
    )!;
    expect(output).toMatchObject({ type: "function_call_output" });
    expect(output.output).toMatch(/^Exit code: 0\nWall time: [\d.]+ seconds\nOutput:\n/);

    await conversation.submit({ type: "user_input", items: text("another") });
    await w.until("exec_approval_request");
    await conversation.submit({ type: "exec_approval", id: "call_b", decision: "denied" });
    await w.until("task_complete");
    const denied = (fx.mock.requests[3]!.body as { input: { output?: string }[] }).input.at(-1)!;
    expect(denied.output).toBe("exec command rejected by user");
  });

  it("a denial is reported with exit code -1; an `abort` answer closes the command as rejected, then aborts the turn", async () => {
    fx.mock.enqueue(
      responses.turn(responses.functionCall("shell", { command: ["touch", "denied.txt"] }, "call_d")),
      responses.turn(responses.message("not running it")),
      responses.turn(responses.functionCall("shell", { command: ["touch", "aborted.txt"] }, "call_x")),
    );
    const { conversation } = await fx.manager.newConversation(
      await config("approval_policy=untrusted", "sandbox_mode=danger-full-access"),
    );
    const w = watch(conversation);
    await conversation.submit({ type: "user_input", items: text("touch") });
    await w.until("exec_approval_request");
    await conversation.submit({ type: "exec_approval", id: "call_d", decision: "denied" });
    const rejected = {
      stdout: "",
      stderr: "exec command rejected by user",
      aggregated_output: "exec command rejected by user",
      exit_code: -1,
      duration: { secs: 0, nanos: 0 },
      formatted_output: "exec command rejected by user",
    };
    expect((await w.until("exec_command_end")).msg).toEqual({
      type: "exec_command_end",
      call_id: "call_d",
      ...rejected,
    });
    await w.until("task_complete");

    await conversation.submit({ type: "user_input", items: text("touch again") });
    await w.until("exec_approval_request");
    await conversation.submit({ type: "exec_approval", id: "call_x", decision: "abort" });
    await w.until("turn_aborted");
    const tail = w.events.slice(-2).map((e) => e.msg);
    expect(tail).toEqual([
      { type: "exec_command_end", call_id: "call_x", ...rejected },
      { type: "turn_aborted", reason: "interrupted" },
    ]);
    await expect(readFile(join(fx.work, "aborted.txt"))).rejects.toThrow();
    await expect(readFile(join(fx.work, "denied.txt"))).rejects.toThrow();
  });

  it("applies patches, updates the plan, and runs safe commands without asking", async () => {
    await writeFile(join(fx.work, "a.txt"), "one\n");
    fx.mock.enqueue(
      responses.turn(
        responses.functionCall("update_plan", { plan: [{ step: "edit", status: "in_progress" }] }, "call_p"),
      ),
      responses.turn(
        responses.functionCall(
          "apply_patch",
          { input: "*** Begin Patch\n*** Update File: a.txt\n-one\n+two\n*** End Patch" },
          "call_ap",
        ),
      ),
      responses.turn(responses.functionCall("shell", { command: ["cat", "a.txt"] }, "call_cat")),
      responses.turn(responses.message("all done")),
    );
    const { conversation } = await fx.manager.newConversation(
      await config("approval_policy=untrusted", "sandbox_mode=danger-full-access"),
    );
    const w = watch(conversation);
    await conversation.submit({ type: "user_input", items: text("edit") });
    expect((await w.until("plan_update")).msg).toMatchObject({
      plan: [{ step: "edit", status: "in_progress" }],
    });
    const ask = await w.until("apply_patch_approval_request");
    expect(ask.msg).toMatchObject({
      call_id: "call_ap",
      changes: { [join(fx.work, "a.txt")]: { update: {} } },
    });
    await conversation.submit({ type: "patch_approval", id: "call_ap", decision: "approved" });
    expect((await w.until("patch_apply_end")).msg).toMatchObject({ success: true });
    const cat = await w.until("exec_command_end");
    expect(cat.msg).toMatchObject({ aggregated_output: "two\n" });
    await w.until("task_complete");
    expect(w.types().filter((t) => t === "exec_approval_request")).toHaveLength(0);
  });

  it("interrupts a running turn and stays usable", async () => {
    fx.mock.enqueue(
      responses.turn(responses.functionCall("shell", { command: ["sleep", "30"] }, "call_sleep")),
      responses.turn(responses.message("after interrupt")),
    );
    const { conversation, rolloutPath } = await fx.manager.newConversation(
      await config("approval_policy=never", "sandbox_mode=danger-full-access"),
    );
    const w = watch(conversation);
    await conversation.submit({ type: "user_input", items: text("wait") });
    await w.until("exec_command_begin");
    await conversation.submit({ type: "interrupt" });
    expect((await w.until("turn_aborted")).msg).toMatchObject({ reason: "interrupted" });
    await conversation.submit({ type: "user_input", items: text("again") });
    expect((await w.until("task_complete")).msg).toMatchObject({ last_agent_message: "after interrupt" });
    expect(await readFile(rolloutPath, "utf8")).toContain('"turn_aborted"');
  });

  it("retries provider errors in two layers as 0.58.0 and reports the final failure; the conversation stays usable", async () => {
    // request_max_retries=2, stream_max_retries=1 (config above).
    fx.mock.enqueue(
      // Turn one: three 500s use up the silent HTTP retries; the turn then sends the request once more.
      { kind: "http", status: 500, body: "boom" },
      { kind: "http", status: 500, body: "boom" },
      { kind: "http", status: 500, body: "boom" },
      responses.turn(responses.message("recovered")),
      // Turn two: a 400 is not re-sent by the client, but the turn retries it once, then gives up.
      { kind: "http", status: 400, body: '{"error":"bad"}' },
      { kind: "http", status: 400, body: '{"error":"bad"}' },
      responses.turn(responses.message("fine again")),
    );
    const { conversation, rolloutPath } = await fx.manager.newConversation(await config());
    const w = watch(conversation);
    const before = fx.mock.requests.length;
    await conversation.submit({ type: "user_input", items: text("one") });
    expect((await w.until("stream_error")).msg).toMatchObject({ message: "Reconnecting... 1/1" });
    expect((await w.until("task_complete")).msg).toMatchObject({ last_agent_message: "recovered" });
    expect(fx.mock.requests.length - before).toBe(4);
    expect(w.events.filter((e) => e.msg.type === "stream_error")).toHaveLength(1);
    await conversation.submit({ type: "user_input", items: text("two") });
    expect((await w.until("error")).msg).toMatchObject({
      message: 'unexpected status 400 Bad Request: {"error":"bad"}',
    });
    await w.until("task_complete");
    expect(w.events.filter((e) => e.msg.type === "stream_error")).toHaveLength(2);
    await conversation.submit({ type: "user_input", items: text("three") });
    expect((await w.until("task_complete")).msg).toMatchObject({ last_agent_message: "fine again" });
    // Each request of a turn the turn itself sends gets its turn_context line: 2 + 2 + 1.
    const lines = (await readFile(rolloutPath, "utf8")).trim().split("\n");
    expect(lines.filter((l) => l.includes('"type":"turn_context"'))).toHaveLength(5);
  });

  it("resumes a conversation from its rollout and continues it", async () => {
    fx.mock.enqueue(
      responses.turn(responses.message("first answer")),
      responses.turn(responses.message("second answer")),
    );
    const first = await fx.manager.newConversation(await config());
    const w = watch(first.conversation);
    await first.conversation.submit({ type: "user_input", items: text("remember 42") });
    await w.until("task_complete");
    await fx.manager.shutdownAll();

    const resumed = await fx.manager.resumeConversation(first.rolloutPath, await config());
    expect(resumed.conversationId).toBe(first.conversationId);
    expect(resumed.initialMessages.map((m) => m.type)).toContain("agent_message");
    const w2 = watch(resumed.conversation);
    await resumed.conversation.submit({ type: "user_input", items: text("what was it?") });
    await w2.until("task_complete");
    const input = (fx.mock.requests[1]!.body as { input: { role?: string; content?: { text?: string }[] }[] })
      .input;
    const texts = input.map((i) => i.content?.map((c) => c.text).join("") ?? "");
    expect(texts).toContain("remember 42");
    expect(texts).toContain("first answer");
    const loaded = await new SessionsStore(fx.home).loadHistory(first.rolloutPath);
    expect(loaded.items.filter((i) => i.type === "session_meta")).toHaveLength(0);
    expect(JSON.stringify(loaded.items)).toContain("second answer");
  });

  it.skipIf(sandboxSupport() !== "bubblewrap")(
    "the sandbox refuses a write outside the writable roots",
    async () => {
      // Outside every writable root: not the workspace, not /tmp.
      const outside = await tempDir("codex-outside-", { base: "/var/tmp" });
      fx.mock.enqueue(
        responses.turn(
          responses.functionCall(
            "shell",
            { command: ["bash", "-lc", `echo x > ${outside}/nope.txt`] },
            "call_w",
          ),
        ),
        responses.turn(responses.message("blocked")),
      );
      const { conversation } = await fx.manager.newConversation(
        await config("approval_policy=never", "sandbox_mode=workspace-write"),
      );
      const w = watch(conversation);
      await conversation.submit({ type: "user_input", items: text("write outside") });
      const end = await w.until("exec_command_end");
      expect((end.msg as { exit_code: number }).exit_code).not.toBe(0);
      expect((end.msg as { aggregated_output: string }).aggregated_output).toMatch(
        /Read-only file system|Permission denied/,
      );
      await w.until("task_complete");
      await expect(readFile(join(outside, "nope.txt"))).rejects.toThrow();
    },
  );
});
