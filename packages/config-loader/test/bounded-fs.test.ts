import { execFileSync } from "node:child_process";
import { mkdir, readdir, symlink, truncate, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  emptyLineReadStats,
  FileReadError,
  findInvalidUtf8,
  type LineSpan,
  openRegularFile,
  readBoundedFile,
  readBoundedLineSpans,
  readBoundedLines,
  readFilePrefix,
  readLineSpansBackward,
} from "../src/index.js";

// The bounded readers every client- or config-named path goes through (README "Bounded file reading").

let dir: string;
let socketServer: Server | undefined;

beforeEach(async () => {
  dir = await tempDir("codex-bounded-fs-");
});
afterEach(async () => {
  await new Promise<void>((resolve) => (socketServer ? socketServer.close(() => resolve()) : resolve()));
  socketServer = undefined;
});

function mkfifo(name: string): string {
  const path = join(dir, name);
  execFileSync("mkfifo", [path]);
  return path;
}

async function lines(path: string, o: Parameters<typeof readBoundedLines>[1]): Promise<string[]> {
  const out: string[] = [];
  for await (const line of readBoundedLines(path, o)) out.push(line);
  return out;
}

/** Settles within `ms` or fails: a FIFO that is opened blocks forever, which must show as a failure, not a hang. */
function within<T>(promise: Promise<T>, ms = 5000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)),
  ]);
}

describe("openRegularFile and the whole-file readers", () => {
  it("refuses FIFOs without opening them, so no libuv thread ever blocks", async () => {
    const fifo = mkfifo("fifo");
    // More concurrent attempts than libuv has pool threads (4): had any opened the FIFO, the pool would be stuck
    // and the read of a real file below would never finish.
    const attempts = Array.from({ length: 8 }, () =>
      within(readBoundedFile(fifo, { maxBytes: 1024 })).then(
        () => null,
        (err: unknown) => err,
      ),
    );
    for (const outcome of await Promise.all(attempts)) {
      expect(outcome).toBeInstanceOf(FileReadError);
      expect(outcome).toMatchObject({ reason: "not-regular", message: "not a regular file (a FIFO)" });
    }
    await expect(within(readFilePrefix(fifo, 10))).rejects.toThrow("not a regular file (a FIFO)");
    await writeFile(join(dir, "real"), "still served");
    expect((await within(readBoundedFile(join(dir, "real"), { maxBytes: 100 }))).toString()).toBe(
      "still served",
    );
  });

  it("refuses /dev/zero, directories, sockets and symlinks to them, naming what they are", async () => {
    await expect(within(readBoundedFile("/dev/zero", { maxBytes: 10 }))).rejects.toThrow(
      "not a regular file (a character device)",
    );
    await mkdir(join(dir, "sub"));
    await expect(readBoundedFile(join(dir, "sub"), { maxBytes: 10 })).rejects.toThrow(
      "not a regular file (a directory)",
    );
    const socketPath = join(dir, "sock");
    socketServer = createServer();
    await new Promise<void>((resolve) => socketServer?.listen(socketPath, resolve));
    await expect(readBoundedFile(socketPath, { maxBytes: 10 })).rejects.toThrow(
      "not a regular file (a socket)",
    );
    await symlink("/dev/zero", join(dir, "zero-link"));
    await expect(within(readFilePrefix(join(dir, "zero-link"), 10))).rejects.toThrow("a character device");
  });

  it("follows symlinks to regular files and passes OS errors through", async () => {
    await writeFile(join(dir, "target"), "hello");
    await symlink(join(dir, "target"), join(dir, "link"));
    expect((await readBoundedFile(join(dir, "link"), { maxBytes: 5 })).toString()).toBe("hello");
    await expect(readBoundedFile(join(dir, "missing"), { maxBytes: 5 })).rejects.toMatchObject({
      code: "ENOENT",
    });
    const { handle, size } = await openRegularFile(join(dir, "target"));
    expect(size).toBe(5);
    await handle.close();
  });

  it("refuses a file over the cap from its size alone, and one that only reads as too big (/proc)", async () => {
    const sparse = join(dir, "sparse");
    await writeFile(sparse, "");
    await truncate(sparse, 2 ** 31); // 2 GiB, no blocks on disk
    const started = Date.now();
    await expect(readBoundedFile(sparse, { maxBytes: 1024 })).rejects.toThrow(
      `file is too large (${2 ** 31} bytes; the limit is 1024 bytes)`,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    // /proc files report size 0: the cap holds on what is actually read.
    await expect(readBoundedFile("/proc/self/status", { maxBytes: 16 })).rejects.toThrow(
      "file is larger than the limit of 16 bytes",
    );
  }, 60_000);

  it("reads a prefix without allocating the budget: a 2^31-byte budget on a small file", async () => {
    await writeFile(join(dir, "small"), "abc");
    expect((await readFilePrefix(join(dir, "small"), 2 ** 31)).toString()).toBe("abc");
    await writeFile(join(dir, "big"), "x".repeat(300_000));
    expect((await readFilePrefix(join(dir, "big"), 200_001)).length).toBe(200_001);
  });
});

describe("readBoundedLines", () => {
  it("skips lines over the cap without holding them, and counts them", async () => {
    const path = join(dir, "lines");
    await writeFile(path, `first\n${"y".repeat(5_000_000)}\nthird\n${"z".repeat(3000)}`);
    const stats = emptyLineReadStats();
    expect(await lines(path, { maxLineBytes: 1000, firstChunkBytes: 512, chunkBytes: 4096, stats })).toEqual([
      "first",
      "third",
    ]);
    expect(stats.skippedLines).toBe(2); // the long middle line and the long unterminated last one
    expect(stats.bytesRead).toBe(5_000_000 + 3000 + 13);
  });

  it("yields an unterminated last line, and a line exactly at the cap", async () => {
    const path = join(dir, "lines");
    await writeFile(path, `${"a".repeat(10)}\nlast`);
    expect(await lines(path, { maxLineBytes: 10, firstChunkBytes: 3, chunkBytes: 3 })).toEqual([
      "a".repeat(10),
      "last",
    ]);
  });

  it("stops at stopAfterBytes without yielding the cut line, and refuses files over maxFileBytes", async () => {
    const path = join(dir, "lines");
    await writeFile(path, "one\ntwo\nthree\n");
    const stats = emptyLineReadStats();
    expect(await lines(path, { maxLineBytes: 100, stopAfterBytes: 6, stats })).toEqual(["one"]);
    expect(stats).toMatchObject({ stoppedEarly: true, bytesRead: 6 });
    await expect(lines(path, { maxLineBytes: 100, maxFileBytes: 10 })).rejects.toThrow(
      "file is too large (14 bytes; the limit is 10 bytes)",
    );
  });

  it("never opens a FIFO", async () => {
    const fifo = mkfifo("rollout.jsonl");
    await expect(within(lines(fifo, { maxLineBytes: 100 }))).rejects.toThrow("not a regular file (a FIFO)");
  });
});

/** The spans a reader yields, with their text. */
async function collectSpans(read: AsyncIterable<LineSpan>) {
  const out: { start: number; end: number; text: string | null; terminated: boolean }[] = [];
  for await (const s of read) {
    out.push({
      start: s.start,
      end: s.end,
      text: s.bytes?.toString("utf8") ?? null,
      terminated: s.terminated,
    });
  }
  return out;
}

/** Every span of a file, with its text. */
const spans = (path: string, o: Parameters<typeof readBoundedLineSpans>[1]) =>
  collectSpans(readBoundedLineSpans(path, o));

describe("readBoundedLineSpans", () => {
  it("gives each line's byte offsets, multi-byte text and skipped lines included", async () => {
    const path = join(dir, "spans");
    await writeFile(path, `é1\n${"y".repeat(5000)}\n\nlast`);
    const got = await spans(path, { maxLineBytes: 100, firstChunkBytes: 7, chunkBytes: 64 });
    expect(got).toEqual([
      { start: 0, end: 4, text: "é1", terminated: true },
      { start: 4, end: 5005, text: null, terminated: true },
      { start: 5005, end: 5006, text: "", terminated: true },
      { start: 5006, end: 5010, text: "last", terminated: false },
    ]);
  });

  it("reads only between startAt and endAt; a line cut by endAt is not terminated", async () => {
    const path = join(dir, "spans");
    await writeFile(path, "one\ntwo\nthree\nfour\n");
    const stats = emptyLineReadStats();
    expect(await spans(path, { maxLineBytes: 100, startAt: 4, endAt: 12, stats })).toEqual([
      { start: 4, end: 8, text: "two", terminated: true },
      { start: 8, end: 12, text: "thre", terminated: false },
    ]);
    expect(stats.bytesRead).toBe(8);
    expect(await spans(path, { maxLineBytes: 100, startAt: 14 })).toEqual([
      { start: 14, end: 19, text: "four", terminated: true },
    ]);
  });
});

describe("readLineSpansBackward", () => {
  async function backward(
    path: string,
    o: Omit<Parameters<typeof readLineSpansBackward>[1], "endAt"> & { endAt?: number },
  ) {
    const { handle, size } = await openRegularFile(path);
    try {
      return await collectSpans(readLineSpansBackward(handle, { endAt: size, ...o }));
    } finally {
      await handle.close();
    }
  }
  it("gives the forward reader's spans in reverse, whatever the chunk size", async () => {
    const path = join(dir, "spans");
    const text = `é1\n${"y".repeat(5000)}\n\n\nmiddle line\n${"z".repeat(99)}\nlast`;
    await writeFile(path, text);
    const expected = (await spans(path, { maxLineBytes: 100 })).reverse();
    expect(expected.map((s) => s.text)).toEqual(["last", "z".repeat(99), "middle line", "", "", null, "é1"]);
    for (const chunkBytes of [1, 2, 3, 7, 64, 100, 101, 4096, 1 << 20]) {
      expect(await backward(path, { maxLineBytes: 100, chunkBytes })).toEqual(expected);
    }
  });

  it("reads only between startAt and endAt, and stops where the consumer stops", async () => {
    const path = join(dir, "spans");
    await writeFile(path, "one\ntwo\nthree\nfour\n");
    expect(await backward(path, { maxLineBytes: 100, startAt: 4, endAt: 14, chunkBytes: 3 })).toEqual([
      { start: 8, end: 14, text: "three", terminated: true },
      { start: 4, end: 8, text: "two", terminated: true },
    ]);
    const { handle, size } = await openRegularFile(path);
    try {
      const it = readLineSpansBackward(handle, { endAt: size, maxLineBytes: 100, chunkBytes: 4 });
      expect((await it.next()).value?.bytes?.toString()).toBe("four");
      await it.return(undefined);
    } finally {
      await handle.close();
    }
  });
});

describe("findInvalidUtf8", () => {
  it("names line, column and byte of the first invalid sequence", () => {
    expect(findInvalidUtf8(Buffer.from("é ok ✓\n"))).toBeNull();
    expect(findInvalidUtf8(Buffer.from([0x61, 0x0a, 0x62, 0xc3, 0xa9, 0xff]))).toEqual({
      offset: 5,
      line: 2,
      column: 3,
      byte: 0xff,
    });
    // Overlong encodings, surrogates and truncated sequences are invalid too.
    expect(findInvalidUtf8(Buffer.from([0xc0, 0x80]))?.offset).toBe(0);
    expect(findInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80]))?.offset).toBe(0);
    expect(findInvalidUtf8(Buffer.from([0x41, 0xe2, 0x82]))?.offset).toBe(1);
  });
});

describe("file handles", () => {
  it("are closed after every read, refused or not", async () => {
    const fds = async () => (await readdir("/proc/self/fd")).length;
    await writeFile(join(dir, "f"), "line\n".repeat(100));
    await writeFile(join(dir, "sparse"), "");
    await truncate(join(dir, "sparse"), 10_000_000);
    const before = await fds();
    for (let i = 0; i < 20; i++) {
      await readBoundedFile(join(dir, "f"), { maxBytes: 1000 });
      await readBoundedFile(join(dir, "sparse"), { maxBytes: 10 }).catch(() => null);
      await readBoundedFile(join(dir, "f"), { maxBytes: 10 }).catch(() => null);
      for await (const _ of readBoundedLines(join(dir, "f"), { maxLineBytes: 10 })) break;
      await lines(join(dir, "f"), { maxLineBytes: 10, maxFileBytes: 5 }).catch(() => null);
    }
    expect(await fds()).toBe(before);
  });
});
