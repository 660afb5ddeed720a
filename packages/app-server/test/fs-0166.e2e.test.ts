import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  type Client0166,
  type Impl,
  initialize0166,
  type Request0166,
  SideBySide,
  settle,
  untyped,
} from "./helpers/side-by-side-0166.js";

/**
 * 0.166's filesystem API (`fs/*`) through the real CLI on real files, side by side with the real codex 0.166.0 on
 * the same tree when the binary is here (differences: app-server README, "Filesystem API").
 */
if (!SideBySide.available) console.warn(`fs-0166: ${SideBySide.reason}`);
const impls: Impl[] = SideBySide.available ? ["ours", "real"] : ["ours"];

const b64 = (text: string) => Buffer.from(text).toString("base64");

/** A fresh tree for one server: `w/a.txt`, `w/d/`, `w/x/y/z.txt`, `w/link -> a.txt`, `w/dangling -> gone`. */
async function tree(): Promise<{ codexHome: string; w: string }> {
  const codexHome = await SideBySide.home("", {
    "w/a.txt": "hello\n",
    "w/d/.keep": "",
    "w/x/y/z.txt": "deep",
  });
  const w = path.join(path.dirname(codexHome), "w");
  await fs.symlink("a.txt", path.join(w, "link"));
  await fs.symlink("gone", path.join(w, "dangling"));
  return { codexHome, w };
}

/** Every entry under `dir`: kind, and a file's text or a link's target; sorted. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, full);
    if (entry.isSymbolicLink()) out.push(`${rel} -> ${await fs.readlink(full)}`);
    else if (entry.isFile()) out.push(`${rel} = ${JSON.stringify(await fs.readFile(full, "utf8"))}`);
    else out.push(`${rel}/`);
  }
  return out.sort();
}

/**
 * An answer as compared across servers: the tree's path as `W`, times checked to be Unix milliseconds (file times
 * differ between two trees), listings sorted (both list in the OS's order), a decode refusal's `data` (this
 * server's addition) left out.
 */
function comparable(answer: Record<string, unknown>, w: string): unknown {
  const { data: _path, ...rest } = answer;
  for (const key of ["createdAtMs", "modifiedAtMs"])
    if (key in rest) {
      expect(Number.isSafeInteger(rest[key])).toBe(true);
      rest[key] = "ms";
    }
  if (Array.isArray(rest.entries))
    rest.entries = [...(rest.entries as { fileName: string }[])].sort((a, b) =>
      a.fileName.localeCompare(b.fileName),
    );
  return JSON.parse(JSON.stringify(rest).replaceAll(w, "W"));
}

async function run(c: Client0166, w: string, requests: Request0166[]): Promise<unknown[]> {
  const steps: unknown[] = [];
  for (const request of requests) steps.push(comparable(await settle(c, request), w));
  return steps;
}

describe("fs/* on a 0.166 connection", () => {
  it("reads, writes, lists, copies and removes as 0.166.0 does, with its errors", async () => {
    const runs: unknown[] = [];
    for (const impl of impls) {
      const { codexHome, w } = await tree();
      const at = (rel: string) => path.join(w, rel);
      const c = await SideBySide.start(impl, codexHome);
      await initialize0166(c);
      const steps = await run(c, w, [
        ["fs/readFile", { path: at("a.txt") }],
        ["fs/readFile", { path: `${w}/d/../a.txt` }],
        ["fs/readFile", { path: at("link") }],
        ["fs/readFile", { path: "a.txt" }],
        ["fs/readFile", { path: "" }],
        untyped("fs/readFile", { path: 5 }),
        untyped("fs/readFile", {}),
        ["fs/readFile", { path: at("missing") }],
        ["fs/readFile", { path: at("d") }],
        ["fs/readFile", { path: "/dev/null" }],
        ["fs/readFile", { path: at("dangling") }],
        ["fs/readFile", { path: at("a\0b") }],
        ["fs/writeFile", { path: at("b.txt"), dataBase64: b64("written") }],
        ["fs/writeFile", { path: at("empty"), dataBase64: "" }],
        ["fs/writeFile", { path: at("link"), dataBase64: b64("through the link") }],
        ["fs/writeFile", { path: at("d"), dataBase64: "" }],
        ["fs/writeFile", { path: at("nodir/f"), dataBase64: "" }],
        ...["aGk", "aGk=!", "a", "ab==", "YR==", "YQ==YQ==", "aG k=", "-_8=", "é"].map(
          (dataBase64): Request0166 => ["fs/writeFile", { path: at("bad"), dataBase64 }],
        ),
        ["fs/getMetadata", { path: at("a.txt") }],
        ["fs/getMetadata", { path: at("d") }],
        ["fs/getMetadata", { path: at("link") }],
        ["fs/getMetadata", { path: "/dev/null" }],
        ["fs/getMetadata", { path: at("dangling") }],
        ["fs/readDirectory", { path: w }],
        ["fs/readDirectory", { path: at("a.txt") }],
        ["fs/readDirectory", { path: at("missing") }],
        ["fs/createDirectory", { path: at("n/e/w") }],
        ["fs/createDirectory", { path: at("p/q"), recursive: false }],
        ["fs/createDirectory", { path: at("d"), recursive: false }],
        ["fs/createDirectory", { path: at("d") }],
        ["fs/createDirectory", { path: at("a.txt") }],
        ["fs/copy", { sourcePath: at("a.txt"), destinationPath: at("c.txt") }],
        ["fs/copy", { sourcePath: at("a.txt"), destinationPath: at("c.txt") }],
        ["fs/copy", { sourcePath: at("x"), destinationPath: at("x2") }],
        ["fs/copy", { sourcePath: at("x"), destinationPath: at("x2"), recursive: true }],
        ["fs/copy", { sourcePath: at("x"), destinationPath: at("x/y/in"), recursive: true }],
        ["fs/copy", { sourcePath: at("link"), destinationPath: at("link2") }],
        ["fs/copy", { sourcePath: "/dev/null", destinationPath: at("null2") }],
        ["fs/copy", { sourcePath: at("missing"), destinationPath: at("m2") }],
        ["fs/copy", { sourcePath: at("a.txt"), destinationPath: at("d") }],
        ["fs/copy", { sourcePath: at("a.txt"), destinationPath: "rel" }],
        ["fs/remove", { path: at("missing") }],
        ["fs/remove", { path: at("missing"), force: false }],
        ["fs/remove", { path: at("x"), recursive: false }],
        ["fs/remove", { path: at("x2") }],
        ["fs/remove", { path: at("link2") }],
        ["fs/remove", { path: at("dangling") }],
      ]);
      runs.push({ steps, tree: await snapshot(w) });
      // Watches or not, the server ends when its input does.
      expect(await c.close()).toMatchObject({ code: 0 });
    }
    const [ours] = runs as { steps: unknown[]; tree: string[] }[];
    expect(ours?.steps.slice(0, 12)).toEqual([
      { dataBase64: b64("hello\n") },
      { dataBase64: b64("hello\n") },
      { dataBase64: b64("hello\n") },
      { code: -32600, message: "Invalid request: AbsolutePathBuf deserialized without a base path" },
      { code: -32600, message: "Invalid request: AbsolutePathBuf deserialized without a base path" },
      { code: -32600, message: "Invalid request: invalid type: integer `5`, expected path string" },
      { code: -32600, message: "Invalid request: missing field `path`" },
      { code: -32603, message: "No such file or directory (os error 2)" },
      { code: -32600, message: "path `W/d` is not a file" },
      { code: -32600, message: "path `/dev/null` is not a file" },
      { code: -32603, message: "No such file or directory (os error 2)" },
      { code: -32600, message: "file name contained an unexpected NUL byte" },
    ]);
    expect(ours?.tree).toEqual([
      'a.txt = "through the link"',
      'b.txt = "written"',
      'c.txt = "through the link"',
      "d/",
      'd/.keep = ""',
      'empty = ""',
      "link -> a.txt",
      "n/",
      "n/e/",
      "n/e/w/",
      "x/",
      "x/y/",
      'x/y/z.txt = "deep"',
    ]);
    if (runs.length === 2) expect(runs[0]).toEqual(runs[1]);
  });

  it("refuses a file above its read cap and a FIFO without opening them, and keeps a file's mode when writing it", async () => {
    const { codexHome, w } = await tree();
    const c = await SideBySide.start("ours", codexHome);
    await initialize0166(c);
    const big = path.join(w, "big");
    // Sparse: one byte more than the cap costs no disk.
    await fs.writeFile(big, "");
    await fs.truncate(big, 128 * 1024 * 1024 + 1);
    expect(await settle(c, ["fs/readFile", { path: big }])).toEqual({
      code: -32600,
      message: "file is too large to read: limit is 134217728 bytes",
    });
    await fs.chmod(path.join(w, "a.txt"), 0o640);
    await settle(c, ["fs/writeFile", { path: path.join(w, "a.txt"), dataBase64: b64("new") }]);
    expect((await fs.stat(path.join(w, "a.txt"))).mode & 0o777).toBe(0o640);
    // A FIFO is never opened: reading, writing or copying it answers at once (0.166.0 would block writing into it).
    const fifo = path.join(w, "fifo");
    execFileSync("mkfifo", [fifo]);
    const notAFile = { code: -32600, message: `path \`${fifo}\` is not a file` };
    expect(await settle(c, ["fs/readFile", { path: fifo }])).toEqual(notAFile);
    expect(await settle(c, ["fs/writeFile", { path: fifo, dataBase64: b64("x") }])).toEqual(notAFile);
    expect(
      await settle(c, ["fs/copy", { sourcePath: path.join(w, "a.txt"), destinationPath: fifo }]),
    ).toEqual(notAFile);
    expect(await settle(c, ["fs/copy", { sourcePath: fifo, destinationPath: path.join(w, "f2") }])).toEqual({
      code: -32600,
      message: "fs/copy only supports regular files, directories, and symlinks",
    });
    await fs.rm(fifo);
    // No temp file is left beside what was written.
    expect((await fs.readdir(w)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("watches a directory's entries and a file, batches changes, and stops at fs/unwatch", async () => {
    const runs: unknown[] = [];
    for (const impl of impls) {
      const { codexHome, w } = await tree();
      const c = await SideBySide.start(impl, codexHome);
      await initialize0166(c);
      const changes = (watchId: string) =>
        c.waitFor(
          (m) => m.method === "fs/changed" && (m.params as { watchId: string }).watchId === watchId,
          `fs/changed of ${watchId}`,
        );
      const steps: unknown[] = [];
      const ask = async (request: Request0166) => steps.push(comparable(await settle(c, request), w));
      const seen = async (watchId: string) =>
        steps.push(comparable((await changes(watchId)).params as Record<string, unknown>, w));
      await ask(["fs/watch", { watchId: "dir", path: path.join(w, "d") }]);
      await ask(["fs/watch", { watchId: "dir", path: path.join(w, "d") }]);
      await ask(["fs/watch", { watchId: "file", path: `${w}/d/../a.txt` }]);
      await ask(["fs/watch", { watchId: "later", path: path.join(w, "later.txt") }]);
      await ask(["fs/watch", { watchId: "rel", path: "d" }]);
      await fs.writeFile(path.join(w, "d", "new.txt"), "x");
      await seen("dir");
      await fs.appendFile(path.join(w, "a.txt"), "more");
      await seen("file");
      await fs.writeFile(path.join(w, "later.txt"), "now");
      await seen("later");
      await ask(["fs/unwatch", { watchId: "dir" }]);
      await ask(["fs/unwatch", { watchId: "dir" }]);
      const afterUnwatch = c.messages.length;
      // A second watch of the directory sees the next change; the ended one reports nothing of it.
      await ask(["fs/watch", { watchId: "dir2", path: path.join(w, "d") }]);
      await fs.writeFile(path.join(w, "d", "newer.txt"), "y");
      await seen("dir2");
      steps.push(
        c.messages
          .slice(afterUnwatch)
          .filter((m) => m.method === "fs/changed" && (m.params as { watchId: string }).watchId === "dir")
          .length,
      );
      runs.push(steps);
      expect(await c.close()).toMatchObject({ code: 0 });
    }
    expect(runs[0]).toEqual([
      { path: "W/d" },
      { code: -32600, message: "watchId already exists: dir" },
      { path: "W/a.txt" },
      { path: "W/later.txt" },
      { code: -32600, message: "Invalid request: AbsolutePathBuf deserialized without a base path" },
      { watchId: "dir", changedPaths: ["W/d/new.txt"] },
      { watchId: "file", changedPaths: ["W/a.txt"] },
      { watchId: "later", changedPaths: ["W/later.txt"] },
      {},
      {},
      { path: "W/d" },
      { watchId: "dir2", changedPaths: ["W/d/newer.txt"] },
      0,
    ]);
    if (runs.length === 2) expect(runs[0]).toEqual(runs[1]);
  });
});
