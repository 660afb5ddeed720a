import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { currentRollout } from "../src/rollout/continuations.js";
import { bindingOptionsForDriver, loadDriver } from "../src/rollout/index-db.js";
import { nativePointingPending, pointNativeThreadAt } from "../src/rollout/native-state.js";
import { parseContinuationFileName } from "../src/rollout/paths.js";
import { startContinuation } from "../src/rollout/revert.js";

/**
 * The continuation `thread/revert` starts for a paginated thread (revert.ts): one session_meta line, the thread's
 * own, whose `history_base` keeps the history up to the reverted turn's first line, numbered with that line's ordinal
 * (0.166.0's layout, compared with 0.166.0's own in test/revert-paginated-0166.e2e.test.ts of the app server).
 */
const THREAD = "01a24a52-32b5-78b2-9902-41fc23596174";
const NOW = new Date("2026-12-06T12:00:00.000Z");

let home: string;
beforeEach(async () => {
  home = await tempDir("codex-revert-");
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const meta = (ordinal: number | null, extra: Record<string, unknown> = {}) => ({
  timestamp: "2026-12-04T10:00:00.000Z",
  ...(ordinal === null ? {} : { ordinal }),
  type: "session_meta",
  payload: {
    id: THREAD,
    timestamp: "2026-12-04T10:00:00.000Z",
    history_mode: "paginated",
    cwd: "/w",
    ...extra,
  },
});
const event = (ordinal: number | null, type: string, turn: string) => ({
  timestamp: "2026-12-04T10:00:01.000Z",
  ...(ordinal === null ? {} : { ordinal }),
  type: "event_msg",
  payload: { type, turn_id: turn },
});

/** Writes the rollout; returns its path and where each line starts. */
async function rollout(rel: string, lines: object[]): Promise<{ path: string; starts: number[] }> {
  const path = join(home, rel);
  await mkdir(dirname(path), { recursive: true });
  const text = lines.map((l) => `${JSON.stringify(l)}\n`);
  const starts = text.map((_, i) => Buffer.byteLength(text.slice(0, i).join("")));
  await writeFile(path, text.join(""));
  return { path, starts };
}

const firstLine = async (path: string) => JSON.parse((await readFile(path, "utf8")).split("\n")[0]!);

describe("startContinuation", () => {
  it("keeps the history up to the reverted turn's first line, numbered as that line", async () => {
    const rel = `sessions/2026/12/04/rollout-2026-12-04T10-00-00-${THREAD}.jsonl`;
    const lines = [
      meta(0),
      event(1, "task_started", "t1"),
      event(2, "task_complete", "t1"),
      event(3, "task_started", "t2"),
      event(4, "task_complete", "t2"),
    ];
    const { path, starts } = await rollout(rel, lines);
    const before = await readFile(path, "utf8");
    const c = await startContinuation(
      home,
      THREAD,
      path,
      { path, historyId: THREAD, startOffset: starts[3]! },
      NOW,
    );
    expect(parseContinuationFileName(c.path.split("/").at(-1)!)).toMatchObject({
      threadId: THREAD,
      historyId: c.historyId,
    });
    expect(dirname(c.path)).toBe(join(home, "sessions/2026/12/06"));
    const written = await readFile(c.path, "utf8");
    expect(written.split("\n")).toHaveLength(2); // one line, newline-terminated
    expect(JSON.parse(written)).toEqual({
      timestamp: NOW.toISOString(),
      ordinal: 3,
      type: "session_meta",
      payload: {
        ...meta(0).payload,
        timestamp: NOW.toISOString(),
        history_base: { thread_id: THREAD, end_ordinal_exclusive: 3, end_byte_offset: starts[3] },
      },
    });
    // Nothing else was written: the rollout is as it was, and no temp file is left.
    expect(await readFile(path, "utf8")).toBe(before);
    expect(await readdir(dirname(c.path))).toEqual([c.path.split("/").at(-1)]);
    expect(await currentRollout(path)).toEqual({ path: c.path, historyId: c.historyId });
  });

  it("continues from the newest continuation: its meta, a new history_base naming where the turn is", async () => {
    const rel = `sessions/2026/12/04/rollout-2026-12-04T10-00-00-${THREAD}.jsonl`;
    const { path, starts } = await rollout(rel, [
      meta(0),
      event(1, "task_started", "t1"),
      event(2, "task_complete", "t1"),
    ]);
    const earlier = await startContinuation(
      home,
      THREAD,
      path,
      { path, historyId: THREAD, startOffset: starts[1]! },
      NOW,
    );
    // The earlier continuation goes on (lines appended after its meta, numbered on).
    await writeFile(
      earlier.path,
      `${JSON.stringify(event(2, "task_started", "t3"))}\n${JSON.stringify(event(3, "task_complete", "t3"))}\n`,
      { flag: "a" },
    );
    const metaEnd = Buffer.byteLength((await readFile(earlier.path, "utf8")).split("\n")[0]!) + 1;
    const later = new Date(NOW.getTime() + 1000);
    const c = await startContinuation(
      home,
      THREAD,
      path,
      { path: earlier.path, historyId: earlier.historyId, startOffset: metaEnd },
      later,
    );
    const line = await firstLine(c.path);
    expect(line.ordinal).toBe(2);
    expect(line.payload.history_base).toEqual({
      thread_id: earlier.historyId,
      end_ordinal_exclusive: 2,
      end_byte_offset: metaEnd,
    });
    expect(line.payload.timestamp).toBe(later.toISOString());
    expect(await currentRollout(path)).toEqual({ path: c.path, historyId: c.historyId });
  });

  it("keeps nothing before the thread's first turn: no history_base, numbered from 0", async () => {
    const rel = `sessions/2026/12/04/rollout-2026-12-04T10-00-00-${THREAD}.jsonl`;
    const { path, starts } = await rollout(rel, [meta(0), event(1, "task_started", "t1")]);
    const cut = { path, historyId: THREAD, startOffset: starts[1]!, first: true };
    const line = await firstLine((await startContinuation(home, THREAD, path, cut, NOW)).path);
    expect(line.ordinal).toBe(0);
    expect(line.payload).toEqual({ ...meta(0).payload, timestamp: NOW.toISOString() });
  });

  it("numbers from the lines before the cut when they carry no ordinal", async () => {
    const rel = `sessions/2026/12/04/rollout-2026-12-04T10-00-00-${THREAD}.jsonl`;
    const { path, starts } = await rollout(rel, [
      meta(null),
      event(null, "task_started", "t1"),
      event(null, "task_complete", "t1"),
      event(null, "task_started", "t2"),
    ]);
    const c = await startContinuation(
      home,
      THREAD,
      path,
      { path, historyId: THREAD, startOffset: starts[3]! },
      NOW,
    );
    expect((await firstLine(c.path)).ordinal).toBe(3);
  });
});

describe("pointNativeThreadAt", () => {
  it("points 0.166.0's row of the thread at the continuation, and creates nothing", async () => {
    const Driver = loadDriver();
    if (!Driver) return; // without SQLite there is nothing to point
    expect(pointNativeThreadAt(home, THREAD, "/new")).toBe("absent");
    expect(await readdir(home)).toEqual([]);
    const db = new Driver(join(home, "state_5.sqlite"), bindingOptionsForDriver());
    db.exec("CREATE TABLE threads (id TEXT PRIMARY KEY, rollout_path TEXT NOT NULL, title TEXT NOT NULL)");
    db.prepare("INSERT INTO threads VALUES (?, ?, ?)").run(THREAD, "/old", "kept");
    db.prepare("INSERT INTO threads VALUES (?, ?, ?)").run("other", "/other", "kept");
    expect(pointNativeThreadAt(home, THREAD, "/new")).toBe("pointed");
    expect(pointNativeThreadAt(home, "unknown", "/new")).toBe("absent");
    expect(db.prepare("SELECT id, rollout_path, title FROM threads ORDER BY id").all()).toEqual([
      { id: THREAD, rollout_path: "/new", title: "kept" },
      { id: "other", rollout_path: "/other", title: "kept" },
    ]);
    db.close();
  });

  for (const journal of ["WAL", "DELETE"])
    it(`does not wait for a database another connection holds locked (${journal} journal): it updates it later`, async () => {
      const Driver = loadDriver();
      if (!Driver) return;
      const holder = new Driver(join(home, "state_5.sqlite"), bindingOptionsForDriver());
      holder.pragma(`journal_mode = ${journal}`);
      holder.exec("CREATE TABLE threads (id TEXT PRIMARY KEY, rollout_path TEXT NOT NULL)");
      holder.prepare("INSERT INTO threads VALUES (?, ?)").run(THREAD, "/old");
      holder.exec("BEGIN EXCLUSIVE");
      const landed: string[] = [];
      const failures: string[] = [];
      const reports = {
        onLanded: (o: string) => landed.push(o),
        onLateFailure: (m: string) => failures.push(m),
      };
      // Deferred, not waited for; a second pointing (a newer continuation) replaces the first one still waiting.
      expect(pointNativeThreadAt(home, THREAD, "/first", reports)).toBe("deferred");
      expect(pointNativeThreadAt(home, THREAD, "/second", reports)).toBe("deferred");
      expect(nativePointingPending(home, THREAD)).toBe(true);
      // Timers run meanwhile: the event loop is free while the lock is held.
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(holder.prepare("SELECT rollout_path FROM threads").all()).toEqual([{ rollout_path: "/old" }]);
      expect(landed).toEqual([]);
      holder.exec("COMMIT");
      while (nativePointingPending(home, THREAD)) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(landed).toEqual(["pointed"]);
      expect(failures).toEqual([]);
      expect(holder.prepare("SELECT rollout_path FROM threads").all()).toEqual([{ rollout_path: "/second" }]);
      holder.close();
    });
});
