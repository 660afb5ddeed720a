import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import type { GhostCommit } from "@codex-ts/app-server-protocol";
import { restoreGhostCommit } from "@codex-ts/core";
import { REFERENCE_CODEX_BIN, responses as r } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import {
  masked,
  type RolloutLine,
  recorded058,
  runOursAndTheirs,
  type V1Run,
  type V1Scenario,
} from "./helpers/v1-turns.js";

/**
 * Ghost snapshots (undo points) through the built `codex app-server`, compared with the real 0.58.0 binary on the
 * same scripted turns when it is installed, and otherwise with what it recorded (core's
 * `test/fixtures/058/ghost-snapshot-*.json`): the `background_event` outside a git work tree, one `ghost_snapshot`
 * rollout record per turn inside one (never touching the user's index, branches or files), and an undo from the
 * recorded commit that brings the files back.
 */
const reference = REFERENCE_CODEX_BIN;
if (!reference) console.warn("comparing ghost snapshots with 0.58.0's recorded fixtures: binary not found");

type Rec = Record<string, unknown>;
const recorded = recorded058;

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@example.com",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@example.com",
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", env: GIT_ENV });

/** The repository 0.58.0's fixture was recorded in: tracked, staged, untracked (nested too) and ignored files. */
async function repository(cwd: string): Promise<void> {
  const write = async (rel: string, text: string) => {
    await fs.mkdir(path.dirname(path.join(cwd, rel)), { recursive: true });
    await fs.writeFile(path.join(cwd, rel), text);
  };
  git(cwd, "init", "-q", "-b", "main");
  await write("tracked.txt", "a\n");
  await write(".gitignore", "ignored.txt\nbuild/\n");
  git(cwd, "add", ".");
  git(cwd, "commit", "-qm", "init");
  await write("untracked.txt", "u\n");
  await write("udir/sub/x.txt", "x\n");
  await write("ignored.txt", "i\n");
  await write("build/out.o", "o\n");
  await write("staged.txt", "s\n");
  git(cwd, "add", "staged.txt");
}

/** Every file under `dir` (but .git) with its contents. */
async function files(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, full);
    if (entry.isFile() && !rel.startsWith(".git/")) out[rel] = await fs.readFile(full, "utf8");
  }
  return out;
}

const snapshots = (run: V1Run) =>
  run.rollout.flatMap((l) =>
    l.payload.type === "ghost_snapshot" ? [l.payload.ghost_commit as GhostCommit] : [],
  );
/** A rollout as its line kinds, ghost snapshots left out or kept. */
const kinds = (lines: RolloutLine[], ghosts = true) =>
  lines
    .filter((l) => ghosts || l.payload.type !== "ghost_snapshot")
    .map((l) => [l.type, l.payload.type, l.payload.role].filter(Boolean).join(" "));
const notices = (run: V1Run) => run.events.filter((e) => e.type === "background_event");

const both = (s: V1Scenario) => runOursAndTheirs(s);

describe("ghost snapshots compared with codex 0.58.0", () => {
  it("outside a git work tree: the background_event each turn, no rollout record", {
    timeout: 60_000,
  }, async () => {
    const { ours, theirs } = await both({
      turns: 2,
      // 0.58.0's notice comes from a task of its own, sometimes after task_complete (under CI load, well after).
      settled: ({ events }) => events.filter((e) => e.type === "background_event").length === 2,
      settleMs: 500,
      script: () => [r.turn(r.message("done")), r.turn(r.message("done again"))],
    });
    const notice = {
      type: "background_event",
      message: recorded("ghost-snapshot-non-git.json").events.at(-1).message,
    };
    expect(notice.message).toBe("Snapshots disabled: current directory is not a Git repository.");
    expect(notices(ours)).toEqual([notice, notice]);
    // Ours within its turn: before task_complete, after the user's message.
    const types = ours.events.map((e) => e.type);
    for (const at of types.flatMap((t, i) => (t === "background_event" ? [i] : []))) {
      expect(types.lastIndexOf("user_message", at)).toBeGreaterThan(types.lastIndexOf("task_complete", at));
    }
    expect(snapshots(ours)).toEqual([]);
    expect(kinds(ours.rollout).slice(0, 9)).toEqual(kinds(recorded("ghost-snapshot-non-git.json").rollout));
    if (!theirs) return;
    expect(notices(theirs)).toEqual(notices(ours));
    expect(kinds(ours.rollout)).toEqual(kinds(theirs.rollout));
  });

  it("in a git work tree: a snapshot per turn, the repository untouched, and undo restores the files", {
    timeout: 90_000,
  }, async () => {
    const scenario: V1Scenario = {
      turns: 2,
      // 0.58.0 records a turn's snapshot when git finishes, which under CI load can be after the turn ended.
      settled: ({ rollout }) => rollout.filter((l) => l.payload.type === "ghost_snapshot").length === 2,
      settleMs: 300,
      setup: repository,
      script: () => [
        r.turn(
          r.functionCall(
            "shell",
            { command: ["bash", "-c", "echo changed > tracked.txt; echo new > created.txt"] },
            "call_edit",
          ),
        ),
        r.turn(r.message("done")),
        r.turn(r.message("done again")),
      ],
    };
    const { ours, theirs } = await both(scenario);
    const fixture = recorded("ghost-snapshot-git.json");
    // No notice; one record per turn, at the place 0.58.0's recorded run has them (before the first call's items,
    // after a turn's last message when it called no tool).
    expect(notices(ours)).toEqual([]);
    expect(kinds(ours.rollout)).toEqual(kinds(fixture.rollout));
    const observe = (run: V1Run) => {
      const commits = snapshots(run);
      const state = masked(
        {
          commits: commits.map(({ id, ...rest }) => rest),
          // The user's index, branches and files as the turn left them: only the tool's edits changed anything.
          status: git(run.cwd, "status", "--porcelain=v1", "--ignored"),
          refs: git(run.cwd, "for-each-ref"),
          index: git(run.cwd, "ls-files", "-s"),
          reachable: git(run.cwd, "log", "--all", "--format=%H").trim().split("\n").length,
          // Each snapshot is a commit outside every branch, whose tree holds the files as they were.
          tracked: commits.map((c) => git(run.cwd, "show", `${c.id}:tracked.txt`)),
          created: commits.map((c) => git(run.cwd, "ls-tree", "--name-only", c.id, "created.txt").trim()),
        },
        run,
      );
      // Hashes numbered in order of appearance differ between two maskings of the same repository.
      return JSON.parse(JSON.stringify(state).replace(/<SHA\d+>/g, "<SHA>")) as typeof state;
    };
    const mine = observe(ours);
    const theirCommits = fixture.rollout
      .filter((l: RolloutLine) => l.payload.type === "ghost_snapshot")
      .map((l: RolloutLine) => ({ ...(l.payload.ghost_commit as Rec), id: undefined }));
    expect(mine.commits).toEqual(
      JSON.parse(JSON.stringify(theirCommits).replace(/<SHA\d+>/g, "<SHA>")).map(
        ({ id, ...rest }: Rec) => rest,
      ),
    );
    // Both snapshots sit on the branch's head.
    const head = git(ours.cwd, "rev-parse", "HEAD").trim();
    expect(snapshots(ours).map((c) => c.parent)).toEqual([head, head]);
    const sameShape = (text: string) => text.replace(/<SHA\d+>/g, "<SHA>");
    expect({ status: mine.status, refs: mine.refs, index: mine.index, reachable: mine.reachable }).toEqual({
      status: fixture.git.status,
      refs: sameShape(fixture.git.refs),
      index: sameShape(fixture.git.index),
      reachable: fixture.git.snapshots,
    });
    expect(mine.tracked).toEqual(["a\n", "changed\n"]);
    expect(mine.created).toEqual(["", "created.txt"]);

    // Undo the first turn from its record: the tool's edits go, everything that was there before stays, and the
    // index is left as it was.
    const before = { ...(await files(ours.cwd)), "tracked.txt": "a\n" };
    delete (before as Record<string, string>)["created.txt"];
    const index = git(ours.cwd, "ls-files", "-s");
    await restoreGhostCommit(ours.cwd, snapshots(ours)[0] as GhostCommit);
    expect(await files(ours.cwd)).toEqual(before);
    expect(git(ours.cwd, "ls-files", "-s")).toBe(index);

    if (!theirs) return;
    const real = observe(theirs);
    expect(notices(theirs)).toEqual([]);
    // 0.58.0 records a snapshot when git finishes, so its place in the rollout races with the turn.
    expect(kinds(ours.rollout, false)).toEqual(kinds(theirs.rollout, false));
    expect(mine).toEqual(real);
    // Its commit restores the same way.
    await restoreGhostCommit(theirs.cwd, snapshots(theirs)[0] as GhostCommit);
    expect(await files(theirs.cwd)).toEqual(before);
  });
});
