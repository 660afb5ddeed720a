import { randomUUID } from "node:crypto";
import { appendFile, mkdir, readdir, readFile, symlink, unlink, writeFile } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ArchiveError,
  HEAD_RECORD_LIMIT,
  parseRolloutFileName,
  RolloutLoadError,
  rolloutPathFor,
  SessionsStore,
} from "../src/index.js";
import {
  type FakeSession,
  minutes,
  userMessage,
  writeSession as writeFixtureSession,
} from "./rollout-fixtures.js";

let home: string;
let store: SessionsStore;

beforeEach(async () => {
  home = await tempDir("codex-sessions-");
  store = new SessionsStore(home);
});
afterEach(async () => {});

const writeSession = (s: FakeSession) => writeFixtureSession(home, s);

describe("rollout format", () => {
  it("names files in local time under sessions/YYYY/MM/DD and parses them back", () => {
    const id = randomUUID();
    const at = new Date(2026, 0, 5, 7, 8, 9);
    const path = rolloutPathFor(home, at, id);
    expect(relative(home, path)).toBe(`sessions/2026/01/05/rollout-2026-01-05T07-08-09-${id}.jsonl`);
    expect(parseRolloutFileName(basename(path))).toEqual({ timestamp: "2026-01-05T07-08-09", id });
    expect(parseRolloutFileName("rollout-2026-01-05T07-08-09-nope.jsonl")).toBeNull();
    expect(parseRolloutFileName("notes.txt")).toBeNull();
  });

  it("writes session_meta first with Codex's key order and applies the persistence policy", async () => {
    const id = randomUUID();
    const recorder = await store.createRecorder({
      id,
      cwd: "/w",
      originator: "codex_cli_rs",
      cliVersion: "0.58.0",
      instructions: null,
      source: "vscode",
      modelProvider: "openai",
    });
    recorder.record([
      { type: "response_item", payload: userMessage("hi") as never },
      { type: "event_msg", payload: { type: "user_message", message: "hi", images: [] } as never },
      { type: "event_msg", payload: { type: "task_started", model_context_window: 1 } as never },
      { type: "event_msg", payload: { type: "agent_message_delta", delta: "x" } as never },
      { type: "event_msg", payload: { type: "agent_message", message: "done" } as never },
    ]);
    await recorder.shutdown();
    const lines = (await readFile(recorder.path, "utf8"))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(Object.keys(lines[0])).toEqual(["timestamp", "type", "payload"]);
    expect(lines[0].timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Object.keys(lines[0].payload)).toEqual([
      "id",
      "timestamp",
      "cwd",
      "originator",
      "cli_version",
      "instructions",
      "source",
      "model_provider",
    ]);
    expect(lines.map((l) => l.payload.type ?? l.type)).toEqual([
      "session_meta",
      "message",
      "user_message",
      "agent_message",
    ]);
  });

  it("resume appends to the same file without a new session_meta", async () => {
    const { id, path } = await writeSession({ at: minutes(0) });
    const recorder = await store.resumeRecorder(path);
    recorder.record([{ type: "event_msg", payload: { type: "agent_message", message: "more" } as never }]);
    await recorder.shutdown();
    const loaded = await store.loadHistory(path);
    expect(loaded.conversationId).toBe(id);
    expect(loaded.items.filter((i) => i.type === "session_meta")).toHaveLength(0);
    expect(loaded.items.at(-1)).toEqual({
      type: "event_msg",
      payload: { type: "agent_message", message: "more" },
    });
  });

  it("ignores a torn last line and garbage lines on read", async () => {
    const { path } = await writeSession({ at: minutes(0) });
    await appendFile(path, 'not json\n{"timestamp":"x","type":"weird","payload":{}}\n{"timestamp":"2026-');
    const loaded = await store.loadHistory(path);
    expect(loaded.items.map((i) => i.type)).toEqual(["response_item", "response_item", "event_msg"]);
    const page = await store.list({ defaultProvider: "openai" });
    expect(page.items).toHaveLength(1);
  });

  it("reports empty, meta-less and missing files like Codex", async () => {
    // Inside sessions/: the store reads no rollout outside its directories (see hostile-rollouts.test.ts).
    const empty = join(home, "sessions", "empty.jsonl");
    await mkdir(join(home, "sessions"), { recursive: true });
    await writeFile(empty, "");
    await expect(store.loadHistory(empty)).rejects.toThrow(new RolloutLoadError("empty session file"));
    await writeFile(
      empty,
      '{"timestamp":"t","type":"event_msg","payload":{"type":"agent_message","message":"x"}}\n',
    );
    await expect(store.loadHistory(empty)).rejects.toThrow(
      "failed to parse conversation ID from rollout file",
    );
    await expect(store.loadHistory(join(home, "sessions", "missing.jsonl"))).rejects.toThrow(/ENOENT/);
  });
});

describe.each([{ index: true }, { index: false }])("listing (%o)", (options) => {
  beforeEach(() => {
    store = new SessionsStore(home, options);
  });

  it("returns an empty page for a missing or empty store", async () => {
    expect(await store.list({ defaultProvider: "openai" })).toEqual({ items: [], nextCursor: null });
    await mkdir(join(home, "sessions", "2026", "not-a-number"), { recursive: true });
    expect(await store.list({ defaultProvider: "openai" })).toEqual({ items: [], nextCursor: null });
  });

  it("lists newest first with summaries and pages with a cursor; null cursor exactly at the end", async () => {
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await writeSession({ at: minutes(i * 60 * 24), text: `msg ${i}` }));
    const first = await store.list({ pageSize: 2, defaultProvider: "openai" });
    expect(first.items.map((s) => s.preview)).toEqual(["msg 4", "msg 3"]);
    expect(first.items[0]).toMatchObject({
      conversationId: made[4]!.id,
      path: made[4]!.path,
      modelProvider: "openai",
      cwd: "/work/project",
      cliVersion: "0.58.0",
      source: "vscode",
      git: null,
      timestamp: minutes(4 * 60 * 24).toISOString(),
      createdAt: Math.floor(minutes(4 * 60 * 24).getTime() / 1000),
    });
    expect(first.nextCursor).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\|[0-9a-f-]{36}$/);
    const second = await store.list({ pageSize: 2, cursor: first.nextCursor, defaultProvider: "openai" });
    expect(second.items.map((s) => s.preview)).toEqual(["msg 2", "msg 1"]);
    const third = await store.list({ pageSize: 2, cursor: second.nextCursor, defaultProvider: "openai" });
    expect(third.items.map((s) => s.preview)).toEqual(["msg 0"]);
    expect(third.nextCursor).toBeNull();
    const exact = await store.list({ pageSize: 5, defaultProvider: "openai" });
    expect(exact.items).toHaveLength(5);
    expect(exact.nextCursor).toBeNull();
    expect((await store.list({ pageSize: 0, defaultProvider: "openai" })).items).toHaveLength(1);
  });

  it("keeps a cursor valid while sessions are created and deleted", async () => {
    const made = [];
    for (let i = 0; i < 4; i++) made.push(await writeSession({ at: minutes(i), text: `m${i}` }));
    const first = await store.list({ pageSize: 2, defaultProvider: "openai" });
    await writeSession({ at: minutes(100), text: "newer" });
    await unlink(made[1]!.path);
    const next = await store.list({ pageSize: 2, cursor: first.nextCursor, defaultProvider: "openai" });
    expect(next.items.map((s) => s.preview)).toEqual(["m0"]);
    expect(next.nextCursor).toBeNull();
  });

  it("ignores an unparseable cursor", async () => {
    await writeSession({ at: minutes(0), text: "only" });
    const page = await store.list({ cursor: "garbage", defaultProvider: "openai" });
    expect(page.items.map((s) => s.preview)).toEqual(["only"]);
  });

  it("lists only interactive sources and sessions with a user message and preview, filling pages", async () => {
    await writeSession({ at: minutes(9), text: "exec", source: "exec" });
    await writeSession({ at: minutes(8), text: "mcp", source: "mcp" });
    await writeSession({ at: minutes(7), text: "no-event", userEvent: false });
    await writeSession({ at: minutes(6), text: "late", extraResponseItems: HEAD_RECORD_LIMIT });
    await writeSession({ at: minutes(5), text: "cli", source: "cli" });
    await writeSession({ at: minutes(4), text: "vscode" });
    await writeSession({ at: minutes(3), text: "older" });
    const page = await store.list({ pageSize: 2, defaultProvider: "openai" });
    expect(page.items.map((s) => s.preview)).toEqual(["cli", "vscode"]);
    expect(page.nextCursor).not.toBeNull();
  });

  it("filters by provider: absent = server's, [] = all, missing provider counts as default", async () => {
    await writeSession({ at: minutes(3), text: "oss", provider: "oss" });
    await writeSession({ at: minutes(2), text: "openai" });
    await writeSession({ at: minutes(1), text: "none", provider: null });
    const preview = async (q: Partial<Parameters<SessionsStore["list"]>[0]>) =>
      (await store.list({ defaultProvider: "openai", ...q })).items.map((s) => s.preview);
    expect(await preview({})).toEqual(["openai", "none"]);
    expect(await preview({ modelProviders: [] })).toEqual(["oss", "openai", "none"]);
    expect(await preview({ modelProviders: ["oss"] })).toEqual(["oss"]);
    expect(await preview({ modelProviders: ["oss"], defaultProvider: "oss" })).toEqual(["oss", "none"]);
    const none = (await store.list({ defaultProvider: "oss", modelProviders: [] })).items.find(
      (s) => s.preview === "none",
    );
    expect(none?.modelProvider).toBe("oss");
  });

  it("previews the text after '## My request for Codex:'", async () => {
    await writeSession({
      at: minutes(0),
      text: "context stuff\n## My request for Codex:\n  fix the bug  \n",
    });
    expect((await store.list({ defaultProvider: "openai" })).items[0]!.preview).toBe("fix the bug");
  });

  it("reads only the head of big files", async () => {
    const { path } = await writeSession({ at: minutes(0), text: "big" });
    await appendFile(
      path,
      `${JSON.stringify({ timestamp: "t", type: "event_msg", payload: { type: "agent_message", message: "x".repeat(8 << 20) } })}\n`,
    );
    const summary = await store.readSummary(path, "openai");
    expect(summary.preview).toBe("big");
  });
});

describe("lookup, summary and archive", () => {
  it("finds a rollout by id and never an archived one", async () => {
    const { id, path } = await writeSession({ at: minutes(0) });
    await writeSession({ at: minutes(1) });
    expect(await store.findPathById(id)).toBe(path);
    expect(await store.findPathById(id.toUpperCase())).toBe(path);
    expect(await store.findPathById(randomUUID())).toBeNull();
    expect(await store.findPathById("not-a-uuid")).toBeNull();
    await store.archive(id, path);
    expect(await store.findPathById(id)).toBeNull();
  });

  it("archives into the flat archived_sessions folder", async () => {
    const { id, path } = await writeSession({ at: minutes(0) });
    const target = await store.archive(id.toUpperCase(), path);
    expect(target).toBe(join(home, "archived_sessions", basename(path)));
    expect(await readdir(join(home, "archived_sessions"))).toEqual([basename(path)]);
    expect((await store.list({ defaultProvider: "openai" })).items).toHaveLength(0);
  });

  it("refuses paths outside the sessions dir, symlink escapes, '..', missing files and wrong ids", async () => {
    const { id, path } = await writeSession({ at: minutes(0) });
    const outsideFile = join(home, `rollout-2026-01-01T00-00-00-${id}.jsonl`);
    await writeFile(outsideFile, await readFile(path, "utf8"));
    const link = join(home, "sessions", `rollout-2026-01-01T00-00-01-${id}.jsonl`);
    await symlink(outsideFile, link);
    const dotdot = join(home, "sessions", "..", basename(outsideFile));
    for (const bad of [outsideFile, link, dotdot, join(home, "sessions", "missing.jsonl")]) {
      const err = await store.archive(id, bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArchiveError);
      expect((err as ArchiveError).kind).toBe("invalid");
      expect((err as Error).message).toBe(`rollout path \`${bad}\` must be in sessions directory`);
    }
    const other = randomUUID();
    await expect(store.archive(other, path)).rejects.toThrow(
      `rollout path \`${path}\` does not match conversation id ${other}`,
    );
    expect(await readFile(path, "utf8")).toContain(id);
    await expect(readdir(join(home, "archived_sessions"))).rejects.toThrow();
  });

  it("reports I/O failures as io errors and moves nothing", async () => {
    const { id, path } = await writeSession({ at: minutes(0) });
    await writeFile(join(home, "archived_sessions"), "a file, not a folder");
    const err = (await store.archive(id, path).catch((e: unknown) => e)) as ArchiveError;
    expect(err.kind).toBe("io");
    expect(err.message).toBe("failed to archive conversation: File exists (os error 17)");
    expect(await readFile(path, "utf8")).toContain(id);
    const fresh = new SessionsStore(join(home, "nowhere"));
    const missing = (await fresh.archive(id, path).catch((e: unknown) => e)) as ArchiveError;
    expect(missing.message).toBe(
      "failed to archive conversation: unable to resolve sessions directory: No such file or directory (os error 2)",
    );
  });
});
