import { access, appendFile, mkdir, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { beforeEach, describe, expect, it } from "vitest";
import type { HeadFacts } from "../src/rollout/facts.js";
import { HEAD_SNAPSHOT_FILE, HeadSnapshot } from "../src/rollout/head-snapshot.js";

// The first listing page keeps the heads it read for the next process's first page (head-snapshot.ts): a head is
// taken from the snapshot only while its file says it still holds, by the index's own rules.

let home: string;
beforeEach(async () => {
  home = await tempDir("codex-head-snapshot-");
});

const facts = (preview: string): HeadFacts => ({
  source: "vscode",
  provider: "openai",
  sawUserEvent: true,
  summary: null,
  originator: preview,
});
const HOUR_AGO = new Date(Date.now() - 3600_000);

/** A file of `text`, modified an hour ago; its head as the snapshot records it. */
async function file(name: string, text: string, complete = true) {
  const path = join(home, name);
  await writeFile(path, text);
  await utimes(path, HOUR_AGO, HOUR_AGO);
  const { size, mtimeMs } = await stat(path);
  return { path, head: { facts: facts(name), size, mtime: mtimeMs, complete } };
}

/** Saves what `snapshot` used and waits for the file to be renamed into place. */
async function saved(snapshot: HeadSnapshot): Promise<void> {
  snapshot.saveSoon();
  for (;;) {
    const names = await readdir(home);
    if (names.includes(HEAD_SNAPSHOT_FILE) && !names.some((n) => n.endsWith(".tmp"))) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("HeadSnapshot", () => {
  it("gives back an unchanged head, and a complete one whose file only grew, with the file's size and mtime", async () => {
    const a = await file("a", "aaaa");
    const b = await file("b", "bbbb");
    const c = await file("c", "cccc");
    const d = await file("d", "dddd", false);
    await mkdir(join(home, "sub"));
    const e = await file(join("sub", "e"), "eeee");
    const first = HeadSnapshot.load(home);
    for (const f of [a, b, c, d, e]) {
      expect(first.lookup(f.path)).toBeNull();
      first.record(f.path, f.head);
    }
    await saved(first);
    const later = new Date(HOUR_AGO.getTime() + 60_000);
    await appendFile(b.path, "more"); // appended: a complete head holds
    await writeFile(c.path, "cc"); // rewritten shorter: read again
    await appendFile(d.path, "more"); // appended to a head read to EOF: read again
    for (const f of [b, c, d]) await utimes(f.path, later, later);
    const next = HeadSnapshot.load(home);
    expect(next.lookup(a.path)).toEqual(a.head);
    expect(next.lookup(b.path)).toEqual({ ...b.head, size: 8, mtime: (await stat(b.path)).mtimeMs });
    expect(next.lookup(c.path)).toBeNull();
    expect(next.lookup(d.path)).toBeNull();
    expect(next.lookup(join(home, "missing"))).toBeNull();
    await rm(join(home, "sub"), { recursive: true });
    await writeFile(join(home, "sub"), "a file where its folder was");
    expect(next.lookup(e.path)).toBeNull(); // ENOTDIR: not a crash
  });

  it("keeps no head of a file modified in the last seconds, and writes nothing when no head was read", async () => {
    const fresh = join(home, "fresh");
    await writeFile(fresh, "new");
    const old = await file("old", "old");
    const first = HeadSnapshot.load(home);
    first.record(fresh, { facts: facts("fresh"), size: 3, mtime: Date.now(), complete: true });
    first.record(old.path, old.head);
    await saved(first);
    const next = HeadSnapshot.load(home);
    expect(next.lookup(fresh)).toBeNull();
    expect(next.lookup(old.path)).toEqual(old.head);
    await writeFile(join(home, HEAD_SNAPSHOT_FILE), "{}");
    next.saveSoon(); // only looked up: nothing to write
    await new Promise((resolve) => setImmediate(resolve));
    expect(HeadSnapshot.load(home).lookup(old.path)).toBeNull();
  });

  it("ignores a missing, torn or foreign snapshot", async () => {
    const a = await file("a", "aaaa");
    expect(HeadSnapshot.load(home).lookup(a.path)).toBeNull();
    for (const text of [
      "{",
      "[]",
      '{"version":2,"heads":[["x"]]}',
      JSON.stringify({ version: 1, heads: [] }),
    ]) {
      await writeFile(join(home, HEAD_SNAPSHOT_FILE), text);
      expect(HeadSnapshot.load(home).lookup(a.path)).toBeNull();
    }
    await access(join(home, HEAD_SNAPSHOT_FILE));
  });
});
