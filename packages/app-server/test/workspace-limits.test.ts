import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { RpcError } from "@codex-ts/app-server-protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzyFileSearch } from "../src/file-search/search.js";
import { TopMatches } from "../src/file-search/top-matches.js";
import { gitDiffToRemote } from "../src/git-diff.js";

/** The bounded workspace helpers as package APIs: top-K selection, walk limits, the batched untracked diff. */
let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "codex-ws-limits-"));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function write(rel: string, text = "x\n") {
  const abs = path.join(tmp, rel);
  await fs.mkdir(path.dirname(abs), { recursive: true });
  await fs.writeFile(abs, text);
}

const never = new AbortController().signal;

describe("TopMatches", () => {
  it("keeps exactly the best `limit` items under the order, whatever order they come in", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const items = Array.from({ length: 5000 }, (_, i) => ({ score: random() % 100, name: `n${i}` }));
    const compare = (a: (typeof items)[0], b: (typeof items)[0]) =>
      b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    const top = new TopMatches(50, compare);
    for (const item of items) top.offer(item);
    expect(top.sorted()).toEqual([...items].sort(compare).slice(0, 50));
  });
});

describe("fuzzyFileSearch limits", () => {
  beforeAll(async () => {
    for (let d = 0; d < 30; d++) for (let f = 0; f < 10; f++) await write(`tree/d${d}/file${f}.txt`);
  });

  it("repeated roots (also spelled differently) are searched once", async () => {
    const root = path.join(tmp, "tree");
    const once = await fuzzyFileSearch("file1", [root], never);
    const many = await fuzzyFileSearch("file1", [root, `${root}/`, root, path.join(root, "d0", "..")], never);
    expect(many).toEqual(once);
    expect(once).toHaveLength(30);
  });

  it("more distinct roots than the limit is -32600", async () => {
    const roots = Array.from({ length: 5 }, (_, i) => path.join(tmp, `r${i}`));
    await expect(fuzzyFileSearch("x", roots, never, 50, { maxRoots: 4 })).rejects.toEqual(
      new RpcError(-32600, "fuzzyFileSearch searches at most 4 distinct roots; got more"),
    );
  });

  it("stops after `maxEntries` entries or the time limit with what it found so far", async () => {
    const root = path.join(tmp, "tree");
    const all = await fuzzyFileSearch("file", [root], never, 1000);
    expect(all).toHaveLength(300);
    const few = await fuzzyFileSearch("file", [root], never, 1000, { maxEntries: 50 });
    expect(few.length).toBeGreaterThan(0);
    expect(few.length).toBeLessThan(50);
    const none = await fuzzyFileSearch("file", [root], never, 1000, { timeLimitMs: 0 });
    expect(none.length).toBeLessThan(300);
  });

  it("a FIFO named .gitignore is skipped instead of blocking the walk", async () => {
    await write("fifo/keep.txt");
    execFileSync("mkfifo", [path.join(tmp, "fifo", ".gitignore")]);
    const found = await fuzzyFileSearch("keep", [path.join(tmp, "fifo")], never);
    expect(found.map((f) => f.path)).toEqual(["keep.txt"]);
  });
});

describe("gitDiffToRemote's batched untracked diff", () => {
  it("is byte for byte what one `git diff --no-index /dev/null <file>` per file gives", async () => {
    const repo = path.join(tmp, "repo");
    const g = (...args: string[]) =>
      execFileSync("git", ["-c", "user.email=a@b", "-c", "user.name=a", ...args], {
        cwd: repo,
        encoding: "utf8",
      });
    await write("repo/README.md", "hi\n");
    g("init", "-q", "-b", "main");
    g("add", "-A");
    g("commit", "-qm", "init");
    execFileSync("git", ["init", "-q", "--bare", `${repo}.git`]);
    g("remote", "add", "origin", `${repo}.git`);
    g("push", "-q", "origin", "main");
    await write("repo/plain.txt", "one\ntwo\n");
    await write("repo/no-newline.txt", "tail");
    await write("repo/sub/we ird*[1].txt", "glob characters\n");
    await write("repo/ünï.txt", "é\n");
    await write("repo/empty", "");
    await fs.writeFile(path.join(repo, "bin.dat"), Buffer.from([0, 1, 2, 255, 0, 3]));
    await write("repo/run.sh", "#!/bin/sh\n");
    await fs.chmod(path.join(repo, "run.sh"), 0o755);
    await fs.symlink("plain.txt", path.join(repo, "link"));
    const untracked = g("ls-files", "--others", "--exclude-standard", "-z").split("\0").filter(Boolean);
    expect(untracked).toHaveLength(8);
    let expected = g("diff", "--no-textconv", "--no-ext-diff", g("rev-parse", "HEAD").trim());
    for (const file of untracked) {
      try {
        g("diff", "--no-textconv", "--no-ext-diff", "--binary", "--no-index", "--", "/dev/null", file);
      } catch (err) {
        // --no-index exits 1 when the files differ, which they always do here.
        expected += (err as { stdout: string }).stdout;
      }
    }
    const res = await gitDiffToRemote(repo);
    expect(res?.diff).toBe(expected);
  });
});
