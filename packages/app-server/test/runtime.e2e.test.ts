import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { protocol058 } from "@codex-ts/app-server-protocol";
import {
  type MockModelServer,
  REFERENCE_CODEX_BIN,
  responses,
  startMockModelServer,
} from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppServerClient, type Message } from "./helpers/client.js";
import { mockCodexHome } from "./helpers/mock-home.js";

/**
 * The built `codex app-server` with the real runtime: config from CODEX_HOME and the process flags, conversations
 * against the mock model server on 127.0.0.1, rollouts on disk, approvals round-tripped through the client.
 */
let mock: MockModelServer;
const clients: AppServerClient[] = [];

beforeAll(async () => {
  mock = await startMockModelServer([]);
});

afterAll(async () => {
  for (const c of clients) if (c.child.exitCode === null) c.child.kill();
  await mock.close();
});

function home(extra = ""): Promise<string> {
  return mockCodexHome(mock.baseUrl, { toml: extra });
}

async function start(codexHome: string, args: string[] = []): Promise<AppServerClient> {
  const c = await AppServerClient.start({ codexHome, args });
  clients.push(c);
  await c.initialize();
  return c;
}

const result = (m: Message) => m.result as Record<string, unknown>;
const error = (m: Message) => m.error as { code: number; message: string };

async function workdir(): Promise<string> {
  return fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-work-")));
}

describe("app-server with the real runtime", () => {
  it("v2: a turn runs a command that needs approval, streams items, and the thread lists and archives", async () => {
    const codexHome = await home();
    const cwd = await workdir();
    mock.enqueue(
      responses.turn(responses.functionCall("shell", { command: ["touch", "made.txt"] }, "call_touch")),
      responses.turn(responses.message("All done.")),
    );
    const c = await start(codexHome);
    const started = await c.call(1, "thread/start", {
      cwd,
      approvalPolicy: "unlessTrusted",
      sandbox: "workspaceWrite",
    });
    const thread = result(started).thread as Record<string, unknown>;
    expect(thread).toMatchObject({ preview: "", modelProvider: "mock" });
    expect(existsSync(String(thread.path))).toBe(true);
    await c.waitFor((m) => m.method === "thread/started", "thread/started");

    const turnResp = await c.call(2, "turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "make a file" }],
    });
    const turn = result(turnResp).turn as Record<string, unknown>;
    expect(turn.status).toBe("inProgress");

    const approval = await c.waitFor((m) => m.method === "execCommandApproval", "approval request");
    const ap = approval.params as Record<string, unknown>;
    expect(ap).toMatchObject({
      conversationId: thread.id,
      callId: "call_touch",
      command: ["touch", "made.txt"],
      cwd,
    });
    c.send({ id: approval.id, result: { decision: "approved" } });

    const completed = await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    expect((completed.params as { turn: { status: string } }).turn.status).toBe("completed");
    expect(existsSync(path.join(cwd, "made.txt"))).toBe(true);

    const methods = c.messages.map((m) => m.method).filter(Boolean);
    // turn/started follows the turn/start response and leads the turn's notifications.
    const respIndex = c.messages.findIndex((m) => m.id === 2);
    const startedIndex = c.messages.findIndex((m) => m.method === "turn/started");
    expect(startedIndex).toBeGreaterThan(respIndex);
    expect(methods).toContain("item/agentMessage/delta");
    const items = c.messages
      .filter((m) => m.method === "item/completed")
      .map((m) => (m.params as { item: { type: string } }).item);
    const command = items.find((i) => i.type === "commandExecution") as Record<string, unknown> | undefined;
    expect(command).toMatchObject({ command: "touch made.txt", status: "completed", exit_code: 0 });
    expect(items.find((i) => i.type === "agentMessage")).toMatchObject({ text: "All done." });

    // The model saw the command's output on the second request.
    const second = mock.requests.at(-1)?.body as { input: { type: string; call_id?: string }[] };
    expect(second.input.some((i) => i.type === "function_call_output" && i.call_id === "call_touch")).toBe(
      true,
    );

    const listed = result(await c.call(3, "thread/list", {}));
    expect(listed.nextCursor).toBeNull();
    expect(listed.data).toEqual([
      expect.objectContaining({
        id: thread.id,
        preview: "make a file",
        modelProvider: "mock",
        path: thread.path,
      }),
    ]);

    expect(result(await c.call(4, "thread/archive", { threadId: thread.id }))).toEqual({});
    const archived = path.join(codexHome, "archived_sessions", path.basename(String(thread.path)));
    expect(existsSync(archived)).toBe(true);
    expect(existsSync(String(thread.path))).toBe(false);
    expect(result(await c.call(5, "thread/list", {})).data).toEqual([]);
    // The archived thread is no longer loaded: turns on it are refused.
    const refused = await c.call(6, "turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "x" }],
    });
    expect(error(refused)).toEqual({ code: -32600, message: `conversation not found: ${thread.id}` });
    expect((await c.close()).code).toBe(0);
  });

  it("v1: process -c overrides apply, summaries by id and path, archive refusals, resume after a restart", async () => {
    const codexHome = await home();
    const cwd = await workdir();
    mock.enqueue(responses.turn(responses.message("First answer.")));
    let c = await start(codexHome, ["-c", 'model="o3"']);
    const created = result(await c.call(1, "newConversation", { cwd }));
    expect(created.model).toBe("o3");
    const id = String(created.conversationId);
    const rolloutPath = String(created.rolloutPath);
    const sub = result(await c.call(2, "addConversationListener", { conversationId: id }));
    expect(typeof sub.subscriptionId).toBe("string");
    await c.call(3, "sendUserMessage", {
      conversationId: id,
      items: [{ type: "text", data: { text: "hello there" } }],
    });
    await c.waitFor((m) => m.method === "codex/event/task_complete", "task_complete");
    expect((mock.requests.at(-1)?.body as { model?: string } | undefined)?.model).toBe("o3");

    const list = result(await c.call(4, "listConversations", {}));
    expect(list.items).toEqual([
      expect.objectContaining({
        conversationId: id,
        path: rolloutPath,
        preview: "hello there",
        modelProvider: "mock",
        cwd,
        source: "vscode",
      }),
    ]);
    const byId = result(await c.call(5, "getConversationSummary", { conversationId: id }));
    const relative = path.relative(codexHome, rolloutPath);
    const byPath = result(await c.call(6, "getConversationSummary", { rolloutPath: relative }));
    expect(byPath).toEqual(byId);
    const missing = await c.call(7, "getConversationSummary", { rolloutPath: "sessions/none.jsonl" });
    expect(error(missing)).toEqual({
      code: -32603,
      message: `failed to load conversation summary from ${path.join(codexHome, "sessions/none.jsonl")}: No such file or directory (os error 2)`,
    });

    const outside = path.join(cwd, `rollout-x-${id}.jsonl`);
    await fs.writeFile(outside, "{}\n");
    expect(
      error(await c.call(8, "archiveConversation", { conversationId: id, rolloutPath: outside })),
    ).toEqual({
      code: -32600,
      message: `rollout path \`${outside}\` must be in sessions directory`,
    });
    const otherId = "0199a213-81c0-7800-8aa1-bbab2a035a53";
    expect(error(await c.call(9, "archiveConversation", { conversationId: otherId, rolloutPath }))).toEqual({
      code: -32600,
      message: `rollout path \`${rolloutPath}\` does not match conversation id ${otherId}`,
    });
    expect(existsSync(rolloutPath)).toBe(true);
    expect((await c.close()).code).toBe(0);

    // A new process resumes the conversation from its rollout and continues it with the earlier history.
    c = await start(codexHome, ["-c", 'model="o3"']);
    const resumed = result(await c.call(1, "resumeConversation", { conversationId: id }));
    expect(resumed).toMatchObject({ conversationId: id, model: "o3", rolloutPath });
    const initial = resumed.initialMessages as { type: string; message?: string }[];
    expect(initial.find((e) => e.type === "user_message")?.message).toBe("hello there");
    expect(initial.find((e) => e.type === "agent_message")?.message).toBe("First answer.");
    await c.call(2, "addConversationListener", { conversationId: id });
    mock.enqueue(responses.turn(responses.message("Second answer.")));
    await c.call(3, "sendUserMessage", {
      conversationId: id,
      items: [{ type: "text", data: { text: "again" } }],
    });
    await c.waitFor((m) => m.method === "codex/event/task_complete", "task_complete after resume");
    const body = JSON.stringify(mock.requests.at(-1)?.body);
    expect(body).toContain("hello there");
    expect(body).toContain("First answer.");
    expect(body).toContain("again");
    const lines = (await fs.readFile(rolloutPath, "utf8")).trim().split("\n");
    expect(lines.filter((l) => l.includes('"type":"session_meta"'))).toHaveLength(1);
    expect(lines.some((l) => l.includes("Second answer."))).toBe(true);

    expect(result(await c.call(4, "archiveConversation", { conversationId: id, rolloutPath }))).toEqual({});
    expect(existsSync(rolloutPath)).toBe(false);
    expect(error(await c.call(5, "resumeConversation", { conversationId: id }))).toEqual({
      code: -32600,
      message: `no rollout found for conversation id ${id}`,
    });
    expect(error(await c.call(6, "resumeConversation", { path: rolloutPath }))).toEqual({
      code: -32600,
      message: `failed to load rollout \`${rolloutPath}\`: No such file or directory (os error 2)`,
    });
    await c.close();
  });

  it("v1: resumeConversation announces the session (sessionConfigured, with history.jsonl's inode and size) before answering", async () => {
    const codexHome = await home();
    const historyFile = path.join(codexHome, "history.jsonl");
    await fs.writeFile(
      historyFile,
      '{"session_id":"s","ts":1,"text":"a"}\n{"session_id":"s","ts":2,"text":"b"}\n',
    );
    const c = await start(codexHome);
    const created = result(await c.call(1, "newConversation", { cwd: await workdir() }));
    const answer = await c.call(2, "resumeConversation", { path: created.rolloutPath });
    const announced = c.messages.findIndex((m) => m.method === "sessionConfigured");
    expect(announced).toBeGreaterThan(-1);
    expect(announced).toBeLessThan(c.messages.indexOf(answer));
    const params = c.messages[announced]!.params as Record<string, unknown>;
    expect(params).toEqual({
      sessionId: created.conversationId,
      model: "gpt-5-codex",
      reasoningEffort: null,
      historyLogId: (await fs.stat(historyFile)).ino,
      historyEntryCount: 2,
      initialMessages: result(answer).initialMessages,
      rolloutPath: created.rolloutPath,
    });
    expect(protocol058.notifications.sessionConfigured.safeParse(params).success).toBe(true);
    // thread/resume answers without it, as 0.58.0 does.
    const before = c.messages.filter((m) => m.method === "sessionConfigured").length;
    await c.call(3, "thread/resume", { threadId: created.conversationId });
    expect(c.messages.filter((m) => m.method === "sessionConfigured")).toHaveLength(before);
    await c.close();
  });

  it("v1: sendUserTurn runs the turn with its own cwd, model, effort, summary and policies", async () => {
    const codexHome = await home();
    const firstCwd = await workdir();
    const turnCwd = await workdir();
    const c = await start(codexHome);
    const created = result(await c.call(1, "newConversation", { cwd: firstCwd }));
    const id = String(created.conversationId);
    await c.call(2, "addConversationListener", { conversationId: id });

    // Bad params are 0.58.0's -32600 (plus the field's path in `data`); nothing runs.
    const turn = {
      conversationId: id,
      items: [{ type: "text", data: { text: "where am I?" } }],
      cwd: turnCwd,
      approvalPolicy: "never",
      model: "o3",
      effort: "high",
      summary: "detailed",
    };
    const requestsBefore = mock.requests.length;
    expect((await c.call(3, "sendUserTurn", turn)).error).toEqual({
      code: -32600,
      message: "Invalid request: missing field `sandboxPolicy`",
      data: { path: "params.sandboxPolicy" },
    });
    expect(
      (await c.call(30, "sendUserTurn", { ...turn, sandboxPolicy: { type: "read-only" } })).error,
    ).toEqual({
      code: -32600,
      message: "Invalid request: missing field `mode`",
      data: { path: "params.sandboxPolicy.mode" },
    });

    mock.enqueue(
      responses.turn(responses.functionCall("shell", { command: ["pwd"] }, "call_pwd")),
      responses.turn(responses.message("Ran it.")),
    );
    const answer = await c.call(4, "sendUserTurn", {
      ...turn,
      sandboxPolicy: { mode: "danger-full-access" },
    });
    expect(result(answer)).toEqual({});
    await c.waitFor((m) => m.method === "codex/event/task_complete", "task_complete");
    // `never` asks nothing, even for a command outside any safe list.
    expect(c.messages.some((m) => m.method === "execCommandApproval")).toBe(false);

    const sent = mock.requests.slice(requestsBefore).map((r) => r.body as Record<string, unknown>);
    expect(sent).toHaveLength(2);
    for (const body of sent) {
      expect(body.model).toBe("o3");
      expect(body.reasoning).toMatchObject({ effort: "high", summary: "detailed" });
    }
    expect(JSON.stringify(sent[0]?.input)).toContain(`<cwd>${turnCwd}</cwd>`);
    const output = (sent[1]!.input as { type: string; call_id?: string; output?: string }[]).find(
      (i) => i.type === "function_call_output" && i.call_id === "call_pwd",
    );
    expect(output?.output).toContain(turnCwd);
    const begin = await c.waitFor((m) => m.method === "codex/event/exec_command_begin", "exec_command_begin");
    expect((begin.params as { msg: { cwd: string } }).msg.cwd).toBe(turnCwd);

    // The turn's settings are what the rollout records for it.
    const lines = (await fs.readFile(String(created.rolloutPath), "utf8")).trim().split("\n");
    const contexts = lines
      .map((l) => JSON.parse(l) as { type: string; payload: Record<string, unknown> })
      .filter((l) => l.type === "turn_context")
      .map((l) => l.payload);
    expect(contexts.at(-1)).toMatchObject({
      cwd: turnCwd,
      approval_policy: "never",
      sandbox_policy: { mode: "danger-full-access" },
      model: "o3",
      effort: "high",
      summary: "detailed",
    });
    await c.close();
  });

  it("v2: thread/resume after a restart fills the preview and runs the next turn in the thread's cwd", async () => {
    const codexHome = await home();
    const cwd = await workdir();
    mock.enqueue(responses.turn(responses.message("one")));
    let c = await start(codexHome);
    const thread = result(await c.call(1, "thread/start", { cwd })).thread as Record<string, unknown>;
    await c.call(2, "turn/start", { threadId: thread.id, input: [{ type: "text", text: "first words" }] });
    await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    await c.close();

    c = await start(codexHome);
    const resumed = await c.call(1, "thread/resume", { threadId: thread.id });
    expect(result(resumed).thread).toEqual({
      ...thread,
      preview: "first words",
      createdAt: expect.any(Number),
    });
    await c.waitFor((m) => m.method === "thread/started", "thread/started after resume");
    mock.enqueue(
      responses.turn(responses.functionCall("shell", { command: ["pwd"] }, "call_pwd")),
      responses.turn(responses.message("two")),
    );
    await c.call(2, "turn/start", { threadId: thread.id, input: [{ type: "text", text: "where?" }] });
    await c.waitFor((m) => m.method === "turn/completed", "turn/completed after resume");
    const lastBody = mock.requests.at(-1)?.body as { input: { type: string; output?: string }[] } | undefined;
    const output = lastBody?.input.find((i) => i.type === "function_call_output");
    expect(output?.output).toContain(cwd);

    expect(error(await c.call(3, "thread/resume", { threadId: "nope" }))).toEqual({
      code: -32600,
      message:
        "invalid thread id: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1",
    });
    await c.close();
  });

  it("config: request settings beat process flags; bad settings are -32600; a broken config.toml stops startup", async () => {
    const codexHome = await home();
    const c = await start(codexHome, ["-c", 'model="o3"']);
    const created = result(
      await c.call(1, "newConversation", { model: "gpt-5", config: { model_reasoning_effort: "high" } }),
    );
    expect(created).toMatchObject({ model: "gpt-5", reasoningEffort: "high" });
    const bad = await c.call(2, "newConversation", { config: { model_reasoning_effort: "extreme" } });
    expect(error(bad).code).toBe(-32600);
    expect(error(bad).message).toMatch(/^error deriving config: /);
    const badEnum = await c.call(3, "thread/start", { approvalPolicy: "on-request" });
    expect(error(badEnum)).toEqual({
      code: -32600,
      message:
        "Invalid request: unknown variant `on-request`, expected one of `unlessTrusted`, `onFailure`, `onRequest`, `never`",
      data: { path: "params.approvalPolicy" },
    });
    const saved = result(await c.call(4, "getUserSavedConfig"));
    expect(saved.config).toMatchObject({ model: "gpt-5-codex", approvalPolicy: null, profiles: {} });
    await c.close();

    await fs.writeFile(path.join(codexHome, "config.toml"), "model = [\n");
    const broken = await AppServerClient.start({ codexHome });
    clients.push(broken);
    const exit = await broken.exited;
    expect(exit.code).toBe(1);
    expect(broken.stderr).toContain("error loading config");
  });

  it("execOneOffCommand runs under the sandbox and reports exit code, output, timeouts and spawn failures", async () => {
    const codexHome = await home();
    const cwd = await workdir();
    const c = await start(codexHome);
    const ok = await c.call(1, "execOneOffCommand", {
      command: ["sh", "-c", "echo out; echo err >&2; exit 3"],
      cwd,
      sandboxPolicy: { mode: "danger-full-access" },
    });
    expect(result(ok)).toEqual({ exitCode: 3, stdout: "out\n", stderr: "err\n" });
    const missing = await c.call(2, "execOneOffCommand", {
      command: ["definitely-not-a-command-xyz"],
      sandboxPolicy: { mode: "danger-full-access" },
    });
    expect(error(missing)).toEqual({
      code: -32603,
      message: "exec failed: No such file or directory (os error 2)",
    });
    const slow = await c.call(3, "execOneOffCommand", {
      command: ["sleep", "5"],
      timeoutMs: 200,
      sandboxPolicy: { mode: "danger-full-access" },
    });
    expect(error(slow)).toEqual({ code: -32603, message: "exec failed: sandbox error: command timed out" });
    expect(error(await c.call(4, "execOneOffCommand", { command: [] }))).toEqual({
      code: -32600,
      message: "command must not be empty",
    });
    await c.close();
  });
});

const reference = REFERENCE_CODEX_BIN;
if (!reference) console.warn("skipping the comparison with the real codex 0.58.0: binary not found");

describe.skipIf(!reference)("the same answers as the real codex app-server 0.58.0", () => {
  it("answers session-method and unknown-method errors word for word", async () => {
    const codexHome = await home();
    const requests: [string, unknown][] = [
      ["no/such/method", {}],
      ["thread/archive", { threadId: "0199a213-81c0-7800-8aa1" }],
      ["thread/resume", { threadId: "0199a213-81c0-7800-8aa1-bbab2a035a53" }],
      ["resumeConversation", {}],
      ["getConversationSummary", { conversationId: "x" }],
      ["getConversationSummary", { rolloutPath: "sessions/none.jsonl" }],
      ["archiveConversation", { conversationId: "x", rolloutPath: "/a" }],
      [
        "archiveConversation",
        { conversationId: "0199a213-81c0-7800-8aa1-bbab2a035a53", rolloutPath: "/etc/passwd" },
      ],
      ["execOneOffCommand", { command: [] }],
      ["listConversations", {}],
      ["thread/list", { limit: 0 }],
      ["getUserSavedConfig", undefined],
    ];
    const answers = async (c: AppServerClient) => {
      const out: unknown[] = [];
      for (const [i, [method, params]] of requests.entries()) {
        const m = await c.call(100 + i, method, params);
        // Code and message are compared; `data.path` on decode errors is this server's addition.
        const { data: _path, ...error } = (m.error ?? {}) as Record<string, unknown>;
        out.push(m.error ? error : m.result);
      }
      await c.close();
      return out;
    };
    const ours = await answers(await start(codexHome));
    const real = new AppServerClient(
      spawn(reference as string, ["app-server"], {
        env: { ...process.env, CODEX_HOME: codexHome, RUST_LOG: "error" },
        stdio: ["pipe", "pipe", "pipe"],
      }),
    );
    clients.push(real);
    await real.initialize();
    expect(ours).toEqual(await answers(real));
  });
});
