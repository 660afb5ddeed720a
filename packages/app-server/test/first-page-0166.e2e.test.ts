import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { HEAD_SNAPSHOT_FILE, rolloutPathFor, SESSION_INDEX_FILE } from "@codex-ts/core";
import { mockCodexHome } from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModernClient, OURS } from "./helpers/modern-client.js";

/**
 * The 0.166 `thread/list` first page after spawn is read straight from the newest day folders and
 * session_index.jsonl (core `first-page.ts`), before the sessions index is opened. Through the real CLI, on a store
 * with named, renamed and archived threads, rollouts 0.166.0 wrote, odd and corrupt heads and more threads than a
 * page: each query's first answer of a fresh process must be byte for byte the answer the same process gives once
 * its index is open, and the one a process whose index was opened first gives; its `nextCursor` must page on.
 */
const FIXTURE_0166 = path.resolve(import.meta.dirname, "../../core/test/fixtures/rollouts-0166");

let tmp: string;
let home: string;
let archivedId: string;
let cwd: string;
const clients: ModernClient[] = [];

const line = (type: string, payload: unknown, at: Date) =>
  `${JSON.stringify({ timestamp: at.toISOString(), type, payload })}\n`;
const userMessage = (text: string) => ({
  type: "message",
  role: "user",
  content: [{ type: "input_text", text }],
});

interface Made {
  id: string;
  file: string;
}

/** A 0.58.0-format rollout; `lines` replaces its content (odd heads). */
async function writeRollout(
  i: number,
  o: { lines?: string; meta?: Record<string, unknown> } = {},
): Promise<Made> {
  const at = new Date(Date.UTC(2026, 10, 20, 9, 0, 0) + i * 7 * 3600_000 + (i % 3) * 1000);
  const id = randomUUID();
  const file = rolloutPathFor(home, at, id);
  await fs.mkdir(path.dirname(file), { recursive: true });
  // Mostly listed threads, as real stores are (a page among many skipped files is left to the index).
  const source =
    i % 10 === 3 ? "exec" : i % 11 === 5 ? "cli" : i % 17 === 6 ? { subagent: "review" } : "vscode";
  const meta: Record<string, unknown> = {
    id,
    timestamp: at.toISOString(),
    cwd: `/work/p${i % 3}`,
    originator: "codex_vscode",
    cli_version: "0.58.0",
    instructions: null,
    source,
    ...(i % 6 === 2 ? {} : { model_provider: i % 5 === 1 ? "oss" : "mock" }),
    ...(i % 4 === 0
      ? { git: { commit_hash: "abc123", branch: `b${i}`, repository_url: "git@x:y.git" } }
      : {}),
    ...o.meta,
  };
  const text = i % 8 === 1 ? `Ünïcode ✓ task ${i}` : i === 17 ? `big ${"x".repeat(100_000)}` : `task ${i}`;
  const content =
    o.lines ??
    line("session_meta", meta, at) +
      line("response_item", userMessage("<environment_context>\n</environment_context>"), at) +
      line("response_item", userMessage(text), at) +
      (i % 12 === 4 ? "" : line("event_msg", { type: "user_message", message: text, images: [] }, at)) +
      line(
        "response_item",
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "ok" }] },
        at,
      );
  await fs.writeFile(file, content);
  return { id, file };
}

beforeAll(async () => {
  tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-first-page-0166-")));
  cwd = path.join(tmp, "project");
  await fs.mkdir(cwd, { recursive: true });
  // No model is asked (a closed port): listing needs only the server's default provider, "mock".
  home = await mockCodexHome("http://127.0.0.1:9/v1", { dir: path.join(tmp, "home") });
  // The rollouts and names 0.166.0 wrote (newest: 2026-12-04), one of them archived.
  await fs.cp(FIXTURE_0166, home, { recursive: true, filter: (src) => !src.endsWith("README.md") });
  const made: Made[] = [];
  for (let i = 0; i < 50; i++) made.push(await writeRollout(i));
  const day = (i: number) => path.dirname(made[i]!.file);
  // Odd and corrupt heads among the newest: none may shift the page or the cursor.
  await writeRollout(48, { lines: `not json\n${line("session_meta", { id: "x" }, new Date())}` });
  await writeRollout(47, { lines: "" });
  await writeRollout(46, { lines: JSON.stringify({ type: "session_meta", payload: { id: "cut" } }) });
  await writeRollout(45, { meta: { id: randomUUID() } }); // its session_meta names another thread
  await writeRollout(44, { meta: { source: 7, model_provider: null } });
  await fs.mkdir(path.join(day(49), `rollout-2026-11-30T00-00-00-${randomUUID()}.jsonl`)); // a folder
  await fs.writeFile(path.join(day(49), "notes.txt"), "not a rollout\n");
  await fs.mkdir(path.join(home, "sessions", "2026", "notes"), { recursive: true });
  // Archived threads are not listed live, named or not.
  archivedId = made[42]!.id;
  for (const i of [42, 41]) {
    await fs.rename(made[i]!.file, path.join(home, "archived_sessions", path.basename(made[i]!.file)));
  }
  const names = [
    { id: made[42]!.id, thread_name: "archived and named" },
    { id: made[37]!.id, thread_name: "first" },
    { id: made[37]!.id, thread_name: "  renamed  " },
    { id: made[36]!.id.toUpperCase(), thread_name: "upper-case id" },
    { id: made[35]!.id, thread_name: "cleared" },
    { id: made[35]!.id, thread_name: "" },
    { id: made[32]!.id, thread_name: 12 },
  ];
  await fs.appendFile(
    path.join(home, SESSION_INDEX_FILE),
    `${names.map((n) => JSON.stringify(n)).join("\n")}\nnot json\n${JSON.stringify({ id: made[29]!.id, thread_name: "half written" })}`,
  );
}, 60_000);

afterAll(async () => {
  for (const c of clients) if (c.running) await c.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

async function start(): Promise<ModernClient> {
  const c = await ModernClient.start(OURS, { codexHome: home, cwd });
  clients.push(c);
  return c;
}

/** The `thread/list` answer as it came over the wire (re-serialized: our server writes compact JSON). */
async function list(c: ModernClient, params: Record<string, unknown>): Promise<string> {
  const msg = await c.raw("thread/list", params);
  if (!("result" in msg)) throw new Error(`thread/list ${JSON.stringify(params)}: ${JSON.stringify(msg)}`);
  return JSON.stringify(msg.result);
}

const QUERIES: Record<string, unknown>[] = [
  { limit: 10 },
  {},
  { limit: 4, sortKey: "created_at", sortDirection: "desc" },
  { limit: 4, cwd: ["/work/p0", "/work/p1", "/work/p2", "/tmp/recon0166-x-og13kM/project"] },
  { limit: 5, sourceKinds: ["vscode", "exec"] },
  { limit: 5, modelProviders: ["mock", "oss"] },
  { limit: 6, modelProviders: ["mock"] }, // with the threads that recorded no provider
  { limit: 4, excludedThreadIds: ["01a241ad-5417-7fb3-9c8e-24f0707d17b2"] },
];

describe("the 0.166 thread/list first page after spawn", () => {
  it("is the index's page byte for byte, and its cursor pages on with the index", async () => {
    const firsts: string[] = [];
    for (const q of QUERIES) {
      const c = await start();
      const first = await list(c, q); // from the files: the index is not open yet
      const again = await list(c, q); // from the index, opened after the first answer
      expect(first, JSON.stringify(q)).toBe(again);
      firsts.push(first);
      await c.close();
    }
    // A process whose index is opened by another listing first answers the same pages, and every page after.
    const c = await start();
    await list(c, { sortKey: "updated_at", limit: 1 });
    for (const [i, q] of QUERIES.entries()) {
      expect(await list(c, q), JSON.stringify(q)).toBe(firsts[i]);
      const page = JSON.parse(firsts[i]!) as { data: { id: string }[]; nextCursor: string | null };
      const whole = JSON.parse(await list(c, { ...q, limit: 1000 })) as { data: { id: string }[] };
      const ids = [...page.data.map((t) => t.id)];
      for (let cursor = page.nextCursor; cursor !== null; ) {
        const next = JSON.parse(await list(c, { ...q, cursor })) as typeof page;
        ids.push(...next.data.map((t) => t.id));
        cursor = next.nextCursor;
      }
      expect(ids, JSON.stringify(q)).toEqual(whole.data.map((t) => t.id));
    }
    await c.close();
    // What the page shows: names as the names file has them (latest line, trimmed, any case, a cleared one gone, a
    // line still being written not yet), 0.166.0's rollouts, no archived thread.
    const page = JSON.parse(firsts[1]!) as {
      data: { id: string; name: string | null; historyMode: string }[];
    };
    expect(page.data.length).toBe(25);
    expect(page.data.filter((t) => t.name !== null).map((t) => t.name)).toEqual([
      "Say hello to the mock",
      "renamed",
      "upper-case id",
    ]);
    expect(page.data.filter((t) => t.historyMode === "paginated").map((t) => t.id)).toEqual([
      "01a241ad-5417-7fb3-9c8e-24f0707d17b2",
    ]);
    expect(page.data.map((t) => t.id)).not.toContain(archivedId);
  }, 120_000);

  it("takes unchanged heads from the last first page's snapshot, and reads changed ones again", async () => {
    // Heads of files modified in the last seconds are not kept (coarse mtimes): the store's files are older.
    const old = new Date(Date.now() - 3600_000);
    const rollouts = (await fs.readdir(path.join(home, "sessions"), { recursive: true }))
      .filter((f) => f.endsWith(".jsonl"))
      .map((f) => path.join(home, "sessions", f));
    for (const f of rollouts) if ((await fs.stat(f)).isFile()) await fs.utimes(f, old, old);
    const snapshot = path.join(home, HEAD_SNAPSHOT_FILE);
    await fs.rm(snapshot, { force: true });
    /** Each query's first page of a fresh process, checked against the page its index gives. */
    const firstPages = async (): Promise<string[]> => {
      const pages: string[] = [];
      for (const q of QUERIES) {
        const c = await start();
        const first = await list(c, q);
        expect(first, JSON.stringify(q)).toBe(await list(c, q));
        pages.push(first);
        await c.close();
      }
      return pages;
    };
    const fromFiles = await firstPages();
    // The processes wrote their pages' heads before exiting (the write follows the answer, the exit waits for it).
    const kept = JSON.parse(await fs.readFile(snapshot, "utf8")) as { heads: [string][] };
    expect(kept.heads.length).toBeGreaterThan(0);
    expect(await firstPages()).toEqual(fromFiles);
    // A head rewritten since (a shorter preview) is read again; one whose file grew (a turn appended) keeps its
    // facts and shows its new mtime, as the index has them.
    const [newest, second] = (JSON.parse(fromFiles[1]!) as { data: { path: string; preview: string }[] })
      .data;
    const text = await fs.readFile(newest!.path, "utf8");
    await fs.writeFile(newest!.path, text.replaceAll(newest!.preview, "x"));
    await fs.appendFile(second!.path, line("event_msg", { type: "agent_message", message: "later" }, old));
    const edit = new Date(old.getTime() + 60_000);
    for (const f of [newest!.path, second!.path]) await fs.utimes(f, edit, edit);
    const edited = await firstPages();
    const shown = (JSON.parse(edited[1]!) as { data: { preview: string; updatedAt: number }[] }).data;
    expect(shown.slice(0, 2).map((t) => [t.preview, t.updatedAt])).toEqual([
      ["x", Math.floor(edit.getTime() / 1000)],
      [second!.preview, Math.floor(edit.getTime() / 1000)],
    ]);
    await fs.writeFile(snapshot, (await fs.readFile(snapshot, "utf8")).slice(0, 100));
    expect(await firstPages()).toEqual(edited);
  }, 120_000);
});
