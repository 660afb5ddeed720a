import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appendName, removeNames, SESSION_INDEX_FILE } from "../src/rollout/names.js";

// session_index.jsonl when a thread is deleted (issue 16): its lines go, every other line stays, the file is
// replaced whole (never half-written), and names written meanwhile — by this process or another — are kept.

let home: string;
const file = () => join(home, SESSION_INDEX_FILE);
const id = (n: number) => `01a241ad-5417-7fb3-9c8e-${String(n).padStart(12, "0")}`;
const line = (i: string, name: string) =>
  `${JSON.stringify({ id: i, thread_name: name, updated_at: "2026-12-05T00:00:00.000Z" })}\n`;
const idsIn = async () =>
  (await readFile(file(), "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      try {
        return (JSON.parse(l) as { id: string }).id;
      } catch {
        return `raw:${l.slice(0, 20)}`;
      }
    });

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "codex-names-"));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("removeNames", () => {
  it("drops every line of the thread and keeps the others, over-long lines and a torn last line as they were", async () => {
    const long = `{"id":"${id(9)}","thread_name":"${"x".repeat(70 * 1024)}"}\n`;
    const torn = '{"id":"torn';
    await writeFile(
      file(),
      [
        line(id(1), "one"),
        line(id(2).toUpperCase(), "two"),
        long,
        line(id(3), "three"),
        line(id(2), "again"),
        torn,
      ].join(""),
    );
    expect(await removeNames(home, id(2))).toBe(2);
    const text = await readFile(file(), "utf8");
    expect(text).toBe([line(id(1), "one"), long, line(id(3), "three"), torn].join(""));
    expect((await readdir(home)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    // Nothing to remove: the file is left alone (not rewritten).
    expect(await removeNames(home, id(7))).toBe(0);
    expect(await readFile(file(), "utf8")).toBe(text);
  });

  it("without a names file does nothing", async () => {
    expect(await removeNames(home, id(1))).toBe(0);
    expect(await readdir(home)).toEqual([]);
  });

  it("loses no name this process writes meanwhile", async () => {
    await writeFile(file(), line(id(0), "victim"));
    const writes: Promise<unknown>[] = [];
    for (let n = 1; n <= 60; n++) {
      writes.push(appendName(home, id(n), `name ${n}`));
      if (n % 10 === 0) writes.push(removeNames(home, id(0)), appendName(home, id(0), "victim again"));
    }
    await Promise.all(writes);
    await removeNames(home, id(0));
    const ids = await idsIn();
    expect(ids).not.toContain(id(0));
    expect(new Set(ids)).toEqual(new Set(Array.from({ length: 60 }, (_, n) => id(n + 1))));
  });

  it("loses no name another process appends while the file is rewritten", async () => {
    const lines = Array.from({ length: 3000 }, (_, n) => line(id(n + 1), `other ${n}`));
    await writeFile(file(), line(id(0), "victim").repeat(200));
    // Another writer appending as codex does: open, append one line, close.
    const writer = spawn(
      process.execPath,
      [
        "-e",
        `const fs = require("node:fs"); const [path, ...lines] = process.argv.slice(1);
         for (const l of lines) fs.appendFileSync(path, l);`,
        file(),
        ...lines,
      ],
      { stdio: "ignore" },
    );
    const exited = new Promise<number | null>((resolve) => writer.on("exit", resolve));
    let running = true;
    void exited.then(() => {
      running = false;
    });
    let rewrites = 0;
    while (running) {
      await appendName(home, id(0), "victim");
      rewrites += (await removeNames(home, id(0))) > 0 ? 1 : 0;
    }
    expect(await exited).toBe(0);
    await removeNames(home, id(0));
    expect(rewrites).toBeGreaterThan(0);
    const ids = await idsIn();
    expect(ids).not.toContain(id(0));
    expect(ids.sort()).toEqual(Array.from({ length: 3000 }, (_, n) => id(n + 1)).sort());
  });
});
