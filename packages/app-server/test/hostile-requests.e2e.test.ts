import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { AppServerError, protocol0166 } from "@codex-ts/app-server-client";
import {
  errorOf,
  expectPeakRssBelow,
  type MockModelServer,
  openFds,
  responses,
  type TestAppServer,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * Issue 14 rows 10, 15, 19, 20 (handler side) and 22, and the shutdown of a running one-off command, through the
 * built CLI: each request is answered at once with a clear error or the answer 0.58.0's wire shape allows, and the
 * server keeps serving and exits 0 at EOF.
 */
const suite = useAppServerSuite();

/** A request that must be answered within `ms`: one that hangs fails here, not at the test's timeout. */
const within = (ms: number) => ({ signal: AbortSignal.timeout(ms) });
const notes = (c: TestAppServer, method: string) => c.messages.filter((m) => m.method === method);

/** An initialized server on a mock model of its own (so no test eats another's script), on `home` if given. */
async function server(home?: string): Promise<{ c: TestAppServer; mock: MockModelServer }> {
  const mock = await suite.newMock();
  const c = await suite.start({ home: home ?? (await suite.home({ mock, prefix: "codex-hostile-home-" })) });
  return { c, mock };
}

describe("issue 14 row 10: interrupting an idle conversation", () => {
  it("interruptConversation and turn/interrupt answer at once (0.58.0 never answers); EOF exits 0", async () => {
    const { c, mock } = await server();
    const { conversationId } = await c.request("newConversation", {});
    await c.request("addConversationListener", { conversationId });
    expect(await c.request("interruptConversation", { conversationId }, within(5000))).toEqual({
      abortReason: "interrupted",
    });

    const { thread } = await c.request("thread/start", {});
    expect(await c.request("turn/interrupt", { threadId: thread.id, turnId: "0" }, within(5000))).toEqual({});

    // Idle again after a turn that completed.
    mock.enqueue(responses.turn(responses.message("done")));
    await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "hi" }] });
    await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    expect(await c.request("turn/interrupt", { threadId: thread.id, turnId: "0" }, within(5000))).toEqual({});
    // Nothing was invented for the idle interrupts: no abort event, one turn/completed.
    expect(notes(c, "codex/event/turn_aborted")).toHaveLength(0);
    expect(notes(c, "turn/completed")).toHaveLength(1);
    expect((await c.close()).code).toBe(0);
  });

  it("an interrupt sent with the message that starts a turn still interrupts that turn", async () => {
    const { c, mock } = await server();
    const { conversationId } = await c.request("newConversation", {});
    await c.request("addConversationListener", { conversationId });
    const slow = responses.turn(responses.message("slow answer", undefined, 20));
    if (slow.kind === "sse") slow.delayMs = 200;
    mock.enqueue(slow);
    // One write: the interrupt is read before the turn has begun.
    const [sent, stop] = c.inOneWrite(() => [
      c.request("sendUserMessage", { conversationId, items: [{ type: "text", data: { text: "hi" } }] }),
      c.request("interruptConversation", { conversationId }),
    ]);
    expect(await stop).toEqual({ abortReason: "interrupted" });
    expect(await sent).toEqual({});
    await c.waitFor((m) => m.method === "codex/event/turn_aborted", "turn_aborted");
    expect(notes(c, "codex/event/task_complete")).toHaveLength(0);
    expect((await c.close()).code).toBe(0);
  });
});

describe("issue 14 row 19: an approval answer nested 500,000 levels", () => {
  it("is refused at decode (denied, the field named in the log, nothing raw); the turn completes", async () => {
    const { c, mock } = await server();
    const cwd = await suite.workdir("codex-hostile-cwd-");
    mock.enqueue(
      responses.turn(responses.functionCall("shell", { command: ["touch", "x.txt"] }, "call_deep")),
    );
    const { thread } = await c.request("thread/start", {
      cwd,
      approvalPolicy: "unlessTrusted",
      sandbox: "workspaceWrite",
    });
    await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "touch" }] });
    const approval = await c.waitFor((m) => m.method === "execCommandApproval", "execCommandApproval");
    // The harness holds the request; the answer goes raw, as no typed answer can be this deep.
    const levels = 500_000;
    await c.raw.send(
      `{"id":${JSON.stringify(approval.id)},"result":{"decision":${"[".repeat(levels)}${"]".repeat(levels)}}}`,
    );
    const done = await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    expect((done.params as { turn: { status: string } }).turn.status).toBe("completed");
    expect(existsSync(path.join(cwd, "x.txt"))).toBe(false);
    await c.waitStderr("nested deeper than");
    expect(c.stderr).toContain("result.decision");
    expect(c.stderr).not.toContain("[[[[[[[[");
    expect(c.stderr.length).toBeLessThan(64 * 1024);
    expect(await c.request("getUserAgent")).toMatchObject({ userAgent: expect.any(String) });
    expect((await c.close()).code).toBe(0);
  });
});

describe("issue 14 row 20 (handlers): the client's mistakes are -32600 naming the field, never Node's words", () => {
  it("execOneOffCommand with a FIFO, file, missing or NUL cwd, a NUL in the command or a writable root", async () => {
    const dir = await suite.workdir("codex-hostile-exec-");
    const fifo = path.join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    const file = path.join(dir, "file");
    await fs.writeFile(file, "x");
    const { c } = await server();
    const exec = (params: {
      cwd?: string;
      command?: string[];
      sandboxPolicy?: { writable_roots: string[] };
    }) =>
      errorOf(
        c.request(
          "execOneOffCommand",
          {
            command: params.command ?? ["true"],
            ...(params.cwd === undefined ? {} : { cwd: params.cwd }),
            ...(params.sandboxPolicy === undefined
              ? {}
              : {
                  sandboxPolicy: {
                    mode: "workspace-write",
                    writable_roots: params.sandboxPolicy.writable_roots,
                    network_access: false,
                    exclude_tmpdir_env_var: false,
                    exclude_slash_tmp: false,
                  },
                }),
          },
          within(20_000),
        ),
      );
    expect(await exec({ cwd: fifo })).toEqual({
      code: -32600,
      message: `exec failed: invalid value for \`cwd\`: ${fifo} is not a directory`,
    });
    expect(await exec({ cwd: file })).toEqual({
      code: -32600,
      message: `exec failed: invalid value for \`cwd\`: ${file} is not a directory`,
    });
    expect(await exec({ cwd: path.join(dir, "missing") })).toEqual({
      code: -32600,
      message: `exec failed: invalid value for \`cwd\`: ${path.join(dir, "missing")} does not exist`,
    });
    expect(await exec({ cwd: "/tmp\u0000x" })).toEqual({
      code: -32600,
      message: "exec failed: invalid value for `cwd`: contains a NUL character",
    });
    expect(await exec({ command: ["tr\u0000ue"] })).toEqual({
      code: -32600,
      message: "exec failed: invalid value for `command[0]`: contains a NUL character",
    });
    expect(await exec({ sandboxPolicy: { writable_roots: [dir, "/x\u0000y"] } })).toEqual({
      code: -32600,
      message: "exec failed: invalid value for `sandboxPolicy.writable_roots[1]`: contains a NUL character",
    });
    // `writable_roots: [[1]]` (no typed request can say it) is the decoder's, naming the field.
    const decoded = await c.raw.call("roots", "execOneOffCommand", {
      command: ["true"],
      sandboxPolicy: { mode: "workspace-write", writable_roots: [[1]] },
    });
    expect(decoded.error).toMatchObject({
      code: -32600,
      data: { path: "params.sandboxPolicy.writable_roots[0]" },
    });
    expect(await c.request("execOneOffCommand", { command: ["true"], cwd: dir })).toEqual({
      exitCode: 0,
      stdout: "",
      stderr: "",
    });
  });

  it("rollout paths outside the sessions folder, special files and a bad model name are -32600", async () => {
    const home = await suite.home({ prefix: "codex-hostile-home-" });
    const fifo = path.join(home, "sessions", "rollout-2026-01-01T00-00-00-x.jsonl");
    await fs.mkdir(path.dirname(fifo), { recursive: true });
    execFileSync("mkfifo", [fifo]);
    const { c } = await server(home);
    const outside = "rollout path `/etc/passwd` must be in the sessions or archived_sessions directory";
    expect(await errorOf(c.request("getConversationSummary", { rolloutPath: "/etc/passwd" }))).toEqual({
      code: -32600,
      message: `failed to load conversation summary from /etc/passwd: ${outside}`,
    });
    expect(await errorOf(c.request("getConversationSummary", { rolloutPath: fifo }, within(20_000)))).toEqual(
      {
        code: -32600,
        message: `failed to load conversation summary from ${fifo}: not a regular file (a FIFO)`,
      },
    );
    expect(await errorOf(c.request("resumeConversation", { path: "/etc/passwd" }))).toEqual({
      code: -32600,
      message: `failed to load rollout \`/etc/passwd\`: ${outside}`,
    });
    // A missing file in the sessions folder stays 0.58.0's -32603.
    const missing = path.join(home, "sessions", "missing.jsonl");
    expect(await errorOf(c.request("getConversationSummary", { rolloutPath: missing }))).toEqual({
      code: -32603,
      message: `failed to load conversation summary from ${missing}: No such file or directory (os error 2)`,
    });
    expect(await errorOf(c.request("setDefaultModel", { model: "\ud800", reasoningEffort: null }))).toEqual({
      code: -32600,
      message:
        "failed to persist model selection: invalid value for `model`: string is not valid Unicode (lone surrogate U+D800 at index 0); TOML cannot store it",
    });
  });
});

describe("issue 14 row 15: the same rollout resumed 300 times", () => {
  it("is one conversation: the same id each time, no new file descriptors, one copy of each event", async () => {
    const { c, mock } = await server();
    const created = await c.request("newConversation", {});
    const { rolloutPath } = created;
    const first = await c.request("resumeConversation", { path: rolloutPath });
    expect(first.conversationId).toBe(created.conversationId);
    const fdsBefore = openFds(c.pid);
    // A hundred at once (they race; fewer than the 128 requests in flight allowed), the rest one after another.
    const ids: string[] = [];
    const burst = Array.from({ length: 100 }, () => c.request("resumeConversation", { path: rolloutPath }));
    for (const answer of await Promise.all(burst)) ids.push(answer.conversationId);
    for (let i = 0; i < 199; i++)
      ids.push((await c.request("resumeConversation", { path: rolloutPath })).conversationId);
    expect(new Set(ids)).toEqual(new Set([created.conversationId]));
    const fdsAfter = openFds(c.pid);
    if (fdsBefore !== null && fdsAfter !== null) expect(fdsAfter).toBeLessThanOrEqual(fdsBefore);

    // One turn: one listener, so every event arrives once.
    const { conversationId } = created;
    await c.request("addConversationListener", { conversationId });
    mock.enqueue(responses.turn(responses.message("once")));
    await c.request("sendUserMessage", { conversationId, items: [{ type: "text", data: { text: "hi" } }] });
    await c.waitFor((m) => m.method === "codex/event/task_complete", "task_complete");
    await new Promise((r) => setTimeout(r, 300));
    expect(notes(c, "codex/event/task_complete")).toHaveLength(1);
    expect(notes(c, "codex/event/agent_message")).toHaveLength(1);
    const lines = (await fs.readFile(rolloutPath, "utf8")).trim().split("\n");
    expect(lines.filter((l) => l.includes('"type":"agent_message"'))).toHaveLength(1);
    expect((await c.close()).code).toBe(0);
  });
});

describe("issue 14 row 22: 20,000 addConversationListener on one conversation", () => {
  it("stops at the cap with a clear error; one turn sends at most cap copies", async () => {
    const { c, mock } = await server();
    const { conversationId } = await c.request("newConversation", {});
    const total = 20_000;
    // All in one write, so the server reads them as one flood.
    const answers = await Promise.allSettled(
      c.inOneWrite(() =>
        Array.from({ length: total }, () => c.request("addConversationListener", { conversationId })),
      ),
    );
    const ok = answers.flatMap((a) => (a.status === "fulfilled" ? [a.value] : []));
    const refused = answers.flatMap((a) => (a.status === "rejected" ? [a.reason] : []));
    expect(ok).toHaveLength(64);
    expect(refused).toHaveLength(total - 64);
    expect(refused.every((e) => e instanceof AppServerError)).toBe(true);
    expect((refused[0] as AppServerError).toBody()).toEqual({
      code: -32600,
      message: `too many listeners on conversation ${conversationId}: the limit is 64`,
    });
    // Removing one frees a place.
    await c.request("removeConversationListener", { subscriptionId: ok[0]!.subscriptionId });
    await c.request("addConversationListener", { conversationId });

    mock.enqueue(responses.turn(responses.message("hello")));
    await c.request("sendUserMessage", { conversationId, items: [{ type: "text", data: { text: "hi" } }] });
    await c.waitUntil(() => notes(c, "codex/event/task_complete").length === 64, "64 task_complete", 30_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(notes(c, "codex/event/task_complete")).toHaveLength(64);
    expectPeakRssBelow(c, "after 20,000 listeners");
    expect((await c.close()).code).toBe(0);
  });
});

describe("shutdown while a one-off command runs", () => {
  it("stdin EOF kills the command first: the server exits 0 at once, the command's process is gone", async () => {
    const { c } = await server();
    const dir = await suite.workdir("codex-hostile-exec-");
    const pidFile = path.join(dir, "pid");
    c.fire("execOneOffCommand", {
      command: ["sh", "-c", `echo $$ > ${pidFile}; exec sleep 60`],
      sandboxPolicy: { mode: "danger-full-access" },
      timeoutMs: 120_000,
    });
    await c.waitUntil(() => existsSync(pidFile), "the command to start", 20_000);
    const pid = Number((await fs.readFile(pidFile, "utf8")).trim());
    const started = Date.now();
    const exit = await c.close();
    expect(exit.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    // Answered exactly once before the exit.
    const request = c.sent.find((m) => m.method === "execOneOffCommand");
    expect(c.messages.filter((m) => m.method === undefined && m.id === request?.id)).toHaveLength(1);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe("archiving a thread whose turns wait on the model", () => {
  const text = (t: string) => [{ type: "text" as const, text: t }];

  it("0.58: thread/archive answers at once; the queued turns are dropped, not run", async () => {
    const mock = await suite.newMock([{ kind: "hang" }, { kind: "hang" }, { kind: "hang" }]);
    const c = await suite.start({ home: await suite.home({ mock }) });
    const { thread } = await c.request("thread/start", {});
    for (const t of ["a", "b", "c"]) await c.request("turn/start", { threadId: thread.id, input: text(t) });
    await c.waitUntil(() => mock.requests.length === 1, "the first turn's model request");
    expect(await c.request("thread/archive", { threadId: thread.id }, within(5000))).toEqual({});
    expect((await c.request("thread/list", {})).data).toEqual([]);
    // The turns queued behind the interrupted one never asked the model.
    expect(mock.requests).toHaveLength(1);
    expect((await c.close()).code).toBe(0);
  });

  it("0.166: thread/archive answers at once with three turns waiting", async () => {
    const mock = await suite.newMock([{ kind: "hang" }, { kind: "hang" }, { kind: "hang" }]);
    const c = await suite.start({
      home: await suite.home({ mock }),
      protocol: protocol0166,
      initialize: false,
    });
    await c.initialize({ name: "hostile", title: null, version: "1" }, {});
    const { thread } = await c.request("thread/start", {});
    for (const t of ["a", "b", "c"]) await c.request("turn/start", { threadId: thread.id, input: text(t) });
    await c.waitUntil(() => mock.requests.length >= 1, "the first turn's model request");
    expect(await c.request("thread/archive", { threadId: thread.id }, within(5000))).toEqual({});
    expect((await c.close()).code).toBe(0);
  });
});
