import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { responses } from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppServerClient, Message } from "./helpers/client.js";
import { errorOf, HostileHarness, openFds, until } from "./helpers/hostile-server.js";
import { PEAK_RSS_LIMIT_MIB, peakRssMiB } from "./helpers/proc-stats.js";

/**
 * Issue 14 rows 10, 15, 19, 20 (handler side) and 22, and the shutdown of a running one-off command, through the
 * built CLI: each request is answered at once with a clear error or the answer 0.58.0's wire shape allows, and the
 * server keeps serving and exits 0 at EOF.
 */
const h = new HostileHarness();
beforeAll(() => h.setUp());
afterAll(() => h.tearDown(), 60_000);

const resultOf = (m: Message) => m.result as Record<string, unknown>;
const notes = (c: AppServerClient, method: string) => c.messages.filter((m) => m.method === method);

describe("issue 14 row 10: interrupting an idle conversation", () => {
  it("interruptConversation and turn/interrupt answer at once (0.58.0 never answers); EOF exits 0", async () => {
    const c = await h.server();
    const conversationId = String(resultOf(await h.ask(c, "newConversation", {})).conversationId);
    await h.ask(c, "addConversationListener", { conversationId });
    const v1 = await h.ask(c, "interruptConversation", { conversationId }, { ms: 5000 });
    expect(v1.result).toEqual({ abortReason: "interrupted" });

    const thread = resultOf(await h.ask(c, "thread/start", {})).thread as { id: string };
    const v2 = await h.ask(c, "turn/interrupt", { threadId: thread.id, turnId: "0" }, { ms: 5000 });
    expect(v2.result).toEqual({});

    // Idle again after a turn that completed.
    h.mock.enqueue(responses.turn(responses.message("done")));
    await h.ask(c, "turn/start", { threadId: thread.id, input: [{ type: "text", text: "hi" }] });
    await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    const again = await h.ask(c, "turn/interrupt", { threadId: thread.id, turnId: "0" }, { ms: 5000 });
    expect(again.result).toEqual({});
    // Nothing was invented for the idle interrupts: no abort event, one turn/completed.
    expect(notes(c, "codex/event/turn_aborted")).toHaveLength(0);
    expect(notes(c, "turn/completed")).toHaveLength(1);
    expect((await c.close()).code).toBe(0);
  });

  it("an interrupt sent with the message that starts a turn still interrupts that turn", async () => {
    const c = await h.server();
    const conversationId = String(resultOf(await h.ask(c, "newConversation", {})).conversationId);
    await h.ask(c, "addConversationListener", { conversationId });
    const slow = responses.turn(responses.message("slow answer", undefined, 20));
    if (slow.kind === "sse") slow.delayMs = 200;
    h.mock.enqueue(slow);
    // One write: the interrupt is read before the turn has begun.
    c.sendRaw(
      [
        JSON.stringify({
          id: "send",
          method: "sendUserMessage",
          params: { conversationId, items: [{ type: "text", data: { text: "hi" } }] },
        }),
        JSON.stringify({ id: "stop", method: "interruptConversation", params: { conversationId } }),
      ].join("\n"),
    );
    const stop = await c.waitFor((m) => m.id === "stop", "interrupt answer");
    expect(stop.result).toEqual({ abortReason: "interrupted" });
    await c.waitFor((m) => m.method === "codex/event/turn_aborted", "turn_aborted");
    expect(notes(c, "codex/event/task_complete")).toHaveLength(0);
    expect((await c.close()).code).toBe(0);
  });
});

describe("issue 14 row 19: an approval answer nested 500,000 levels", () => {
  it("is refused at decode (denied, the field named in the log, nothing raw); the turn completes", async () => {
    const c = await h.server();
    const cwd = await h.tempDir("codex-hostile-cwd-");
    h.mock.enqueue(
      responses.turn(responses.functionCall("shell", { command: ["touch", "x.txt"] }, "call_deep")),
    );
    const thread = resultOf(
      await h.ask(c, "thread/start", { cwd, approvalPolicy: "unlessTrusted", sandbox: "workspaceWrite" }),
    ).thread as { id: string };
    await h.ask(c, "turn/start", { threadId: thread.id, input: [{ type: "text", text: "touch" }] });
    const approval = await c.waitFor((m) => m.method === "execCommandApproval", "execCommandApproval");
    const levels = 500_000;
    c.sendRaw(
      `{"id":${JSON.stringify(approval.id)},"result":{"decision":${"[".repeat(levels)}${"]".repeat(levels)}}}`,
    );
    const done = await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    expect((done.params as { turn: { status: string } }).turn.status).toBe("completed");
    expect(existsSync(path.join(cwd, "x.txt"))).toBe(false);
    await c.waitStderr("nested deeper than");
    expect(c.stderr).toContain("result.decision");
    expect(c.stderr).not.toContain("[[[[[[[[");
    expect(c.stderr.length).toBeLessThan(64 * 1024);
    expect((await h.ask(c, "getUserAgent")).result).toBeDefined();
    expect((await c.close()).code).toBe(0);
  });
});

describe("issue 14 row 20 (handlers): the client's mistakes are -32600 naming the field, never Node's words", () => {
  it("execOneOffCommand with a FIFO, file, missing or NUL cwd, a NUL in the command or a writable root", async () => {
    const dir = await h.tempDir("codex-hostile-exec-");
    const fifo = path.join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    const file = path.join(dir, "file");
    await fs.writeFile(file, "x");
    const c = await h.server();
    const exec = async (params: Record<string, unknown>) =>
      errorOf(await h.ask(c, "execOneOffCommand", { command: ["true"], ...params }));
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
    expect(
      await exec({ sandboxPolicy: { mode: "workspace-write", writable_roots: [dir, "/x\u0000y"] } }),
    ).toEqual({
      code: -32600,
      message: "exec failed: invalid value for `sandboxPolicy.writable_roots[1]`: contains a NUL character",
    });
    // `writable_roots: [[1]]` is the decoder's, naming the field.
    expect(await exec({ sandboxPolicy: { mode: "workspace-write", writable_roots: [[1]] } })).toMatchObject({
      code: -32600,
      data: { path: "params.sandboxPolicy.writable_roots[0]" },
    });
    expect(errorOf(await h.ask(c, "execOneOffCommand", { command: ["true"], cwd: dir }))).toBeUndefined();
  });

  it("rollout paths outside the sessions folder, special files and a bad model name are -32600", async () => {
    const home = await h.home();
    const fifo = path.join(home, "sessions", "rollout-2026-01-01T00-00-00-x.jsonl");
    await fs.mkdir(path.dirname(fifo), { recursive: true });
    execFileSync("mkfifo", [fifo]);
    const c = await h.server(home);
    const outside = "rollout path `/etc/passwd` must be in the sessions or archived_sessions directory";
    expect(errorOf(await h.ask(c, "getConversationSummary", { rolloutPath: "/etc/passwd" }))).toEqual({
      code: -32600,
      message: `failed to load conversation summary from /etc/passwd: ${outside}`,
    });
    expect(errorOf(await h.ask(c, "getConversationSummary", { rolloutPath: fifo }))).toEqual({
      code: -32600,
      message: `failed to load conversation summary from ${fifo}: not a regular file (a FIFO)`,
    });
    expect(errorOf(await h.ask(c, "resumeConversation", { path: "/etc/passwd" }))).toEqual({
      code: -32600,
      message: `failed to load rollout \`/etc/passwd\`: ${outside}`,
    });
    // A missing file in the sessions folder stays 0.58.0's -32603.
    const missing = path.join(home, "sessions", "missing.jsonl");
    expect(errorOf(await h.ask(c, "getConversationSummary", { rolloutPath: missing }))).toEqual({
      code: -32603,
      message: `failed to load conversation summary from ${missing}: No such file or directory (os error 2)`,
    });
    expect(errorOf(await h.ask(c, "setDefaultModel", { model: "\ud800", reasoningEffort: null }))).toEqual({
      code: -32600,
      message:
        "failed to persist model selection: invalid value for `model`: string is not valid Unicode (lone surrogate U+D800 at index 0); TOML cannot store it",
    });
  });
});

describe("issue 14 row 15: the same rollout resumed 300 times", () => {
  it("is one conversation: the same id each time, no new file descriptors, one copy of each event", async () => {
    const c = await h.server();
    const created = resultOf(await h.ask(c, "newConversation", {}));
    const rolloutPath = String(created.rolloutPath);
    const first = resultOf(await h.ask(c, "resumeConversation", { path: rolloutPath }));
    expect(first.conversationId).toBe(created.conversationId);
    const fdsBefore = openFds(c.child.pid);
    // A hundred at once (they race; fewer than the 128 requests in flight allowed), the rest one after another.
    const ids: unknown[] = [];
    const burst = Array.from({ length: 100 }, () => h.ask(c, "resumeConversation", { path: rolloutPath }));
    for (const answer of await Promise.all(burst)) ids.push(resultOf(answer).conversationId);
    for (let i = 0; i < 199; i++)
      ids.push(resultOf(await h.ask(c, "resumeConversation", { path: rolloutPath })).conversationId);
    expect(new Set(ids)).toEqual(new Set([created.conversationId]));
    const fdsAfter = openFds(c.child.pid);
    if (fdsBefore !== null && fdsAfter !== null) expect(fdsAfter).toBeLessThanOrEqual(fdsBefore);

    // One turn: one listener, so every event arrives once.
    const conversationId = String(created.conversationId);
    await h.ask(c, "addConversationListener", { conversationId });
    h.mock.enqueue(responses.turn(responses.message("once")));
    await h.ask(c, "sendUserMessage", { conversationId, items: [{ type: "text", data: { text: "hi" } }] });
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
    const c = await h.server();
    const conversationId = String(resultOf(await h.ask(c, "newConversation", {})).conversationId);
    const total = 20_000;
    const from = c.messages.length;
    const lines: string[] = [];
    for (let i = 0; i < total; i++)
      lines.push(
        JSON.stringify({ id: `l${i}`, method: "addConversationListener", params: { conversationId } }),
      );
    c.sendRaw(lines.join("\n"));
    await until(() => c.messages.length - from >= total, "20,000 answers", 60_000);
    const answers = c.messages.slice(from);
    const ok = answers.filter((m) => m.result !== undefined);
    const refused = answers.filter((m) => m.error !== undefined);
    expect(ok.length).toBe(64);
    expect(refused).toHaveLength(total - 64);
    expect(errorOf(refused[0]!)).toEqual({
      code: -32600,
      message: `too many listeners on conversation ${conversationId}: the limit is 64`,
    });
    // Removing one frees a place.
    const sub = (ok[0]!.result as { subscriptionId: string }).subscriptionId;
    await h.ask(c, "removeConversationListener", { subscriptionId: sub });
    expect(errorOf(await h.ask(c, "addConversationListener", { conversationId }))).toBeUndefined();

    h.mock.enqueue(responses.turn(responses.message("hello")));
    await h.ask(c, "sendUserMessage", { conversationId, items: [{ type: "text", data: { text: "hi" } }] });
    await until(() => notes(c, "codex/event/task_complete").length === 64, "64 task_complete", 30_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(notes(c, "codex/event/task_complete")).toHaveLength(64);
    const peak = peakRssMiB(c.child.pid);
    if (peak !== null) expect(peak).toBeLessThan(PEAK_RSS_LIMIT_MIB);
    expect((await c.close()).code).toBe(0);
  });
});

describe("shutdown while a one-off command runs", () => {
  it("stdin EOF kills the command first: the server exits 0 at once, the command's process is gone", async () => {
    const c = await h.server();
    const dir = await h.tempDir("codex-hostile-exec-");
    const pidFile = path.join(dir, "pid");
    c.send({
      id: "long",
      method: "execOneOffCommand",
      params: {
        command: ["sh", "-c", `echo $$ > ${pidFile}; exec sleep 60`],
        sandboxPolicy: { mode: "danger-full-access" },
        timeoutMs: 120_000,
      },
    });
    await until(() => existsSync(pidFile), "the command to start");
    const pid = Number((await fs.readFile(pidFile, "utf8")).trim());
    const started = Date.now();
    const exit = await c.close();
    expect(exit.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    // Answered exactly once before the exit.
    expect(c.messages.filter((m) => m.id === "long")).toHaveLength(1);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
