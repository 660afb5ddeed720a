import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { errorOf, startAppServer, type TestAppServer, tempDir } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * Issue 14 rows 1, 5, 6, 15, 16 and 20 (config part) and issue 21 row 10, through the built CLI: paths and config
 * a hostile client (or a broken file) names get a clear answer at once, and the server goes on serving. The servers
 * are stopped, and every temp dir, FIFO and sparse file removed, after the file (the shared setup).
 */

/** A request must be answered within 20 s: one stuck on a file read fails here, not at the test's timeout. */
const within20s = () => ({ signal: AbortSignal.timeout(20_000) });

async function start(home: string): Promise<TestAppServer> {
  const c = await startAppServer({ home });
  await c.initialize();
  return c;
}

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
    expect(await errorOf(c.request("thread/start", { cwd: project, config }, within20s()))).toEqual(expected);
    expect(await errorOf(c.request("newConversation", { cwd: project, config }, within20s()))).toEqual(
      expected,
    );
    // The largest accepted budget reads the file as it is.
    const ok = await c.request(
      "newConversation",
      { cwd: project, config: { project_doc_max_bytes: 1024 * 1024 } },
      within20s(),
    );
    expect(ok).toMatchObject({ model: "gpt-5-codex" });
    const rollout = await fs.readFile(ok.rolloutPath, "utf8");
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
      expect(await errorOf(c.request("getConversationSummary", { rolloutPath: fifo }, within20s()))).toEqual({
        code: -32600,
        message: `failed to load conversation summary from ${fifo}: not a regular file (a FIFO)`,
      });
      expect(await errorOf(c.request("resumeConversation", { path: fifo }, within20s()))).toEqual({
        code: -32600,
        message: `failed to load rollout \`${fifo}\`: not a regular file (a FIFO)`,
      });
      expect(
        await errorOf(c.request("thread/resume", { threadId: randomUUID(), path: fifo }, within20s())),
      ).toEqual({
        code: -32600,
        message: `failed to load rollout \`${fifo}\`: not a regular file (a FIFO)`,
      });
    }
    expect(
      await errorOf(
        c.request(
          "thread/start",
          { config: { experimental_instructions_file: instructionsFifo } },
          within20s(),
        ),
      ),
    ).toEqual({
      code: -32600,
      message: `error deriving config: failed to read experimental_instructions_file ${instructionsFifo}: not a regular file (a FIFO)`,
    });
    expect(
      await errorOf(
        c.request(
          "newConversation",
          { config: { experimental_instructions_file: "/dev/zero" } },
          within20s(),
        ),
      ),
    ).toEqual({
      code: -32600,
      message:
        "error deriving config: failed to read experimental_instructions_file /dev/zero: not a regular file (a character device)",
    });

    // A 2 GiB sparse file: the summary reads only the head budget; resume reads only the first line's budget (a
    // rollout that big is resumed from its latest compactions, so its size alone is no reason to refuse it).
    expect(await errorOf(c.request("getConversationSummary", { rolloutPath: sparse }, within20s()))).toEqual({
      code: -32603,
      message: `failed to load conversation summary from ${sparse}: rollout ${sparse} has no session metadata or user message`,
    });
    const unparsable = {
      code: -32600,
      message: `failed to load rollout \`${sparse}\`: failed to parse conversation ID from rollout file (1 line(s) over 33554432 bytes skipped)`,
    };
    expect(await errorOf(c.request("resumeConversation", { path: sparse }, within20s()))).toEqual(unparsable);
    expect(
      await errorOf(c.request("thread/resume", { threadId: randomUUID(), path: sparse }, within20s())),
    ).toEqual(unparsable);

    // /dev/zero behind a symlink in the sessions folder leads out of it: refused before it is opened.
    expect(
      (await errorOf(c.request("getConversationSummary", { rolloutPath: zero }, within20s()))).message,
    ).toBe(`failed to load conversation summary from ${zero}: ${outsideMessage(zero)}`);
    expect((await errorOf(c.request("resumeConversation", { path: zero }, within20s()))).message).toBe(
      `failed to load rollout \`${zero}\`: ${outsideMessage(zero)}`,
    );

    // Still serving file reads: a real rollout is summarised and listed.
    const { id, file } = await writeRollout(home);
    expect(await c.request("getConversationSummary", { rolloutPath: file }, within20s())).toMatchObject({
      summary: { conversationId: id, preview: "hello there" },
    });
    expect(await c.request("thread/list", {}, within20s())).toMatchObject({ data: [{ id }] });
  }, 120_000);

  it("a 50 MB first line is skipped, never held: the rollout still resumes", async () => {
    const home = await tempDir("codex-hostile-home-");
    const v1 = await writeRollout(home, { firstLine: "x".repeat(50 * 1024 * 1024) });
    const v2 = await writeRollout(home, { firstLine: "y".repeat(50 * 1024 * 1024) });
    const c = await start(home);
    // The head budget (8 MiB) ends inside the line: no summary, at once.
    expect(await errorOf(c.request("getConversationSummary", { rolloutPath: v1.file }, within20s()))).toEqual(
      {
        code: -32603,
        message: `failed to load conversation summary from ${v1.file}: rollout ${v1.file} has no session metadata or user message`,
      },
    );
    const resumed = await c.request("resumeConversation", { path: v1.file }, within20s());
    expect(resumed).toMatchObject({ conversationId: v1.id, rolloutPath: v1.file });
    const thread = await c.request("thread/resume", { threadId: v2.id, path: v2.file }, within20s());
    expect(thread).toMatchObject({ thread: { id: v2.id, path: v2.file } });
  }, 120_000);
});

describe("issue 16: a rollout bigger than the whole-file limit (sparse, a few KB on disk)", () => {
  it("is listed and resumed from its latest compactions, with the events since as initial messages", async () => {
    const home = await tempDir("codex-hostile-home-");
    const { id, file } = await writeRollout(home);
    const ts = "2026-11-20T12:00:00.000Z";
    const line = (type: string, payload: unknown) => `${JSON.stringify({ timestamp: ts, type, payload })}\n`;
    const turn = (text: string) =>
      line("response_item", { type: "message", role: "user", content: [{ type: "input_text", text }] }) +
      line("event_msg", { type: "user_message", message: text.slice(0, 40), images: [] });
    // 1 GiB of zeros (one over-long line, skipped), then two compactions with enough user text between them that
    // the history after the last one is rebuilt from the first, then a turn.
    const tail = `\n${line("compacted", { message: "first summary" })}${turn(`a ${"a".repeat(45_000)}`)}${turn(`b ${"b".repeat(45_000)}`)}${line("compacted", { message: "second summary" })}${turn("after the compactions")}`;
    const handle = await fs.open(file, "r+");
    await handle.write(tail, (await handle.stat()).size + 2 ** 30);
    await handle.close();
    const c = await start(home);
    expect(await c.request("thread/list", {}, within20s())).toMatchObject({
      data: [{ id, preview: "hello there" }],
    });
    const result = await c.request("resumeConversation", { path: file }, within20s());
    expect(result.conversationId).toBe(id);
    expect((result.initialMessages ?? []).map((m) => (m as { message?: string }).message)).toEqual([
      `a ${"a".repeat(38)}`,
      `b ${"b".repeat(38)}`,
      "after the compactions",
    ]);
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
      const error = await errorOf(c.request("getConversationSummary", { rolloutPath }, within20s()));
      expect(error.message).toBe(
        `failed to load conversation summary from ${shown}: ${outsideMessage(shown)}`,
      );
      shapes.add(`${error.code} ${error.message.split(shown).join("<path>")}`);
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
      expect(await errorOf(c.request("resumeConversation", { path: p }, within20s()))).toEqual({
        code: -32600,
        message: `failed to load rollout \`${p}\`: ${outsideMessage(p)}`,
      });
      expect(
        await errorOf(c.request("thread/resume", { threadId: randomUUID(), path: p }, within20s())),
      ).toEqual({
        code: -32600,
        message: `failed to load rollout \`${p}\`: ${outsideMessage(p)}`,
      });
    }
    expect(await fs.readFile(copy)).toEqual(before);
    // The real one, inside, resumes.
    expect(await c.request("resumeConversation", { path: file }, within20s())).toMatchObject({
      rolloutPath: file,
    });
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
    // Lines built by hand (JSON.stringify would recurse 20,000 levels): the raw escape hatch.
    await c.raw.send(`{"id":"deep","method":"thread/start","params":{"config":{"x":${deep}}}}`);
    expect((await c.raw.reply("deep", 20_000)).error).toEqual({ code: -32600, message: nested });
    await c.raw.send(
      `{"id":"deepObject","method":"newConversation","params":{"config":{"x":${deepObject}}}}`,
    );
    expect((await c.raw.reply("deepObject", 20_000)).error).toEqual({ code: -32600, message: nested });
    const surrogate = "string is not valid Unicode (lone surrogate U+D800 at index 0); TOML cannot store it";
    expect(await errorOf(c.request("thread/start", { model: "\ud800" }, within20s()))).toEqual({
      code: -32600,
      message: `error deriving config: invalid value for \`model\`: ${surrogate}`,
    });
    expect(await errorOf(c.request("newConversation", { config: { model: "\ud800" } }, within20s()))).toEqual(
      {
        code: -32600,
        message: `error deriving config: request config: invalid value for \`model\`: ${surrogate}`,
      },
    );
    expect(await errorOf(c.request("thread/start", { cwd: fifo }, within20s()))).toEqual({
      code: -32600,
      message: `error deriving config: invalid value for \`cwd\`: ${fifo} is not a directory`,
    });
    expect(
      await errorOf(
        c.request(
          "newConversation",
          { sandbox: "workspace-write", config: { sandbox_workspace_write: { writable_roots: [[1]] } } },
          within20s(),
        ),
      ),
    ).toEqual({
      code: -32600,
      message:
        "error deriving config: request config: invalid value for `sandbox_workspace_write.writable_roots.0`: Invalid input: expected string, received array",
    });
    // setDefaultModel writes config.toml: the refusal names the field instead of the TOML library's words.
    const persisted = await errorOf(
      c.request("setDefaultModel", { model: "\ud800", reasoningEffort: null }, within20s()),
    );
    expect(persisted.message).toBe(
      `failed to persist model selection: invalid value for \`model\`: ${surrogate}`,
    );
    await expect(fs.stat(path.join(home, "config.toml"))).rejects.toMatchObject({ code: "ENOENT" });
    // And the server is fine.
    expect(await c.request("thread/start", {}, within20s())).toMatchObject({
      thread: { modelProvider: "openai" },
    });
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
    const c = await startAppServer({ home });
    // Its input closed at once: it must stop on the config, not wait for requests.
    const exit = await c.close();
    expect(exit.code).toBe(1);
    expect(c.stderr).toContain(
      `${config}:2:6: invalid UTF-8 (byte 0xe9 at offset 18); the file must be UTF-8`,
    );
    expect(c.messages).toEqual([]);
  });
});
