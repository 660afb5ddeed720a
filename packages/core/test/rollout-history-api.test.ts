import { randomUUID } from "node:crypto";
import { appendFile, cp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import {
  type HistoryLine,
  type HistoryReadQuery,
  InvalidCursorError,
  RolloutChangedError,
  type RolloutItem,
  type TurnListQuery,
  TurnNotFoundError,
} from "../src/index.js";
import {
  bytesRead,
  FIXTURE_0166,
  FORK_0166,
  FORK_0166_TURNS,
  PARENT_0166,
  rolloutLine,
  tempStore,
  userMessage,
  writeLegacyRollout,
} from "./rollout-fixtures.js";

// The history API the 0.166 thread/* handlers call: turns in pages with cursors (thread/turns/list), the lines of a
// thread or a turn from a cursor in either direction (thread/items/list), and forks by copy or by reference.

const PARENT_TURNS = FORK_0166_TURNS.slice(0, 6);
const FORK_OWN_TURN = FORK_0166_TURNS[6]!;

const env = tempStore("codex-history-api-");

const line = rolloutLine;

const legacyTurn = (text: string) =>
  line("response_item", userMessage(text)) +
  line("event_msg", { type: "user_message", message: text, images: [] }) +
  line("event_msg", { type: "agent_message", message: `done: ${text}` }) +
  line("response_item", {
    type: "message",
    role: "assistant",
    content: [{ type: "output_text", text: `done: ${text}` }],
  });

const writeLegacy = (texts: string[], id?: string) =>
  writeLegacyRollout(env.home, texts.map(legacyTurn).join(""), id);

async function allTurnPages(id: string, q: TurnListQuery): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const page = await env.store.listTurns({ threadId: id }, { ...q, cursor });
    pages.push(page.turns.map((t) => t.turnId));
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

async function collect(id: string, q: HistoryReadQuery = {}): Promise<HistoryLine[]> {
  const out: HistoryLine[] = [];
  for await (const l of env.store.readHistory({ threadId: id }, q)) out.push(l);
  return out;
}

const texts = (lines: HistoryLine[]) =>
  lines.map((l) => {
    const p = l.record?.payload as
      | { type?: string; message?: string; content?: { text?: string }[] }
      | undefined;
    return p?.message ?? p?.content?.[0]?.text ?? p?.type ?? "?";
  });

describe("listTurns (thread/turns/list)", () => {
  it("pages newest first by default, oldest first on request, and each cursor continues where it says", async () => {
    const { id } = await writeLegacy(["t0", "t1", "t2", "t3", "t4", "t5", "t6"]);
    const all = (await env.store.listTurns({ threadId: id }, { sortDirection: "asc" })).turns.map(
      (t) => t.turnId,
    );
    expect(all).toHaveLength(7);
    expect((await env.store.listTurns({ threadId: id })).turns.map((t) => t.turnId)).toEqual(
      [...all].reverse(),
    );
    expect(await allTurnPages(id, { limit: 3 })).toEqual([
      [all[6], all[5], all[4]],
      [all[3], all[2], all[1]],
      [all[0]],
    ]);
    expect(await allTurnPages(id, { limit: 3, sortDirection: "asc" })).toEqual([
      [all[0], all[1], all[2]],
      [all[3], all[4], all[5]],
      [all[6]],
    ]);
    // backwardsCursor: the page's first turn, included again, read the other way.
    const second = await env.store.listTurns(
      { threadId: id },
      { limit: 3, cursor: (await env.store.listTurns({ threadId: id }, { limit: 3 })).nextCursor },
    );
    const back = await env.store.listTurns(
      { threadId: id },
      { sortDirection: "asc", cursor: second.backwardsCursor, limit: 10 },
    );
    expect(back.turns.map((t) => t.turnId)).toEqual([all[3], all[4], all[5], all[6]]);
    expect(back.nextCursor).toBeNull();
    // Each turn says where its lines are.
    const t = second.turns[0]!;
    const lines = [];
    for await (const l of env.store.readLines(t.path, t, t.generation)) lines.push(l);
    expect(lines[0]?.line).toMatchObject({ type: "response_item", payload: { role: "user" } });
  });

  it("sees turns appended between pages, and refuses cursors of other threads, garbage and rewritten history", async () => {
    const { id, path } = await writeLegacy(["a", "b", "c"]);
    const other = await writeLegacy(["x"]);
    const first = await env.store.listTurns({ threadId: id }, { limit: 1, sortDirection: "asc" });
    await appendFile(path, legacyTurn("d"));
    const rest = await env.store.listTurns(
      { threadId: id },
      { sortDirection: "asc", cursor: first.nextCursor },
    );
    expect(rest.total).toBe(4);
    expect(rest.turns).toHaveLength(3);
    await expect(env.store.listTurns({ threadId: other.id }, { cursor: first.nextCursor })).rejects.toThrow(
      /cursor belongs to another thread/,
    );
    for (const bad of ["nope", "turns1.!!!", `turns1.${Buffer.from("[1,2]").toString("base64url")}`]) {
      await expect(env.store.listTurns({ threadId: id }, { cursor: bad })).rejects.toBeInstanceOf(
        InvalidCursorError,
      );
    }
    // Another process rewrites the rollout with other turns (one more line first: other turn ids): the cursor's
    // turn is gone.
    const text = await readFile(path, "utf8");
    const metaEnd = text.indexOf("\n") + 1;
    await writeFile(
      path,
      text.slice(0, metaEnd) + line("event_msg", { type: "agent_message", message: "x" }) + legacyTurn("z"),
    );
    await expect(env.store.listTurns({ threadId: id }, { cursor: first.nextCursor })).rejects.toThrow(
      /stale cursor/,
    );
  });
});

describe("readHistory (thread/items/list)", () => {
  it("reads a thread's turn lines forwards and backwards, from any line's cursor or anchor", async () => {
    const { id } = await writeLegacy(["one", "two", "three"]);
    const asc = await collect(id);
    expect(texts(asc)).toEqual([
      "one",
      "one",
      "done: one",
      "done: one",
      "two",
      "two",
      "done: two",
      "done: two",
      "three",
      "three",
      "done: three",
      "done: three",
    ]);
    const desc = await collect(id, { sortDirection: "desc" });
    expect(desc.map((l) => [l.start, l.turn.turnId])).toEqual(
      [...asc].reverse().map((l) => [l.start, l.turn.turnId]),
    );
    for (const i of [0, 3, 4, 7, 11]) {
      const from = asc[i]!;
      expect((await collect(id, { cursor: from.cursor })).map((l) => l.start)).toEqual(
        asc.slice(i + 1).map((l) => l.start),
      );
      expect((await collect(id, { cursor: from.anchor })).map((l) => l.start)).toEqual(
        asc.slice(i).map((l) => l.start),
      );
      expect((await collect(id, { cursor: from.cursor, sortDirection: "desc" })).map((l) => l.start)).toEqual(
        asc
          .slice(0, i)
          .reverse()
          .map((l) => l.start),
      );
    }
    const two = asc[4]!.turn.turnId;
    expect(texts(await collect(id, { turnId: two }))).toEqual(["two", "two", "done: two", "done: two"]);
    expect(texts(await collect(id, { turnId: two, sortDirection: "desc" }))).toEqual([
      "done: two",
      "done: two",
      "two",
      "two",
    ]);
    await expect(collect(id, { turnId: two, cursor: asc[0]!.cursor })).rejects.toThrow(/another turn/);
    await expect(collect(id, { turnId: "rollout-999" })).rejects.toBeInstanceOf(TurnNotFoundError);
  });

  it("a newest-first page of a big rollout reads that page, not the file", async () => {
    const big = "z".repeat(1024 * 1024);
    const { id } = await writeLegacy([...Array.from({ length: 20 }, () => big), "last"]);
    await env.store.listTurns({ threadId: id }); // index it
    const before = bytesRead();
    const page: HistoryLine[] = [];
    for await (const l of env.store.readHistory({ threadId: id }, { sortDirection: "desc" })) {
      page.push(l);
      if (page.length === 4) break;
    }
    expect(texts(page)).toEqual(["done: last", "done: last", "last", "last"]);
    if (before !== null) expect(bytesRead()! - before).toBeLessThan(2 * 1024 * 1024);
  });

  it("a cursor into a line that changed since is refused, never served from other bytes", async () => {
    const { id, path } = await writeLegacy(["one", "two"]);
    const asc = await collect(id);
    expect(texts(asc.slice(5, 6))).toEqual(["two"]);
    // The cursor's own line is rewritten in place (same size, same inode).
    await writeFile(path, (await readFile(path, "utf8")).replace('"message":"two"', '"message":"TWO"'));
    const err = await collect(id, { cursor: asc[5]!.cursor }).catch((e: unknown) => e);
    expect(err instanceof RolloutChangedError || err instanceof InvalidCursorError).toBe(true);
  });
});

describe("forks by reference (0.166.0's way) and across a referenced history", () => {
  beforeEach(async () => {
    await cp(FIXTURE_0166, env.home, { recursive: true, filter: (src) => !src.endsWith("README.md") });
  });

  it("lists a 0.166.0 fork's turns with the parent's history it references, each read from its own file", async () => {
    const page = await env.store.listTurns({ threadId: FORK_0166 }, { sortDirection: "asc" });
    expect(page.turns.map((t) => t.turnId)).toEqual([...PARENT_TURNS, FORK_OWN_TURN]);
    expect(page.turns.map((t) => t.sourceThreadId)).toEqual([
      ...PARENT_TURNS.map(() => PARENT_0166),
      FORK_0166,
    ]);
    const lines = await collect(FORK_0166, { turnId: PARENT_TURNS[0]! });
    expect(lines[0]?.record).toMatchObject({ type: "event_msg", payload: { type: "task_started" } });
    expect(lines.at(-1)?.record).toMatchObject({ type: "event_msg", payload: { type: "task_complete" } });
  });

  it("writes 0.166.0's fork: forked_from_id and history_base, nothing copied, ordinals continued", async () => {
    const id = randomUUID();
    const fork = await env.store.fork({
      source: { threadId: PARENT_0166 },
      lastTurnId: PARENT_TURNS[2]!,
      id,
      mode: "reference",
      append: [{ type: "event_msg", payload: { type: "turn_aborted", reason: "interrupted" } }],
    });
    expect(fork.mode).toBe("reference");
    expect(fork.lastTurn?.turnId).toBe(PARENT_TURNS[2]);
    const [meta, appended] = (await readFile(fork.path, "utf8"))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    // The parent's line at the cut carries ordinal 42: the fork's lines continue from there, as 0.166.0 writes.
    expect(meta).toMatchObject({
      ordinal: 42,
      type: "session_meta",
      payload: {
        id,
        session_id: id,
        forked_from_id: PARENT_0166,
        forked_from_ordinal_exclusive: 42,
        history_mode: "paginated",
        history_base: { thread_id: PARENT_0166, end_ordinal_exclusive: 42, end_byte_offset: 69533 },
      },
    });
    expect(appended).toMatchObject({ ordinal: 43, type: "event_msg" });
    const turns = await env.store.listTurns({ threadId: id }, { sortDirection: "asc" });
    expect(turns.turns.map((t) => t.turnId)).toEqual(PARENT_TURNS.slice(0, 3));
    // The parent now holds this fork's history.
    await rm(join(env.home, "archived_sessions"), { recursive: true });
    await expect(env.store.deleteThread({ threadId: PARENT_0166 })).rejects.toThrow(
      /forked history still references it/,
    );
    // Read back, and forked again by copy: the copy stands alone.
    const copyId = randomUUID();
    const copy = await env.store.fork({ source: { threadId: id }, id: copyId });
    expect(copy.mode).toBe("copy");
    expect((await env.store.turns({ threadId: copyId })).turns.map((t) => t.turnId)).toEqual(
      PARENT_TURNS.slice(0, 3),
    );
  });

  it("closes the last turn for the fork only when the copied lines leave it open (closeOpenTurn)", async () => {
    const turn = (id: string, text: string, ended: boolean) =>
      line("event_msg", { type: "task_started", turn_id: id, model_context_window: null }) +
      line("response_item", userMessage(text)) +
      line("event_msg", { type: "user_message", message: text, images: [] }) +
      (ended ? line("event_msg", { type: "task_complete", turn_id: id, last_agent_message: null }) : "");
    const source = await writeLegacyRollout(env.home, turn("t1", "one", true) + turn("t2", "two", false));
    const closing: RolloutItem[] = [
      { type: "event_msg", payload: { type: "turn_aborted", reason: "interrupted" } },
    ];
    const statuses = async (path: string) =>
      (await env.store.listTurns({ path }, { sortDirection: "asc" })).turns.map((t) => t.status);

    // The source's last turn is open in its file: the fork ends it as interrupted.
    const open = await env.store.fork({
      source: { threadId: source.id },
      id: randomUUID(),
      closeOpenTurn: closing,
    });
    expect(await statuses(open.path)).toEqual(["completed", "interrupted"]);
    expect(
      (await env.store.forkRecords({ source: { threadId: source.id }, closeOpenTurn: closing })).items.at(-1),
    ).toEqual(closing[0]);

    // The turn ended (and was written) before the fork read the file: copied as it ended, nothing appended.
    await appendFile(
      source.path,
      line("event_msg", { type: "task_complete", turn_id: "t2", last_agent_message: null }),
    );
    const ended = await env.store.fork({
      source: { threadId: source.id },
      id: randomUUID(),
      closeOpenTurn: closing,
    });
    expect(await statuses(ended.path)).toEqual(["completed", "completed"]);
    expect((await readFile(ended.path, "utf8")).includes("turn_aborted")).toBe(false);
  });

  it("forks a fork by reference at a turn of its parent's history, and a legacy rollout by copy", async () => {
    const id = randomUUID();
    const fork = await env.store.fork({
      source: { threadId: FORK_0166 },
      beforeTurnId: PARENT_TURNS[1]!,
      id,
      mode: "reference",
    });
    expect(fork.lastTurn?.turnId).toBe(PARENT_TURNS[0]);
    const meta = JSON.parse((await readFile(fork.path, "utf8")).split("\n")[0]!);
    expect(meta.payload.history_base).toMatchObject({ thread_id: PARENT_0166, end_byte_offset: 49271 });
    expect(
      (await env.store.listTurns({ threadId: id }, { sortDirection: "asc" })).turns.map((t) => t.turnId),
    ).toEqual(PARENT_TURNS.slice(0, 1));
    const legacy = await writeLegacy(["a", "b"]);
    const copied = await env.store.fork({
      source: { threadId: legacy.id },
      id: randomUUID(),
      mode: "reference",
    });
    expect(copied.mode).toBe("copy");
    expect((await env.store.turns({ path: copied.path })).total).toBe(2);
  });
});
