import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { appendFile, cp, mkdir, open, stat, truncate } from "node:fs/promises";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { historyFromRollout } from "../src/compact/index.js";
import { ROLLOUT_MAX_BYTES, type RolloutItem, rolloutPathFor } from "../src/index.js";
import {
  bytesRead,
  FIXTURE_0166,
  FORK_0166,
  legacyMetaLine,
  minutes,
  PARENT_0166,
  rolloutLine,
  tempStore,
  userMessage,
  writeLegacyRollout,
} from "./rollout-fixtures.js";

// Resume replays only what the model's history needs (core README "Resume"): from the latest compaction that
// rebuilds it, found in the turn index, so a 3 GB rollout resumes holding its tail — and the history is always the
// one a whole-file replay gives.

const env = tempStore("codex-resume-");

const line = rolloutLine;
const assistant = (text: string) => ({
  type: "message",
  role: "assistant",
  content: [{ type: "output_text", text }],
});
const turn = (text: string) =>
  line("response_item", userMessage(text)) +
  line("event_msg", { type: "user_message", message: text, images: [] }) +
  line("response_item", assistant(`done: ${text.slice(0, 20)}`));
const ghost = (n: number) => line("response_item", { type: "ghost_snapshot", ghost_commit: { id: `g${n}` } });
const compacted = (message: string) => line("compacted", { message });
const replaced = (items: unknown[]) => line("compacted", { message: "s", replacement_history: items });

const writeRollout = (body: string, id?: string, at?: Date) =>
  writeLegacyRollout(
    env.home,
    line("response_item", userMessage("<environment_context>\n</environment_context>")) + body,
    id,
    at,
  );

const initial = () => [userMessage("<environment_context>now</environment_context>")];
const history = (items: RolloutItem[]) => historyFromRollout(items, initial);

/** A small deterministic PRNG (mulberry32), so every run writes the same rollouts. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("replay from the latest compactions", () => {
  it("gives the history a whole-file replay gives, for rollouts of every shape", async () => {
    let startedLate = 0;
    let sparse = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const rand = prng(seed);
      let body = "";
      const turns = 10 + Math.floor(rand() * 40);
      for (let i = 0; i < turns; i++) {
        // A few messages are longer than the sparse read's window (history-kept.ts, 256 KiB).
        const long = rand() < 0.3;
        const r0 = rand();
        const size = !long
          ? 5 + Math.floor(r0 * 300)
          : r0 < 0.1
            ? 260_000 + Math.floor(r0 * 1_000_000)
            : 20_000 + Math.floor(r0 * 30_000);
        // Turns of both generations (0.166.0's open with task_started), some with more user text inside them
        // (steered input, an aborted marker, injected context) or a ghost snapshot mid-turn: what a sparse read
        // of the text before a compaction must still find.
        const explicit = rand() < 0.3;
        if (explicit) body += line("event_msg", { type: "task_started", turn_id: `t${seed}-${i}` });
        body += turn(`${seed}/${i} ${"w".repeat(size)}`);
        const extra = rand();
        if (extra < 0.1) body += line("response_item", userMessage(`steered ${seed}/${i}`));
        else if (extra < 0.15) body += line("response_item", userMessage("<turn_aborted>\n</turn_aborted>"));
        else if (extra < 0.2)
          body += line("response_item", userMessage("<environment_context>x</environment_context>"));
        else if (extra < 0.25) body += ghost(1000 + i) + line("response_item", assistant("after ghost"));
        if (explicit) body += line("event_msg", { type: "task_complete", turn_id: `t${seed}-${i}` });
        const r = rand();
        if (r < 0.1) body += ghost(i);
        else if (r < 0.3)
          body += compacted(
            rand() < 0.2 ? "" : `summary ${seed}/${i} ${"s".repeat(Math.floor(rand() * 5000))}`,
          );
        else if (r < 0.33)
          body += replaced([
            userMessage(`kept ${i}`),
            { type: "ghost_snapshot", ghost_commit: { id: `r${i}` } },
          ]);
      }
      const { path } = await writeRollout(body);
      const whole = await env.store.loadHistory(path);
      const resumed = await env.store.loadForResume({ path });
      expect(history(resumed.items), `seed ${seed}`).toEqual(history(whole.items));
      expect(resumed.conversationId).toBe(whole.conversationId);
      if (resumed.replayedFrom) startedLate++;
      // Before the last compaction, a summary one, only what it keeps was read: no assistant message.
      const lastCompaction = resumed.items.findLastIndex((i) => i.type === "compacted");
      const before = resumed.items.slice(0, Math.max(lastCompaction, 0));
      const lastIsSummary = !Array.isArray(
        (resumed.items[lastCompaction]?.payload as { replacement_history?: unknown } | undefined)
          ?.replacement_history,
      );
      if (lastCompaction > 0 && lastIsSummary && before.some((i) => i.type === "response_item")) {
        sparse++;
        expect(before.filter((i) => (i.payload as { role?: string }).role === "assistant")).toEqual([]);
      }
      // 0.58.0's resume keeps every event: a rollout this small is read whole.
      const withEvents = await env.store.loadForResume({ path }, { events: true });
      expect(withEvents.items).toEqual(whole.items);
      expect(withEvents.replayedFrom).toBeNull();
    }
    expect(startedLate).toBeGreaterThan(10);
    expect(sparse).toBeGreaterThan(5);
  }, 120_000);

  it("starts where the user text before the last compaction fills the budget, carrying ghost snapshots over", async () => {
    const big = (n: number, c = "m") => turn(`${n} ${c.repeat(30_000)}`);
    // The latest start keeping 80 000 bytes of user text before the last compaction: a compaction when the text
    // after it is enough, else a turn.
    const atCompaction =
      turn("early") +
      ghost(1) +
      compacted("first summary") +
      ghost(2) +
      big(1) +
      big(2) +
      compacted(`second summary ${"s".repeat(50_000)}`) +
      big(3) +
      compacted("third summary") +
      turn("after");
    const atTurn =
      turn("early") +
      ghost(1) +
      compacted("first summary") +
      ghost(2) +
      big(1) +
      big(2) +
      compacted("second summary") +
      big(3) +
      big(4) +
      big(5) +
      compacted("third summary") +
      turn("after");
    for (const [body, startsAt] of [
      [atCompaction, "second summary"],
      [atTurn, '"text":"3 mmm'],
    ]) {
      const { path } = await writeRollout(body!);
      const text = readFileSync(path, "utf8");
      const resumed = await env.store.loadForResume({ path });
      // All ASCII: string indexes are byte offsets.
      expect(resumed.replayedFrom).toEqual({
        path,
        offset: text.lastIndexOf("\n", text.indexOf(startsAt!)) + 1,
      });
      expect(resumed.items.slice(0, 2).map((i) => i.payload)).toEqual([
        { type: "ghost_snapshot", ghost_commit: { id: "g1" } },
        { type: "ghost_snapshot", ghost_commit: { id: "g2" } },
      ]);
      expect(history(resumed.items)).toEqual(history((await env.store.loadHistory(path)).items));
    }
    // A long session compacted once near its end starts a few turns before that compaction.
    const long = await writeRollout(
      Array.from({ length: 400 }, (_, i) => big(i, "l")).join("") +
        compacted("the only summary") +
        turn("last"),
    );
    const resumed = await env.store.loadForResume({ path: long.path });
    expect(resumed.heldBytes).toBeLessThan(200_000);
    expect(history(resumed.items)).toEqual(history((await env.store.loadHistory(long.path)).items));
    // Never compacted: replayed whole.
    const plain = await writeRollout(turn("a") + turn("b"));
    expect((await env.store.loadForResume({ path: plain.path })).replayedFrom).toBeNull();
  });

  it("starts 0.166.0's rollouts at their last replacement_history, a fork's own included", async () => {
    await cp(FIXTURE_0166, env.home, { recursive: true, filter: (src) => !src.endsWith("README.md") });
    const parent = await env.store.loadForResume({ threadId: PARENT_0166 });
    expect(parent.replayedFrom?.offset).toBe(97599); // the parent's compacted line
    const parentPath = parent.replayedFrom!.path;
    expect(history(parent.items)).toEqual(history((await env.store.loadHistory(parentPath)).items));
    expect(history(parent.items)[0]).toMatchObject({ type: "message", role: "user" });
    const fork = await env.store.loadForResume({ threadId: FORK_0166 });
    expect(fork.conversationId).toBe(FORK_0166);
    expect(fork.replayedFrom?.path).toContain(FORK_0166);
    const forkPath = fork.replayedFrom!.path;
    expect(history(fork.items)).toEqual(history((await env.store.loadHistory(forkPath)).items));
  });
});

describe("a 3 GiB rollout (sparse: a few KB on disk)", () => {
  it("is listed, read in pages, and resumed from its tail; only 0.58.0's whole-file load refuses it", async () => {
    const id = randomUUID();
    const path = rolloutPathFor(env.home, minutes(0), id);
    await mkdir(dirname(path), { recursive: true });
    const head =
      legacyMetaLine(id) +
      line("response_item", userMessage("<environment_context>\n</environment_context>")) +
      turn("first request") +
      ghost(1);
    const tail =
      `\n${compacted("summary one")}` +
      turn(`big ${"b".repeat(45_000)}`) +
      turn(`big ${"c".repeat(45_000)}`) +
      compacted("summary two") +
      turn("after the compactions");
    const HOLE = 3 * 1024 ** 3;
    const file = await open(path, "w");
    await file.write(head, 0);
    await file.write(tail, Buffer.byteLength(head) + HOLE);
    await file.close();
    const st = await stat(path);
    expect(st.size).toBeGreaterThan(HOLE);
    expect(st.blocks * 512).toBeLessThan(10 * 1024 * 1024);

    // Listed, with its summary (the head is all a listing reads).
    const listed = await env.store.listThreads({ defaultProvider: "openai" });
    expect(listed.items.map((t) => [t.conversationId, t.preview])).toEqual([[id, "first request"]]);
    expect((await env.store.readThread({ threadId: id }, "openai"))?.preview).toBe("first request");

    // Turns in pages: the newest turn, then its lines, without reading the hole again.
    const last = await env.store.listTurns({ threadId: id }, { limit: 1 });
    expect(last.total).toBe(4);
    const before = bytesRead();
    const lines = [];
    for await (const l of env.store.readHistory({ threadId: id }, { turnId: last.turns[0]!.turnId }))
      lines.push(l);
    expect(lines[0]?.record).toMatchObject({ payload: { content: [{ text: "after the compactions" }] } });
    if (before !== null) expect(bytesRead()! - before).toBeLessThan(1024 * 1024);

    // Resumed from its tail: the history equals a whole replay of the same rollout without the hole.
    const resumed = await env.store.loadForResume({ threadId: id });
    expect(resumed.replayedFrom?.offset).toBeGreaterThan(HOLE);
    expect(resumed.heldBytes).toBeLessThan(1024 * 1024);
    const twin = await writeRollout(turn("first request") + ghost(1) + tail, randomUUID(), minutes(1));
    expect(history(resumed.items)).toEqual(history((await env.store.loadHistory(twin.path)).items));
    // 0.58.0's resume wants every event: a file over ROLLOUT_MAX_BYTES gives those since the replay start.
    const v1 = await env.store.loadForResume({ path }, { events: true });
    expect(v1.replayedFrom?.offset).toBe(resumed.replayedFrom?.offset);
    expect(v1.items.filter((i) => i.type === "event_msg")).toHaveLength(3);
    await expect(env.store.loadHistory(path)).rejects.toThrow(`the limit is ${ROLLOUT_MAX_BYTES} bytes`);
  }, 120_000);

  it("plans now and reads later: lines appended since are not read, a rollout cut since is refused", async () => {
    const big = (n: number) => turn(`${n} ${"m".repeat(30_000)}`);
    const { path } = await writeRollout(
      turn("early") + big(1) + big(2) + big(3) + compacted("summary") + turn("after"),
    );
    const whole = await env.store.loadHistory(path);
    const plan = await env.store.planForResume({ path });
    expect(plan.conversationId).toBe(whole.conversationId);
    await appendFile(path, turn("appended since"));
    const later = await plan.load();
    expect(history(later.items)).toEqual(history(whole.items));
    expect(JSON.stringify(later.items)).not.toContain("appended since");
    // Before the compaction only what it keeps was read: the user's messages, no answer.
    const kept = later.items.slice(
      0,
      later.items.findIndex((i) => i.type === "compacted"),
    );
    expect(kept.map((i) => (i.payload as { role?: string }).role)).toEqual(["user", "user", "user"]);

    const cut = await env.store.planForResume({ path });
    await truncate(path, (await stat(path)).size - 100);
    await expect(cut.load()).rejects.toMatchObject({ name: "RolloutChangedError" });
  });

  it("refuses a replay that would hold more than its cap (ROLLOUT_MAX_BYTES by default)", async () => {
    const { path } = await writeRollout(turn("start") + turn(`${"x".repeat(600_000)}`) + turn("end"));
    await expect(env.store.loadForResume({ path }, { maxBytes: 500_000 })).rejects.toThrow(
      "the history to replay from its start is over 500000 bytes (no compaction since)",
    );
    expect((await env.store.loadForResume({ path }, { maxBytes: 2_000_000 })).heldBytes).toBeGreaterThan(
      600_000,
    );
  });
});
