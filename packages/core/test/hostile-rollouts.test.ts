import { execFileSync } from "node:child_process";
import { copyFile, mkdir, readFile, stat, symlink, truncate, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  HEAD_MAX_BYTES,
  ROLLOUT_LINE_MAX_BYTES,
  ROLLOUT_MAX_BYTES,
  RolloutPathError,
  readProjectDocs,
  SessionsStore,
} from "../src/index.js";
import { minutes, writeSession } from "./rollout-fixtures.js";

// Issue 14 rows 5, 6, 15 and 16 at the SessionsStore API (the app-server e2e suite drives the same through the
// CLI), and row 1 at the project-doc reader.

let home: string;
let outside: string;
let store: SessionsStore;

beforeEach(async () => {
  home = await tempDir("codex-hostile-rollouts-");
  outside = await tempDir("codex-hostile-outside-");
  store = new SessionsStore(home, { index: false });
});
afterEach(async () => {
  store.close();
});

/** Settles within `ms` or fails: an opened FIFO blocks forever, which must show as a failure, not a hang. */
function within<T>(promise: Promise<T>, ms = 5000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)),
  ]);
}

/** A path in today's sessions folder, as a rollout would be named. */
async function inSessions(name: string): Promise<string> {
  const day = join(home, "sessions", "2026", "11", "20");
  await mkdir(day, { recursive: true });
  return join(day, name);
}

const refusal = (path: string) => new RolloutPathError(path).message;

describe("client-named rollout paths are confined to CODEX_HOME/sessions and archived_sessions", () => {
  it("refuses paths outside before touching them: the answer is the same whatever is there", async () => {
    await writeFile(join(outside, "file.jsonl"), "{}\n");
    execFileSync("mkfifo", [join(outside, "fifo")]);
    const paths = [
      "/etc/passwd",
      "/proc/self/environ",
      join(home, "sessions", "..", "..", "..", "..", "etc", "passwd"),
      join(outside, "file.jsonl"),
      join(outside, "missing.jsonl"),
      join(outside, "fifo"),
      outside,
      relative(process.cwd(), "/etc/passwd"),
    ];
    for (const path of paths) {
      for (const read of [
        (): Promise<unknown> => store.readSummary(path, "openai"),
        () => store.loadHistory(path),
        () => store.resumeRecorder(path),
      ]) {
        const err = await within<unknown>(read()).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RolloutPathError);
        expect((err as Error).message).toBe(refusal(path));
      }
    }
  });

  it("never appends to a rollout outside, nor through a symlink that leads out", async () => {
    const { path } = await writeSession(home, { at: minutes(0) });
    const copy = join(outside, "rollout-copy.jsonl");
    await copyFile(path, copy);
    const link = await inSessions("rollout-2026-11-20T12-00-00-0199a213-81c0-7800-8aa1-bbab2a035a53.jsonl");
    await symlink(copy, link);
    const before = await readFile(copy);
    await expect(store.resumeRecorder(copy)).rejects.toThrow(refusal(copy));
    await expect(store.resumeRecorder(link)).rejects.toThrow(refusal(link));
    await expect(store.loadHistory(link)).rejects.toThrow(refusal(link));
    expect(await readFile(copy)).toEqual(before);
  });

  it("still serves rollouts inside, archived ones, symlinked homes and relative paths", async () => {
    const { id, path } = await writeSession(home, { at: minutes(0) });
    expect((await store.readSummary(path, "openai")).conversationId).toBe(id);
    const viaLink = join(outside, "home-link");
    await symlink(home, viaLink);
    const linked = join(viaLink, relative(home, path));
    expect((await new SessionsStore(viaLink, { index: false }).loadHistory(linked)).conversationId).toBe(id);
    expect((await store.loadHistory(relative(process.cwd(), path))).conversationId).toBe(id);
    const archived = await store.archive(id, path);
    expect((await store.loadHistory(archived)).conversationId).toBe(id);
    const recorder = await store.resumeRecorder(archived);
    await recorder.shutdown();
    // A missing file inside is the OS error, as before.
    await expect(store.loadHistory(path)).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("special and huge files inside the sessions directory", () => {
  it("a FIFO is refused at once by summary, load and resume, and blocks no other read", async () => {
    const fifo = await inSessions("rollout-2026-11-20T12-00-00-0199a213-81c0-7800-8aa1-bbab2a035a53.jsonl");
    execFileSync("mkfifo", [fifo]);
    const attempts: Promise<unknown>[] = [];
    for (let i = 0; i < 4; i++) {
      attempts.push(store.readSummary(fifo, "openai"), store.loadHistory(fifo), store.resumeRecorder(fifo));
    }
    for (const outcome of await within(Promise.all(attempts.map((a) => a.catch((e: unknown) => e))))) {
      expect((outcome as Error).message).toMatch(/not a regular file \(a FIFO\)$/);
    }
    const { id } = await writeSession(home, { at: minutes(1) });
    expect(
      (await within(store.list({ defaultProvider: "openai" }))).items.map((s) => s.conversationId),
    ).toEqual([id]);
  });

  it("a 2 GiB sparse rollout: the summary reads only the head budget, resume refuses it by size", async () => {
    const sparse = await inSessions("rollout-2026-11-20T12-00-00-0199a213-81c0-7800-8aa1-bbab2a035a53.jsonl");
    await writeFile(sparse, "");
    await truncate(sparse, 2 ** 31);
    const started = Date.now();
    await expect(store.readSummary(sparse, "openai")).rejects.toThrow(
      "has no session metadata or user message",
    );
    await expect(store.loadHistory(sparse)).rejects.toThrow(
      `file is too large (${2 ** 31} bytes; the limit is ${ROLLOUT_MAX_BYTES} bytes)`,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("a 50 MB first line is skipped and counted, never held", async () => {
    const { id, path } = await writeSession(home, { at: minutes(0) });
    const original = await readFile(path, "utf8");
    await writeFile(path, `${"x".repeat(50 * 1024 * 1024)}\n${original}`);
    const loaded = await store.loadHistory(path);
    expect(loaded.conversationId).toBe(id);
    expect(loaded.skippedLines).toBe(1);
    // The head budget is smaller than the line: the summary gives up on it instead of reading on.
    expect(50 * 1024 * 1024).toBeGreaterThan(HEAD_MAX_BYTES);
    await expect(store.readSummary(path, "openai")).rejects.toThrow(
      "has no session metadata or user message",
    );
    // Only a skipped line: Codex's error, saying why.
    await writeFile(path, `${"y".repeat(ROLLOUT_LINE_MAX_BYTES + 1)}\n`);
    await expect(store.loadHistory(path)).rejects.toThrow(
      `failed to parse conversation ID from rollout file (1 line(s) over ${ROLLOUT_LINE_MAX_BYTES} bytes skipped)`,
    );
  }, 60_000);
});

describe("project docs (issue 14 row 1)", () => {
  it("a budget of 2^31 bytes reads the file, without allocating the budget", async () => {
    await mkdir(join(outside, ".git"));
    await writeFile(join(outside, "AGENTS.md"), "Project rules.");
    expect(await readProjectDocs(outside, { maxBytes: 2 ** 31, fallbackFilenames: [] })).toBe(
      "Project rules.",
    );
  });

  it("an AGENTS.md that is a FIFO is skipped, not opened", async () => {
    await mkdir(join(outside, ".git"));
    await mkdir(join(outside, "sub"));
    await writeFile(join(outside, "AGENTS.md"), "Root rules.");
    execFileSync("mkfifo", [join(outside, "sub", "AGENTS.md")]);
    expect(
      await within(readProjectDocs(join(outside, "sub"), { maxBytes: 1000, fallbackFilenames: [] })),
    ).toBe("Root rules.");
    expect((await stat(join(outside, "sub", "AGENTS.md"))).isFIFO()).toBe(true);
    expect(dirname(join(outside, "sub", "AGENTS.md"))).toBe(join(outside, "sub"));
  });
});
