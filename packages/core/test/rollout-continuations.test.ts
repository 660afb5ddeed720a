import { copyFile, mkdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  continuationById,
  continuationsOf,
  currentRollout,
  moveContinuations,
} from "../src/rollout/continuations.js";
import { parseContinuationFileName } from "../src/rollout/paths.js";

/**
 * Finding the continuations codex 0.166.0's `thread/revert` writes (`rollout-<its time>-<thread>_<history id>.jsonl`
 * in the day folder of the revert): the newest across day folders, every one of a thread, one by history id, and
 * moving them (archive). The history they hold is read by the history-segment walk (revert-chains e2e test).
 */
const COMPRESSED_FIXTURE = join(
  import.meta.dirname,
  "fixtures/rollouts-0166-compressed/sessions/2025/10/01",
  "rollout-2025-10-01T10-00-00-01a241ad-5417-7fb3-9c8e-24f0707d17b2.jsonl.zst",
);
const THREAD = "01a24a52-32b5-78b2-9902-41fc23596174";
const OTHER = "01a24a52-32b5-78b2-9902-41fc23596175";
// UUID v7 history ids: 0x01a24a52… is 2026-12-06, 0x01a2419f… is 2026-12-04.
const EARLY = "01a2419f-0000-7000-8000-000000000001";
const LATER = "01a24a52-3358-7790-94f1-4a884ea2d60f";
const LATEST = "01a24a52-3392-7ee1-9085-c8cdd195fafd";

let home: string;
beforeEach(async () => {
  home = await tempDir("codex-continuations-");
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

async function file(rel: string): Promise<string> {
  const path = join(home, rel);
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, "{}\n");
  return path;
}

const first = `sessions/2026/12/04/rollout-2026-12-04T10-00-00-${THREAD}.jsonl`;
const cont = (day: string, id: string, thread = THREAD) =>
  `sessions/2026/12/${day}/rollout-2026-12-${day}T11-00-00-${thread}_${id}.jsonl`;

describe("revert continuations", () => {
  it("parses a continuation's name and nothing else", () => {
    expect(parseContinuationFileName(`rollout-2026-12-06T07-47-10-${THREAD}_${LATER}.jsonl`)).toEqual({
      timestamp: "2026-12-06T07-47-10",
      threadId: THREAD,
      historyId: LATER,
      stem: `rollout-2026-12-06T07-47-10-${THREAD}`,
    });
    for (const name of [
      `rollout-2026-12-06T07-47-10-${THREAD}.jsonl`,
      `rollout-2026-12-06T07-47-10-${THREAD}-${LATER}.jsonl`,
      `rollout-2026-12-06T07-47-10-${THREAD}_${LATER}.json`,
      `rollout-2026-12-06T07-47-10-${THREAD}_not-a-uuid.jsonl`,
      `rollout-yesterday-${THREAD}_${LATER}.jsonl`,
      `x-2026-12-06T07-47-10-${THREAD}_${LATER}.jsonl`,
    ]) {
      expect(parseContinuationFileName(name), name).toBeNull();
    }
  });

  it("finds a thread's newest continuation across day folders, and every one of them", async () => {
    const path = await file(first);
    expect(await currentRollout(path)).toEqual({ path, historyId: THREAD });
    const early = await file(cont("04", EARLY));
    await file(cont("06", EARLY, OTHER)); // another thread's, newer
    expect(await currentRollout(path)).toEqual({ path: early, historyId: EARLY });
    const later = await file(cont("06", LATER));
    const latest = await file(cont("06", LATEST));
    // From any rollout of the thread, the first or a continuation.
    for (const from of [path, early, later]) {
      expect(await currentRollout(from)).toEqual({ path: latest, historyId: LATEST });
    }
    expect(await continuationsOf(path)).toEqual([latest, later, early]);
    // A folder older than the thread's first day is not looked at.
    await file(cont("03", "01a2419f-0000-7000-8000-000000000009"));
    expect(await continuationsOf(path)).toEqual([latest, later, early]);
  });

  it("sees a continuation added or removed since the folder was listed", async () => {
    const path = await file(first);
    const early = await file(cont("04", EARLY));
    expect((await currentRollout(path)).path).toBe(early);
    const later = await file(cont("04", LATER));
    // The folder's mtime moved on; make sure even a coarse clock shows it.
    await utimes(join(home, "sessions/2026/12/04"), new Date(), new Date(Date.now() + 5000));
    expect((await currentRollout(path)).path).toBe(later);
    await rm(later);
    await utimes(join(home, "sessions/2026/12/04"), new Date(), new Date(Date.now() + 10_000));
    expect((await currentRollout(path)).path).toBe(early);
  });

  it("restores a continuation 0.166.0 compressed before it is read", async () => {
    const path = await file(first);
    await file(cont("04", EARLY));
    const zst = join(home, `${cont("06", LATEST)}.zst`);
    await mkdir(join(zst, ".."), { recursive: true });
    await copyFile(COMPRESSED_FIXTURE, zst);
    const plain = join(home, cont("06", LATEST));
    expect(await currentRollout(path)).toEqual({ path: plain, historyId: LATEST });
    expect((await readFile(plain, "utf8")).startsWith('{"timestamp"')).toBe(true);
    expect(await continuationsOf(path)).toEqual([plain, join(home, cont("04", EARLY))]);
  });

  it("finds a continuation by history id in the day folder its UUID v7 names, or next to the reader", async () => {
    const from = await file(`sessions/2026/12/04/rollout-2026-12-04T12-00-00-${OTHER}.jsonl`);
    const later = await file(cont("06", LATER));
    expect(await continuationById(home, LATER, from)).toBe(later);
    const archived = await file(`archived_sessions/rollout-2026-12-06T11-00-00-${THREAD}_${LATEST}.jsonl`);
    const reader = await file(`archived_sessions/rollout-2026-12-04T12-00-00-${OTHER}.jsonl`);
    expect(await continuationById(home, LATEST, reader)).toBe(archived);
    expect(await continuationById(home, "01a24a52-0000-7000-8000-00000000dead", from)).toBeNull();
  });

  it("moves every continuation of a thread, and only those", async () => {
    const path = await file(first);
    await file(cont("04", EARLY));
    await file(cont("06", LATER));
    const others = await file(cont("06", LATEST, OTHER));
    const archived = join(home, "archived_sessions");
    await moveContinuations(path, () => archived);
    const moved = await continuationsOf(join(archived, `rollout-2026-12-04T10-00-00-${THREAD}.jsonl`));
    expect(moved.map((p) => p.slice(home.length + 1))).toEqual([
      `archived_sessions/rollout-2026-12-06T11-00-00-${THREAD}_${LATER}.jsonl`,
      `archived_sessions/rollout-2026-12-04T11-00-00-${THREAD}_${EARLY}.jsonl`,
    ]);
    expect(await continuationsOf(path)).toEqual([]);
    expect(await continuationsOf(others)).toEqual([others]);
  });
});
