import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AppServerClient, type Message } from "./helpers/client.js";

/**
 * Issue 14 rows 1, 5, 6, 15, 16 and 20 (config part) and issue 21 row 10, through the built CLI: paths and config
 * a hostile client (or a broken file) names get a clear answer at once, and the server goes on serving. Every temp
 * dir, FIFO and sparse file is removed after each test.
 */

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Ends the server: stdin closed, then SIGKILL if it has not exited within 10 s (a server stuck on a FIFO). */
async function stop(c: AppServerClient): Promise<void> {
  c.child.stdin.end();
  const timer = setTimeout(() => c.child.kill("SIGKILL"), 10_000);
  await c.exited;
  clearTimeout(timer);
}

async function start(codexHome: string): Promise<AppServerClient> {
  const c = await AppServerClient.start({ codexHome });
  cleanup.push(() => stop(c));
  await c.initialize();
  return c;
}

let nextId = 1;

/** Sends a request (a raw line when given as text) and waits up to 20 s for its answer; the server must live. */
async function ask(c: AppServerClient, method: string, params: unknown, raw?: string): Promise<Message> {
  const id = nextId++;
  c.sendRaw(raw?.replace("@ID@", String(id)) ?? JSON.stringify({ id, method, params }));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = c.messages.find((m) => m.id === id && m.method === undefined);
    if (found) return found;
    if (c.child.exitCode !== null || c.child.signalCode !== null) {
      throw new Error(
        `server exited (${c.child.exitCode ?? c.child.signalCode}) before answering ${method}: ${c.stderr}`,
      );
    }
    if (Date.now() > deadline) throw new Error(`${method} not answered within 20 s`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const errorOf = (m: Message) => m.error as { code: number; message: string } | undefined;

/** A rollout in the exact shape Codex writes, in CODEX_HOME's sessions folder of 2026-11-20. */
async function writeRollout(codexHome: string, opts: { firstLine?: string } = {}) {
  const id = randomUUID();
  const dir = path.join(codexHome, "sessions", "2026", "11", "20");
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `rollout-2026-11-20T12-00-00-${id}.jsonl`);
  const ts = "2026-11-20T12:00:00.000Z";
  const lines = [
    {
      timestamp: ts,
      type: "session_meta",
      payload: {
        id,
        timestamp: ts,
        cwd: codexHome,
        originator: "codex_cli_rs",
        cli_version: "0.58.0",
        instructions: null,
        source: "vscode",
        model_provider: "openai",
      },
    },
    {
      timestamp: ts,
      type: "response_item",
      payload: { type: "message", role: "user", content: [{ type: "input_text", text: "hello there" }] },
    },
    {
      timestamp: ts,
      type: "event_msg",
      payload: { type: "user_message", message: "hello there", images: [] },
    },
  ];
  const body = lines.map((l) => `${JSON.stringify(l)}\n`).join("");
  await fs.writeFile(file, opts.firstLine === undefined ? body : `${opts.firstLine}\n${body}`);
  return { id, file };
}

/** A path in the sessions folder, named like a rollout. */
async function sessionsPath(codexHome: string): Promise<string> {
  const dir = path.join(codexHome, "sessions", "2026", "11", "20");
  await fs.mkdir(dir, { recursive: true });
  return path.join(dir, `rollout-2026-11-20T12-00-00-${randomUUID()}.jsonl`);
}

const outsideMessage = (p: string) =>
  `rollout path \`${p}\` must be in the sessions or archived_sessions directory`;

describe("issue 14 row 1: project_doc_max_bytes = 2^31 with an AGENTS.md", () => {
  it("is refused with -32600 naming the key, and the server keeps serving (it used to abort)", async () => {
    const home = await tempDir("codex-hostile-home-");
    const project = await tempDir("codex-hostile-project-");
    await fs.mkdir(path.join(project, ".git"));
    await fs.writeFile(path.join(project, "AGENTS.md"), "Always answer in French.");
    const c = await start(home);
    const expected = {
      code: -32600,
      message:
        "error deriving config: request config: invalid value for `project_doc_max_bytes`: Too big: expected number to be <=1048576",
    };
    const config = { project_doc_max_bytes: 2 ** 31 };
    expect(errorOf(await ask(c, "thread/start", { cwd: project, config }))).toEqual(expected);
    expect(errorOf(await ask(c, "newConversation", { cwd: project, config }))).toEqual(expected);
    // The largest accepted budget reads the file as it is.
    const ok = await ask(c, "newConversation", {
      cwd: project,
      config: { project_doc_max_bytes: 1024 * 1024 },
    });
    expect(ok.result).toMatchObject({ model: "gpt-5-codex" });
    const rollout = await fs.readFile((ok.result as { rolloutPath: string }).rolloutPath, "utf8");
    expect(rollout).toContain("Always answer in French.");
  });
});

describe("issue 14 rows 5 and 6: special and huge files as rollouts and instruction files", () => {
  it("a FIFO, a 2 GiB sparse file and /dev/zero are answered at once; no file read is blocked", async () => {
    const home = await tempDir("codex-hostile-home-");
    const fifo = await sessionsPath(home);
    execFileSync("mkfifo", [fifo]);
    const sparse = await sessionsPath(home);
    await fs.writeFile(sparse, "");
    await fs.truncate(sparse, 2 ** 31);
    const zero = await sessionsPath(home);
    await fs.symlink("/dev/zero", zero);
    const instructionsFifo = path.join(home, "instructions.fifo");
    execFileSync("mkfifo", [instructionsFifo]);
    const c = await start(home);

    // More FIFO requests than libuv has pool threads: had any opened the FIFO, every later file read would hang.
    for (let i = 0; i < 3; i++) {
      expect(errorOf(await ask(c, "getConversationSummary", { rolloutPath: fifo }))).toEqual({
        code: -32600,
        message: `failed to load conversation summary from ${fifo}: not a regular file (a FIFO)`,
      });
      expect(errorOf(await ask(c, "resumeConversation", { path: fifo }))).toEqual({
        code: -32600,
        message: `failed to load rollout \`${fifo}\`: not a regular file (a FIFO)`,
      });
      expect(errorOf(await ask(c, "thread/resume", { threadId: randomUUID(), path: fifo }))).toEqual({
        code: -32600,
        message: `failed to load rollout \`${fifo}\`: not a regular file (a FIFO)`,
      });
    }
    expect(
      errorOf(await ask(c, "thread/start", { config: { experimental_instructions_file: instructionsFifo } })),
    ).toEqual({
      code: -32600,
      message: `error deriving config: failed to read experimental_instructions_file ${instructionsFifo}: not a regular file (a FIFO)`,
    });
    expect(
      errorOf(await ask(c, "newConversation", { config: { experimental_instructions_file: "/dev/zero" } })),
    ).toEqual({
      code: -32600,
      message:
        "error deriving config: failed to read experimental_instructions_file /dev/zero: not a regular file (a character device)",
    });

    // A 2 GiB sparse file: the summary reads only the head budget; resume refuses it by its size.
    expect(errorOf(await ask(c, "getConversationSummary", { rolloutPath: sparse }))).toEqual({
      code: -32603,
      message: `failed to load conversation summary from ${sparse}: rollout ${sparse} has no session metadata or user message`,
    });
    for (const method of ["resumeConversation", "thread/resume"]) {
      expect(errorOf(await ask(c, method, { threadId: randomUUID(), path: sparse }))).toEqual({
        code: -32600,
        message: `failed to load rollout \`${sparse}\`: file is too large (${2 ** 31} bytes; the limit is 268435456 bytes)`,
      });
    }

    // /dev/zero behind a symlink in the sessions folder leads out of it: refused before it is opened.
    expect(errorOf(await ask(c, "getConversationSummary", { rolloutPath: zero }))?.message).toBe(
      `failed to load conversation summary from ${zero}: ${outsideMessage(zero)}`,
    );
    expect(errorOf(await ask(c, "resumeConversation", { path: zero }))?.message).toBe(
      `failed to load rollout \`${zero}\`: ${outsideMessage(zero)}`,
    );

    // Still serving file reads: a real rollout is summarised and listed.
    const { id, file } = await writeRollout(home);
    expect((await ask(c, "getConversationSummary", { rolloutPath: file })).result).toMatchObject({
      summary: { conversationId: id, preview: "hello there" },
    });
    expect((await ask(c, "thread/list", {})).result).toMatchObject({ data: [{ id }] });
  }, 120_000);

  it("a 50 MB first line is skipped, never held: the rollout still resumes", async () => {
    const home = await tempDir("codex-hostile-home-");
    const v1 = await writeRollout(home, { firstLine: "x".repeat(50 * 1024 * 1024) });
    const v2 = await writeRollout(home, { firstLine: "y".repeat(50 * 1024 * 1024) });
    const c = await start(home);
    // The head budget (8 MiB) ends inside the line: no summary, at once.
    expect(errorOf(await ask(c, "getConversationSummary", { rolloutPath: v1.file }))).toEqual({
      code: -32603,
      message: `failed to load conversation summary from ${v1.file}: rollout ${v1.file} has no session metadata or user message`,
    });
    const resumed = await ask(c, "resumeConversation", { path: v1.file });
    expect(resumed.result).toMatchObject({ conversationId: v1.id, rolloutPath: v1.file });
    const thread = await ask(c, "thread/resume", { threadId: v2.id, path: v2.file });
    expect(thread.result).toMatchObject({ thread: { id: v2.id, path: v2.file } });
  }, 120_000);
});

describe("issue 14 rows 15 and 16: rollout paths outside CODEX_HOME/sessions", () => {
  it("getConversationSummary refuses them before opening; the answer says nothing about what is there", async () => {
    const home = await tempDir("codex-hostile-home-");
    const elsewhere = await tempDir("codex-hostile-outside-");
    await fs.writeFile(path.join(elsewhere, "file.jsonl"), "{}\n");
    execFileSync("mkfifo", [path.join(elsewhere, "fifo")]);
    const c = await start(home);
    const asked = [
      "../../../etc/passwd",
      "/etc/passwd",
      "/proc/self/environ",
      "/etc/shadow",
      "/no/such/file.jsonl",
      elsewhere,
      path.join(elsewhere, "file.jsonl"),
      path.join(elsewhere, "fifo"),
      "sessions/../../x.jsonl",
    ];
    const shapes = new Set<string>();
    for (const rolloutPath of asked) {
      const shown = path.isAbsolute(rolloutPath) ? rolloutPath : path.join(home, rolloutPath);
      const error = errorOf(await ask(c, "getConversationSummary", { rolloutPath }));
      expect(error?.message).toBe(
        `failed to load conversation summary from ${shown}: ${outsideMessage(shown)}`,
      );
      shapes.add(`${error?.code} ${error?.message.split(shown).join("<path>")}`);
    }
    // One answer for all of them: a file, a directory, a FIFO, /proc, a missing or unreadable path.
    expect([...shapes]).toHaveLength(1);
  });

  it("resumeConversation and thread/resume refuse a rollout outside, and nothing outside is appended to", async () => {
    const home = await tempDir("codex-hostile-home-");
    const elsewhere = await tempDir("codex-hostile-outside-");
    const { file } = await writeRollout(home);
    const copy = path.join(elsewhere, path.basename(file));
    await fs.copyFile(file, copy);
    const link = await sessionsPath(home);
    await fs.symlink(copy, link);
    const before = await fs.readFile(copy);
    const c = await start(home);
    for (const p of [copy, link]) {
      expect(errorOf(await ask(c, "resumeConversation", { path: p }))).toEqual({
        code: -32600,
        message: `failed to load rollout \`${p}\`: ${outsideMessage(p)}`,
      });
      expect(errorOf(await ask(c, "thread/resume", { threadId: randomUUID(), path: p }))).toEqual({
        code: -32600,
        message: `failed to load rollout \`${p}\`: ${outsideMessage(p)}`,
      });
    }
    expect(await fs.readFile(copy)).toEqual(before);
    // The real one, inside, resumes.
    expect((await ask(c, "resumeConversation", { path: file })).result).toMatchObject({ rolloutPath: file });
  });
});

describe("issue 14 row 20: config a client cannot turn into Node's internal errors", () => {
  it("nesting 20,000 deep, lone surrogates, a FIFO cwd and `writable_roots: [[1]]` are -32600 naming the field", async () => {
    const home = await tempDir("codex-hostile-home-");
    const fifo = path.join(home, "cwd.fifo");
    execFileSync("mkfifo", [fifo]);
    const c = await start(home);
    const deep = `${"[".repeat(20_000)}1${"]".repeat(20_000)}`;
    const deepObject = `${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}`;
    const nested =
      "error deriving config: request config: invalid value for `x`: nested deeper than 64 levels";
    expect(
      errorOf(
        await ask(
          c,
          "thread/start",
          null,
          `{"id":@ID@,"method":"thread/start","params":{"config":{"x":${deep}}}}`,
        ),
      ),
    ).toEqual({ code: -32600, message: nested });
    expect(
      errorOf(
        await ask(
          c,
          "newConversation",
          null,
          `{"id":@ID@,"method":"newConversation","params":{"config":{"x":${deepObject}}}}`,
        ),
      ),
    ).toEqual({ code: -32600, message: nested });
    const surrogate = "string is not valid Unicode (lone surrogate U+D800 at index 0); TOML cannot store it";
    expect(errorOf(await ask(c, "thread/start", { model: "\ud800" }))).toEqual({
      code: -32600,
      message: `error deriving config: invalid value for \`model\`: ${surrogate}`,
    });
    expect(errorOf(await ask(c, "newConversation", { config: { model: "\ud800" } }))).toEqual({
      code: -32600,
      message: `error deriving config: request config: invalid value for \`model\`: ${surrogate}`,
    });
    expect(errorOf(await ask(c, "thread/start", { cwd: fifo }))).toEqual({
      code: -32600,
      message: `error deriving config: invalid value for \`cwd\`: ${fifo} is not a directory`,
    });
    expect(
      errorOf(
        await ask(c, "newConversation", {
          sandbox: "workspace-write",
          config: { sandbox_workspace_write: { writable_roots: [[1]] } },
        }),
      ),
    ).toEqual({
      code: -32600,
      message:
        "error deriving config: request config: invalid value for `sandbox_workspace_write.writable_roots.0`: Invalid input: expected string, received array",
    });
    // setDefaultModel writes config.toml: the refusal names the field instead of the TOML library's words.
    const persisted = errorOf(await ask(c, "setDefaultModel", { model: "\ud800", reasoningEffort: null }));
    expect(persisted?.message).toBe(
      `failed to persist model selection: invalid value for \`model\`: ${surrogate}`,
    );
    await expect(fs.stat(path.join(home, "config.toml"))).rejects.toMatchObject({ code: "ENOENT" });
    // And the server is fine.
    expect((await ask(c, "thread/start", {})).result).toMatchObject({ thread: { modelProvider: "openai" } });
    expect(c.stderr).not.toMatch(/Maximum call stack|ENOTDIR|Unpaired surrogates/);
  }, 60_000);
});

describe("issue 21 row 10: config.toml that is not UTF-8", () => {
  it("stops `codex app-server` with an error naming file, line and column (Codex refuses it too)", async () => {
    const home = await tempDir("codex-hostile-home-");
    const config = path.join(home, "config.toml");
    await fs.writeFile(
      config,
      Buffer.concat([Buffer.from('model = "o3"\n# caf'), Buffer.from([0xe9]), Buffer.from("\n")]),
    );
    const c = await AppServerClient.start({ codexHome: home });
    cleanup.push(() => stop(c));
    c.child.stdin.end();
    const exit = await c.exited;
    expect(exit.code).toBe(1);
    expect(c.stderr).toContain(
      `${config}:2:6: invalid UTF-8 (byte 0xe9 at offset 18); the file must be UTF-8`,
    );
    expect(c.messages).toEqual([]);
  });
});
