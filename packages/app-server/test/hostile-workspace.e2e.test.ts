import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppServerClient } from "./helpers/client.js";
import { PEAK_RSS_LIMIT_MIB, peakRssMiB } from "./helpers/proc-stats.js";
import { stopServer } from "./helpers/stop-server.js";

/**
 * Workspace methods against hostile input, through the built `codex app-server` (issue 14 rows 7 and 14):
 * fuzzyFileSearch with hundreds of thousands of roots, gitDiffToRemote on repositories built to be slow, huge or
 * to run programs from their config.
 */
let tmp: string;
let gitLog: string;
let bin: string;
const clients: AppServerClient[] = [];

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "codex-hostile-ws-"));
  // A `git` first on PATH that logs each run, so a test can count the server's git processes.
  bin = path.join(tmp, "bin");
  await fs.mkdir(bin);
  gitLog = path.join(tmp, "git.log");
  const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
  await fs.writeFile(path.join(bin, "git"), `#!/bin/sh\necho "$*" >> "${gitLog}"\nexec "${realGit}" "$@"\n`, {
    mode: 0o755,
  });
});
afterAll(async () => {
  for (const c of clients) await stopServer(c);
  await fs.rm(tmp, { recursive: true, force: true });
}, 60_000);

/** A fresh server (peak RSS is per process, so each measured case gets its own). */
async function server(): Promise<AppServerClient> {
  const codexHome = await fs.mkdtemp(path.join(tmp, "home-"));
  const c = await AppServerClient.start({ codexHome, env: { PATH: `${bin}:${process.env.PATH}` } });
  clients.push(c);
  await c.initialize();
  return c;
}

/** The server's peak RSS so far is within the limit. */
function peakWithinLimit(c: AppServerClient) {
  const peak = peakRssMiB(c.child.pid);
  if (process.env.SHOW_RSS) console.log(`peak RSS: ${peak} MiB`);
  if (peak !== null) expect(peak).toBeLessThan(PEAK_RSS_LIMIT_MIB);
}

const g = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.email=a@b", "-c", "user.name=a", ...args], {
    cwd,
    encoding: "utf8",
  }).trim();

/** A repository with one commit pushed to a bare `origin`, so it has a remote base. */
async function repoWithRemote(name: string): Promise<string> {
  const repo = path.join(tmp, name);
  await fs.mkdir(repo);
  await fs.writeFile(path.join(repo, "README.md"), "hi\n");
  g(repo, "init", "-q", "-b", "main");
  g(repo, "add", "-A");
  g(repo, "commit", "-qm", "init");
  execFileSync("git", ["init", "-q", "--bare", `${repo}.git`]);
  g(repo, "remote", "add", "origin", `${repo}.git`);
  g(repo, "push", "-q", "origin", "main");
  return repo;
}

const gitRuns = async () =>
  (await fs.readFile(gitLog, "utf8").catch(() => "")).split("\n").filter(Boolean).length;

describe("fuzzyFileSearch against hostile roots", () => {
  it('2,000,000 copies of "/" count as one root: answered within the walk limits, best 50 only', {
    timeout: 30_000,
  }, async () => {
    const client = await server();
    const started = Date.now();
    const res = await client.call(1, "fuzzyFileSearch", {
      query: "passwd",
      roots: Array.from({ length: 2_000_000 }, () => "/"),
      cancellationToken: null,
    });
    const files = (res.result as { files: { root: string; path: string; score: number }[] }).files;
    expect(files.length).toBeGreaterThan(0);
    expect(files.length).toBeLessThanOrEqual(50);
    expect(new Set(files.map((f) => f.root))).toEqual(new Set(["/"]));
    const scores = files.map((f) => f.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // The walk stops at 5 s; the rest is the request itself.
    expect(Date.now() - started).toBeLessThan(20_000);
    peakWithinLimit(client);
  });

  it("400,000 distinct roots are refused at once, naming the limit", { timeout: 30_000 }, async () => {
    const client = await server();
    const res = await client.call(2, "fuzzyFileSearch", {
      query: "x",
      roots: Array.from({ length: 400_000 }, (_, i) => `/r/${i}`),
      cancellationToken: null,
    });
    expect(res.error).toEqual({
      code: -32600,
      message: "fuzzyFileSearch searches at most 64 distinct roots; got more",
    });
    peakWithinLimit(client);
  });
});

describe("gitDiffToRemote against hostile repositories", () => {
  it("3,000 untracked files are diffed in a few git runs, not one per file", {
    timeout: 60_000,
  }, async () => {
    const repo = await repoWithRemote("many");
    await fs.mkdir(path.join(repo, "u"));
    for (let i = 0; i < 3000; i++) await fs.writeFile(path.join(repo, "u", `f${i}.txt`), `file ${i}\n`);
    const client = await server();
    const before = await gitRuns();
    const res = await client.call(10, "gitDiffToRemote", { cwd: repo });
    const { diff } = res.result as { diff: string };
    expect(diff.match(/^diff --git a\/u\/f\d+\.txt b\/u\/f\d+\.txt\nnew file mode 100644$/gm)).toHaveLength(
      3000,
    );
    expect(diff).toContain("--- /dev/null\n+++ b/u/f2999.txt\n@@ -0,0 +1 @@\n+file 2999\n");
    expect((await gitRuns()) - before).toBeLessThanOrEqual(12);
  });

  it("core.fsmonitor, hooks and filter drivers in the repository's config never run", {
    timeout: 30_000,
  }, async () => {
    const repo = await repoWithRemote("config-programs");
    const marker = path.join(tmp, "ran");
    const script = path.join(tmp, "evil.sh");
    await fs.writeFile(script, `#!/bin/sh\necho "$0 $*" >> "${marker}"\ncat\n`, { mode: 0o755 });
    g(repo, "config", "core.fsmonitor", script);
    g(repo, "config", "filter.evil.clean", script);
    g(repo, "config", "filter.evil.process", script);
    await fs.writeFile(path.join(repo, ".gitattributes"), "* filter=evil\n");
    await fs.writeFile(path.join(repo, "README.md"), "changed\n");
    await fs.writeFile(path.join(repo, "new.txt"), "new\n");
    const client = await server();
    const res = await client.call(11, "gitDiffToRemote", { cwd: repo });
    expect((res.result as { diff: string }).diff).toContain("+changed");
    expect(await fs.readFile(marker, "utf8").catch(() => "never ran")).toBe("never ran");
  });

  it("a diff over 16 MiB is an error naming the limit, not a huge answer", { timeout: 60_000 }, async () => {
    const repo = await repoWithRemote("huge");
    const line = `${"y".repeat(99)}\n`;
    const eightMiB = line.repeat((8 * 1024 * 1024) / 100);
    for (const name of ["a.txt", "b.txt", "c.txt"]) await fs.writeFile(path.join(repo, name), eightMiB);
    const client = await server();
    const res = await client.call(12, "gitDiffToRemote", { cwd: repo });
    expect(res.error).toEqual({
      code: -32603,
      message: `failed to compute git diff to remote for cwd: ${JSON.stringify(repo)}: the diff is over the 16777216-byte limit`,
    });
    peakWithinLimit(client);
  });
});
