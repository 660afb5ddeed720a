import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { appendFile, cp, mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ForkError,
  RolloutChangedError,
  type RolloutLineAt,
  RolloutPathError,
  rolloutPathFor,
  SessionsStore,
  type TurnIndexPage,
} from "../src/index.js";
import {
  bytesRead,
  FIXTURE_0166,
  FORK_0166,
  FORK_0166_TURNS,
  LEGACY_0166_RESUMED,
  minutes,
  PARENT_0166,
  rolloutLine,
  userMessage,
  writeLegacyRollout,
} from "./rollout-fixtures.js";

// The per-rollout turn index (issue 16): turns found by one streaming pass, kept with byte offsets, extended as
// lines are appended, rebuilt when a file is rewritten, and pages read from those offsets alone.

let home: string;
let store: SessionsStore;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "codex-turns-"));
  store = new SessionsStore(home);
});
afterEach(async () => {
  store.close();
  await rm(home, { recursive: true, force: true, maxRetries: 5 });
});

const line = rolloutLine;

/** One 0.58.0 turn: the user's message, its event, a turn context, the reply. */
function legacyTurn(text: string, reply = `done: ${text}`): string {
  return (
    line("response_item", userMessage(text)) +
    line("event_msg", { type: "user_message", message: text, images: [] }) +
    line("turn_context", {
      cwd: "/w",
      approval_policy: "on-request",
      sandbox_policy: { mode: "read-only" },
      model: "m",
      summary: "auto",
    }) +
    line("event_msg", { type: "agent_message", message: reply }) +
    line("response_item", {
      type: "message",
      role: "assistant",
      content: [{ type: "output_text", text: reply }],
    })
  );
}

/** A rollout in 0.58.0's format: session_meta, environment context, then `turns`. */
const writeLegacy = (turns: string[], id?: string, at?: Date) =>
  writeLegacyRollout(
    home,
    line("response_item", userMessage("<environment_context>\n  <cwd>/w</cwd>\n</environment_context>")) +
      turns.map((t) => legacyTurn(t)).join(""),
    id,
    at,
  );

async function linesOf(page: TurnIndexPage, seq: number): Promise<RolloutLineAt[]> {
  const turn = page.turns.find((t) => t.seq === seq);
  if (!turn) throw new Error(`no turn ${seq}`);
  const out: RolloutLineAt[] = [];
  for await (const l of store.readLines(page.path, turn, page.generation)) out.push(l);
  return out;
}

const userTexts = (lines: RolloutLineAt[]) =>
  lines.flatMap((l) =>
    l.line?.type === "event_msg" && (l.line.payload as { type: string }).type === "user_message"
      ? [(l.line.payload as { message: string }).message]
      : [],
  );

describe("turn index of 0.58.0 rollouts", () => {
  it("delimits turns at the user's message, with 0.166.0's legacy ids and exact byte ranges", async () => {
    const { id, path } = await writeLegacy(["first", "second", "third"]);
    const page = await store.turns({ threadId: id });
    expect(page.total).toBe(3);
    // Lines as 0.166.0 numbers them: 0 meta, 1 context, then 4 per turn (a 0.58.0 turn_context is not one it can
    // parse, so it is not counted); the user_message event is the second line of each turn.
    expect(page.turns.map((t) => [t.turnId, t.firstLine, t.status, t.explicit])).toEqual([
      ["rollout-3", 2, "completed", false],
      ["rollout-7", 6, "completed", false],
      ["rollout-11", 10, "completed", false],
    ]);
    const bytes = await readFile(path);
    for (const t of page.turns) {
      const text = bytes.subarray(t.startOffset, t.endOffset).toString("utf8");
      expect(text.startsWith('{"timestamp"')).toBe(true);
      expect(text.endsWith("\n")).toBe(true);
      expect(text.split("\n").length - 1).toBe(5);
    }
    expect(page.turns[2]?.endOffset).toBe(bytes.length);
    expect(userTexts(await linesOf(page, 1))).toEqual(["second"]);
    // Pages by position, both ways.
    expect((await store.turns({ path }, { direction: "desc", limit: 2 })).turns.map((t) => t.turnId)).toEqual(
      ["rollout-11", "rollout-7"],
    );
    expect((await store.turns({ path }, { offset: 1, limit: 1 })).turns.map((t) => t.turnId)).toEqual([
      "rollout-7",
    ]);
  });

  it("marks an interrupted turn, and leaves a torn last line for later", async () => {
    const { id, path } = await writeLegacy(["one"]);
    await appendFile(path, line("event_msg", { type: "turn_aborted", reason: "interrupted" }));
    await appendFile(path, legacyTurn("two").slice(0, -40)); // still being written: no newline at the end
    let page = await store.turns({ threadId: id });
    expect(page.turns.map((t) => [t.turnId, t.status])).toEqual([
      ["rollout-3", "interrupted"],
      ["rollout-8", "completed"],
    ]);
    const before = page.indexedBytes;
    expect(before).toBeLessThan((await readFile(path)).length);
    await appendFile(path, legacyTurn("two").slice(-40));
    page = await store.turns({ threadId: id });
    expect(page.indexedBytes).toBe((await readFile(path)).length);
    expect(userTexts(await linesOf(page, 1))).toEqual(["two"]);
  });

  it("extends the index with appended lines only, reading just the new bytes", async () => {
    const many = Array.from({ length: 400 }, (_, i) => `turn ${i} ${"x".repeat(4000)}`);
    const { id, path } = await writeLegacy(many);
    const first = await store.turns({ threadId: id }, { limit: 0 });
    expect(first.total).toBe(400);
    await appendFile(path, legacyTurn("appended later"));
    const r0 = bytesRead();
    const next = await store.turns({ threadId: id }, { direction: "desc", limit: 1 });
    const r1 = bytesRead();
    expect(next.total).toBe(401);
    expect(next.generation).toBe(first.generation);
    expect(userTexts(await linesOf(next, 400))).toEqual(["appended later"]);
    if (r0 !== null && r1 !== null) expect(r1 - r0).toBeLessThan(256 * 1024); // the file is ~8 MB
  });

  it("serves a page of a large rollout by reading that page's bytes only", async () => {
    const many = Array.from({ length: 2000 }, (_, i) => `turn ${i} ${"y".repeat(8000)}`);
    const { id } = await writeLegacy(many); // ~80 MB of turns
    const page = await store.turns({ threadId: id }, { direction: "desc", limit: 3 });
    expect(page.total).toBe(2000);
    const r0 = bytesRead();
    const texts = [];
    for (const t of page.turns)
      for await (const l of store.readLines(page.path, t, page.generation)) texts.push(l);
    const r1 = bytesRead();
    expect(userTexts(texts).map((t) => t.slice(0, 9))).toEqual(["turn 1999", "turn 1998", "turn 1997"]);
    if (r0 !== null && r1 !== null) expect(r1 - r0).toBeLessThan(1024 * 1024);
  }, 60_000);
});

describe("turn index of 0.166.0 rollouts (recorded by the real binary)", () => {
  beforeEach(async () => {
    await cp(FIXTURE_0166, home, { recursive: true, filter: (src) => !src.endsWith("README.md") });
  });

  it("finds the turns and byte offsets 0.166.0's own history index holds", async () => {
    const page = await store.turns({ threadId: PARENT_0166 });
    // 0.166.0's thread_history_1.sqlite thread_turns rows for this thread (turn id, rollout_byte_offset,
    // rollout_end_byte_offset), as it recorded them: ours are the same.
    expect(page.turns.slice(0, 3).map((t) => [t.turnId, t.startOffset, t.endOffset])).toEqual([
      ["01a241ad-5c0f-76f1-9872-1d3828075af6", 22240, 48463],
      ["01a241ad-6bb0-77a0-95d5-ee9c206bd0e2", 49271, 60346],
      ["01a241ad-73d2-7801-8190-940a0134eb41", 61154, 69533],
    ]);
    expect(page.turns.map((t) => t.status)).toEqual([
      "completed",
      "completed",
      "completed",
      "interrupted",
      "completed",
      "completed",
      "completed",
    ]);
    expect(page.turns.every((t) => t.explicit)).toBe(true);
    const shell = await linesOf(page, 2);
    expect(shell[0]?.line).toMatchObject({ type: "event_msg", payload: { type: "task_started" } });
    expect(shell.at(-1)?.line).toMatchObject({ type: "event_msg", payload: { type: "task_complete" } });
    // 0.166.0-only records come through as JSON objects, not typed lines.
    expect(shell.some((l) => l.line === null && l.record?.type === "token_usage_record")).toBe(true);
  });

  it("reads a 0.58.0 rollout 0.166.0 resumed, and a 0.166.0 fork's own turn", async () => {
    const legacy = await store.turns({ threadId: LEGACY_0166_RESUMED });
    expect(legacy.turns.map((t) => t.turnId)).toEqual(["rollout-3"]); // 0.166.0 calls it the same
    const fork = await store.turns({ threadId: FORK_0166 });
    expect(fork.turns.map((t) => [t.turnId, t.status])).toEqual([
      ["01a241ad-bcbb-7971-bc7f-281adb7cb231", "completed"],
    ]);
  });

  it("lists the 0.166.0 store with names, archive state and fork origin", async () => {
    const live = await store.listThreads({ defaultProvider: "openai" });
    expect(live.items.map((t) => [t.conversationId, t.preview, t.name, t.historyMode])).toEqual([
      [PARENT_0166, "Say hello", "Say hello to the mock", "paginated"],
      [LEGACY_0166_RESUMED, "Say hello", null, "legacy"],
    ]);
    const archived = await store.listThreads({ defaultProvider: "openai", archived: true });
    expect(archived.items.map((t) => [t.conversationId, t.preview, t.forkedFromId, t.archived])).toEqual([
      [FORK_0166, "Hello fork", PARENT_0166, true],
    ]);
    // 0.58.0's listing shows them too: a 0.166.0 item_completed(UserMessage) counts as the user event.
    expect((await store.list({ defaultProvider: "mock" })).items.map((s) => s.conversationId)).toEqual([
      PARENT_0166,
      LEGACY_0166_RESUMED,
    ]);
  });
});

describe("rollouts changed by another process", () => {
  it("re-indexes a rollout truncated or rewritten between two page reads, never serving stale offsets", async () => {
    const { id, path } = await writeLegacy(["alpha", "beta", "gamma"]);
    const page = await store.turns({ threadId: id });
    const gamma = page.turns[2]!;
    // Truncated into the middle of the last turn: its range is gone.
    await truncate(path, gamma.startOffset + 10);
    await expect(linesOf(page, 2)).rejects.toBeInstanceOf(RolloutChangedError);
    const after = await store.turns({ threadId: id });
    expect(after.turns.map((t) => t.turnId)).toEqual(["rollout-3", "rollout-7"]);

    // Replaced by another thread's rollout under the same name: the old generation reads nothing from it.
    const other = await writeLegacy(["someone else's secret"], randomUUID(), minutes(5));
    await writeFile(path, await readFile(other.path));
    await expect(linesOf(after, 0)).rejects.toBeInstanceOf(RolloutChangedError);
    const fresh = await store.turns({ path });
    expect(fresh.generation).not.toBe(after.generation);
    expect(userTexts(await linesOf(fresh, 0))).toEqual(["someone else's secret"]);
  });

  it("notices a rewrite that keeps the size, by its hashes", async () => {
    const { id, path } = await writeLegacy(["aaaa", "bbbb"]);
    const page = await store.turns({ threadId: id });
    const text = (await readFile(path, "utf8")).replaceAll("bbbb", "cccc");
    await writeFile(path, text);
    await expect(linesOf(page, 1)).rejects.toBeInstanceOf(RolloutChangedError);
    expect(userTexts(await linesOf(await store.turns({ threadId: id }), 1))).toEqual(["cccc"]);
  });

  it("refuses paths outside the sessions directories and files that are not regular", async () => {
    await expect(store.turns({ path: "/etc/passwd" })).rejects.toBeInstanceOf(RolloutPathError);
    const fifo = rolloutPathFor(home, minutes(0), randomUUID());
    await mkdir(dirname(fifo), { recursive: true });
    execFileSync("mkfifo", [fifo]);
    await expect(store.turns({ path: fifo })).rejects.toThrow("not a regular file (a FIFO)");
    await expect(store.turns({ threadId: randomUUID() })).rejects.toThrow("no rollout found for thread id");
  });
});

describe("forks", () => {
  it("copies the history up to a turn into a new rollout with a new session_meta naming its origin", async () => {
    const { id } = await writeLegacy(["one", "two", "three"]);
    const forkId = randomUUID();
    const fork = await store.fork({
      source: { threadId: id },
      lastTurnId: "rollout-7",
      id: forkId,
      startedAt: minutes(60),
    });
    expect(fork.lastTurn?.turnId).toBe("rollout-7");
    const loaded = await store.loadHistory(fork.path);
    expect(loaded.conversationId).toBe(forkId);
    expect(loaded.meta).toMatchObject({
      id: forkId,
      forked_from_id: id,
      cli_version: "0.58.0",
      source: "vscode",
    });
    const events = loaded.items.flatMap((i) =>
      i.type === "event_msg" && (i.payload as { type: string }).type === "user_message"
        ? [(i.payload as { message: string }).message]
        : [],
    );
    expect(events).toEqual(["one", "two"]);
    // The fork is a rollout like any other: listed, indexed, forkable.
    expect((await store.turns({ threadId: forkId })).turns.map((t) => t.turnId)).toEqual([
      "rollout-3",
      "rollout-7",
    ]);
    const listed = await store.listThreads({ defaultProvider: "openai" });
    expect(listed.items.find((t) => t.conversationId === forkId)?.forkedFromId).toBe(id);
    // beforeTurnId keeps the turns before it; an unknown turn is refused and leaves nothing behind.
    const early = await store.fork({ source: { threadId: id }, beforeTurnId: "rollout-7", id: randomUUID() });
    expect((await store.turns({ path: early.path })).turns.map((t) => t.turnId)).toEqual(["rollout-3"]);
    await expect(
      store.fork({ source: { threadId: id }, lastTurnId: "nope", id: randomUUID() }),
    ).rejects.toBeInstanceOf(ForkError);
    await expect(store.fork({ source: { threadId: id }, id: "../../escape" })).rejects.toBeInstanceOf(
      ForkError,
    );
    const names = await readdir(dirname(fork.path));
    expect(names.filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("appends the records a caller asks for (an interrupted turn) after the copy", async () => {
    const { id } = await writeLegacy(["only"]);
    const fork = await store.fork({
      source: { threadId: id },
      id: randomUUID(),
      append: [{ type: "event_msg", payload: { type: "turn_aborted", reason: "interrupted" } }],
    });
    expect((await store.turns({ path: fork.path })).turns.map((t) => t.status)).toEqual(["interrupted"]);
  });

  it("makes a 0.166.0 fork stand alone: the history it references is copied in", async () => {
    await cp(FIXTURE_0166, home, { recursive: true, filter: (src) => !src.endsWith("README.md") });
    const forkId = randomUUID();
    const copy = await store.fork({ source: { threadId: FORK_0166 }, id: forkId });
    const text = await readFile(copy.path, "utf8");
    const meta = JSON.parse(text.slice(0, text.indexOf("\n")));
    expect(meta).toMatchObject({
      type: "session_meta",
      ordinal: 0,
      payload: { id: forkId, session_id: forkId, forked_from_id: FORK_0166 },
    });
    expect(meta.payload.history_base).toBeUndefined();
    // The parent's turns up to the fork point, then the fork's own.
    const turns = await store.turns({ threadId: forkId });
    expect(turns.turns.map((t) => t.turnId)).toEqual(FORK_0166_TURNS);
    // The copy holds no reference: deleting the 0.166.0 parent is refused only because of 0.166.0's own fork.
    await expect(store.deleteThread({ threadId: PARENT_0166 })).rejects.toThrow(
      `cannot delete thread ${PARENT_0166}: forked history still references it`,
    );
  });
});
