import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import {
  createGhostCommit,
  type GhostSnapshotItem,
  restoreGhostCommit,
  SNAPSHOTS_DISABLED_NOT_A_REPO,
  startGhostSnapshot,
  takeGhostSnapshot,
} from "../src/ghost-snapshot/index.js";
import recordedGit from "./fixtures/058/ghost-snapshot-git.json" with { type: "json" };
import recordedNonGit from "./fixtures/058/ghost-snapshot-non-git.json" with { type: "json" };

/**
 * Ghost snapshots in real git repositories (temporary directories, removed afterwards), compared with what codex
 * 0.58.0 recorded for the same repository state (test/fixtures/058/ghost-snapshot-*.json).
 */

const GIT_ENV = {
  ...process.env,
  // The test's own `git status` must not refresh the index it watches.
  GIT_OPTIONAL_LOCKS: "0",
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@example.com",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@example.com",
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", env: GIT_ENV });
const write = async (file: string, text: string) => {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
};

/** The repository state the 0.58.0 fixture was recorded in. */
async function fixtureRepo(): Promise<string> {
  const cwd = await tempDir("codex-ghost-");
  git(cwd, "init", "-q", "-b", "main");
  await write(path.join(cwd, "tracked.txt"), "a\n");
  await write(path.join(cwd, ".gitignore"), "ignored.txt\nbuild/\n");
  git(cwd, "add", ".");
  git(cwd, "commit", "-qm", "init");
  await write(path.join(cwd, "untracked.txt"), "u\n");
  await write(path.join(cwd, "udir/sub/x.txt"), "x\n");
  await write(path.join(cwd, "ignored.txt"), "i\n");
  await write(path.join(cwd, "build/out.o"), "o\n");
  await write(path.join(cwd, "staged.txt"), "s\n");
  git(cwd, "add", "staged.txt");
  return cwd;
}

/** Everything about the user's repository a snapshot must leave alone. */
async function userState(cwd: string) {
  return {
    index: await fs.readFile(path.join(cwd, ".git/index")),
    indexMtime: (await fs.stat(path.join(cwd, ".git/index"))).mtimeMs,
    status: git(cwd, "status", "--porcelain=v1", "--ignored"),
    refs: git(cwd, "for-each-ref"),
    head: git(cwd, "rev-parse", "HEAD"),
    reachable: git(cwd, "log", "--all", "--format=%H"),
  };
}

const recordedSnapshots = recordedGit.rollout.flatMap((l) =>
  l.type === "response_item" && l.payload.type === "ghost_snapshot" && "ghost_commit" in l.payload
    ? [l.payload.ghost_commit]
    : [],
);

describe("createGhostCommit", () => {
  it("records what 0.58.0 recorded and leaves index, refs, branches and working tree as they were", async () => {
    const cwd = await fixtureRepo();
    const before = await userState(cwd);
    const commit = await createGhostCommit(cwd);
    expect(await userState(cwd)).toEqual(before);
    // 0.58.0's first snapshot of this state (ids masked in the fixture).
    expect({
      ...commit,
      id: "<SHA2>",
      parent: commit.parent === before.head.trim() ? "<SHA1>" : commit.parent,
    }).toEqual(recordedSnapshots[0]);
    // 0.58.0 left the user's staging and branches as they were too.
    expect(recordedGit.git.refs).toBe("<SHA1> commit\trefs/heads/main\n");
    expect(git(cwd, "ls-tree", "-r", "--name-only", commit.id)).toBe(
      ".gitignore\nstaged.txt\ntracked.txt\nudir/sub/x.txt\nuntracked.txt\n",
    );
    const body = git(cwd, "cat-file", "-p", commit.id);
    expect(body).toMatch(/^tree [0-9a-f]{40}\nparent [0-9a-f]{40}\n/);
    expect(body).toMatch(/\nauthor Codex Snapshot <snapshot@codex.local> \d+ [+-]\d{4}\n/);
    expect(body).toMatch(
      /\ncommitter Codex Snapshot <snapshot@codex.local> \d+ [+-]\d{4}\n\ncodex snapshot\n$/,
    );
    // On no branch: not reachable from any ref.
    expect(git(cwd, "log", "--all", "--format=%H")).not.toContain(commit.id);
  });

  it("captures a modified tracked file and a new file, as 0.58.0's second snapshot did", async () => {
    const cwd = await fixtureRepo();
    await write(path.join(cwd, "tracked.txt"), "changed\n");
    await write(path.join(cwd, "created.txt"), "new\n");
    const commit = await createGhostCommit(cwd);
    expect({ ...commit, id: "<SHA3>", parent: "<SHA1>" }).toEqual(recordedSnapshots[1]);
    expect(git(cwd, "show", `${commit.id}:tracked.txt`)).toBe("changed\n");
  });

  it("works in a repository without commits (no parent)", async () => {
    const cwd = await tempDir("codex-ghost-");
    git(cwd, "init", "-q");
    await write(path.join(cwd, "a.txt"), "a\n");
    const commit = await createGhostCommit(cwd);
    expect(commit.parent).toBeNull();
    expect(git(cwd, "cat-file", "-p", commit.id)).not.toContain("\nparent ");
    expect(git(cwd, "ls-tree", "-r", "--name-only", commit.id)).toBe("a.txt\n");
    expect(git(cwd, "status", "--porcelain")).toBe("?? a.txt\n");
  });

  it("in a subdirectory, snapshots only that part (paths stay relative to the repository root)", async () => {
    const repo = await fixtureRepo();
    await write(path.join(repo, "pkg/new.txt"), "n\n");
    await write(path.join(repo, "pkg/.gitignore"), "*.log\n");
    await write(path.join(repo, "pkg/debug.log"), "l\n");
    await write(path.join(repo, "tracked.txt"), "changed outside\n");
    const commit = await createGhostCommit(path.join(repo, "pkg"));
    expect(commit.preexisting_untracked_files).toEqual(["pkg/.gitignore", "pkg/new.txt", "pkg/debug.log"]);
    expect(commit.preexisting_untracked_dirs).toEqual([]);
    // Outside the subdirectory the snapshot keeps HEAD's version.
    expect(git(repo, "show", `${commit.id}:tracked.txt`)).toBe("a\n");
    expect(git(repo, "show", `${commit.id}:pkg/new.txt`)).toBe("n\n");
  });

  it("leaves untracked files over the size limit out of the commit but lists them", async () => {
    const cwd = await fixtureRepo();
    await write(path.join(cwd, "big.bin"), "x".repeat(5000));
    const commit = await createGhostCommit(cwd, { maxUntrackedFileBytes: 1000 });
    expect(commit.preexisting_untracked_files).toContain("big.bin");
    expect(git(cwd, "ls-tree", "-r", "--name-only", commit.id)).not.toContain("big.bin");
    expect(git(cwd, "ls-tree", "-r", "--name-only", commit.id)).toContain("untracked.txt");
  });

  it("never runs the repository's fsmonitor or hooks", async () => {
    const cwd = await fixtureRepo();
    // Outside the repository, so its own appearance would not change what git sees.
    const marker = path.join(await tempDir("codex-ghost-marker-"), "ran");
    const script = path.join(cwd, ".git", "spy.sh");
    await write(script, `#!/bin/sh\ntouch '${marker}'\n`);
    await fs.chmod(script, 0o755);
    git(cwd, "config", "core.fsmonitor", script);
    await write(path.join(cwd, ".git/hooks/post-index-change"), `#!/bin/sh\ntouch '${marker}'\n`);
    await fs.chmod(path.join(cwd, ".git/hooks/post-index-change"), 0o755);
    await createGhostCommit(cwd);
    await expect(fs.stat(marker)).rejects.toThrow();
  });
});

describe("restoreGhostCommit", () => {
  it("puts the working tree back, removes what appeared since, keeps what existed, leaves the index", async () => {
    const cwd = await fixtureRepo();
    const commit = await createGhostCommit(cwd);
    const indexBefore = git(cwd, "ls-files", "-s");
    await write(path.join(cwd, "tracked.txt"), "edited by the turn\n");
    await fs.rm(path.join(cwd, "udir"), { recursive: true });
    await write(path.join(cwd, "untracked.txt"), "changed too\n");
    await write(path.join(cwd, "new-untracked.txt"), "remove me\n");
    await write(path.join(cwd, "newdir/a/b.txt"), "remove me\n");
    await write(path.join(cwd, "build/new.o"), "kept: under a pre-existing ignored dir\n");
    await write(path.join(cwd, "ignored.txt"), "ignored, pre-existing, changed\n");

    await restoreGhostCommit(cwd, commit);

    expect(await fs.readFile(path.join(cwd, "tracked.txt"), "utf8")).toBe("a\n");
    expect(await fs.readFile(path.join(cwd, "udir/sub/x.txt"), "utf8")).toBe("x\n");
    expect(await fs.readFile(path.join(cwd, "untracked.txt"), "utf8")).toBe("u\n");
    await expect(fs.stat(path.join(cwd, "new-untracked.txt"))).rejects.toThrow();
    await expect(fs.stat(path.join(cwd, "newdir"))).rejects.toThrow();
    expect(await fs.readFile(path.join(cwd, "build/new.o"), "utf8")).toContain("kept");
    // Ignored files are not in the snapshot; a pre-existing one is left as it is now.
    expect(await fs.readFile(path.join(cwd, "ignored.txt"), "utf8")).toContain("changed");
    expect(git(cwd, "ls-files", "-s")).toBe(indexBefore);
    expect(git(cwd, "status", "--porcelain=v1")).toBe("A  staged.txt\n?? udir/\n?? untracked.txt\n");
  });

  it("restores a file the turn deleted", async () => {
    const cwd = await fixtureRepo();
    const commit = await createGhostCommit(cwd);
    await fs.rm(path.join(cwd, "tracked.txt"));
    await fs.rm(path.join(cwd, "staged.txt"));
    await restoreGhostCommit(cwd, commit);
    expect(await fs.readFile(path.join(cwd, "tracked.txt"), "utf8")).toBe("a\n");
    expect(await fs.readFile(path.join(cwd, "staged.txt"), "utf8")).toBe("s\n");
  });
});

describe("takeGhostSnapshot / startGhostSnapshot", () => {
  it("outside a git work tree: 0.58.0's background_event text", async () => {
    const cwd = await tempDir("codex-ghost-");
    const recorded = recordedNonGit.events.find((e) => e.type === "background_event") as { message: string };
    expect(SNAPSHOTS_DISABLED_NOT_A_REPO).toBe(recorded.message);
    expect(await takeGhostSnapshot(cwd)).toEqual({ kind: "disabled", message: recorded.message });
    // and 0.58.0 wrote no ghost_snapshot line there
    expect(recordedNonGit.rollout.some((l) => l.payload.type === "ghost_snapshot")).toBe(false);
  });

  it("a git failure disables snapshots for the turn with its error text", async () => {
    const cwd = await fixtureRepo();
    // A nested repository without commits makes `git add --all` fail.
    git(cwd, "init", "-q", "nested");
    const outcome = await takeGhostSnapshot(cwd);
    expect(outcome.kind).toBe("disabled");
    expect(outcome.kind === "disabled" && outcome.message).toMatch(
      /^Snapshots disabled after ghost snapshot error: git command `git [a-z-]+.*` failed with status exit status: \d+: .+\.$/s,
    );
  });

  it("an aborted turn cancels the snapshot without an event", async () => {
    const cwd = await fixtureRepo();
    const controller = new AbortController();
    controller.abort();
    expect(await takeGhostSnapshot(cwd, { signal: controller.signal })).toEqual({ kind: "cancelled" });
  });

  it("startGhostSnapshot records the item in a repository and notifies outside one; the gate resolves", async () => {
    const recorded: GhostSnapshotItem[] = [];
    const notes: string[] = [];
    const sinks = {
      record: (i: GhostSnapshotItem) => recorded.push(i),
      notify: (m: string) => notes.push(m),
    };
    await startGhostSnapshot({ cwd: await fixtureRepo(), ...sinks });
    await startGhostSnapshot({ cwd: await tempDir("codex-ghost-"), ...sinks });
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.type).toBe("ghost_snapshot");
    expect(Object.keys(recorded[0]?.ghost_commit ?? {})).toEqual([
      "id",
      "parent",
      "preexisting_untracked_files",
      "preexisting_untracked_dirs",
    ]);
    expect(notes).toEqual([SNAPSHOTS_DISABLED_NOT_A_REPO]);
  });
});
