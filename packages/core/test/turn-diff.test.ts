import { execFileSync } from "node:child_process";
import { chmod, mkdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "@codex-ts/config-loader";
import { type MockModelServer, responses, startMockModelServer, tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ConversationManager, type CoreEvent, TurnDiffTracker } from "../src/index.js";
import { mockConfig, testConversationManager } from "./helpers/mock-conversations.js";

let dir: string;
beforeEach(async () => {
  dir = await realpath(await tempDir("codex-turn-diff-"));
});
afterEach(async () => {});

/** Git's blob id, computed by git itself. */
const gitOid = (path: string) => execFileSync("git", ["hash-object", path], { encoding: "utf8" }).trim();

describe("TurnDiffTracker", () => {
  it("diffs added, updated, deleted and moved files against the turn's start, relative to the git root", async () => {
    await mkdir(join(dir, ".git"));
    await mkdir(join(dir, "src"));
    const updated = join(dir, "src", "a.txt");
    const deleted = join(dir, "gone.txt");
    const moved = join(dir, "old.txt");
    await writeFile(updated, "one\ntwo\nthree\n");
    await writeFile(deleted, "bye\n");
    await writeFile(moved, "same\n");
    const before = { updated: gitOid(updated), deleted: gitOid(deleted) };
    const t = new TurnDiffTracker();
    expect(await t.unifiedDiff()).toBeNull();

    const added = join(dir, "new.txt");
    await t.beforePatch([{ path: added }, { path: updated }, { path: deleted }]);
    await writeFile(added, "hello\n");
    await writeFile(updated, "one\nTWO\nthree\n");
    await rm(deleted);
    // A second patch in the same turn: the baseline stays what the file was when the turn first touched it.
    await t.beforePatch([{ path: updated }, { path: moved, movePath: join(dir, "renamed.txt") }]);
    await writeFile(updated, "one\nTWO\nthree\nfour\n");
    await rm(moved);
    await writeFile(join(dir, "renamed.txt"), "same\n");

    const diff = await t.unifiedDiff();
    expect(diff).toBe(
      [
        "diff --git a/gone.txt b/gone.txt",
        "deleted file mode 100644",
        `index ${before.deleted}..${"0".repeat(40)}`,
        "--- a/gone.txt",
        "+++ /dev/null",
        "@@ -1 +0,0 @@",
        "-bye",
        "diff --git a/new.txt b/new.txt",
        "new file mode 100644",
        `index ${"0".repeat(40)}..${gitOid(added)}`,
        "--- /dev/null",
        "+++ b/new.txt",
        "@@ -0,0 +1 @@",
        "+hello",
        "diff --git a/src/a.txt b/src/a.txt",
        `index ${before.updated}..${gitOid(updated)}`,
        "--- a/src/a.txt",
        "+++ b/src/a.txt",
        "@@ -1,3 +1,4 @@",
        " one",
        "-two",
        "+TWO",
        " three",
        "+four",
        "",
      ].join("\n"),
    );
  });

  it("reports mode changes, uses absolute paths outside a repository, and drops files back to their start", async () => {
    const script = join(dir, "run.sh");
    const back = join(dir, "back.txt");
    const modeOnly = join(dir, "mode-only.sh");
    await writeFile(script, "echo hi\n");
    await writeFile(back, "x\n");
    await writeFile(modeOnly, "true\n");
    const before = gitOid(script);
    const t = new TurnDiffTracker();
    await t.beforePatch([{ path: script }, { path: back }, { path: modeOnly }]);
    await writeFile(script, "echo bye\n");
    await chmod(script, 0o755);
    await writeFile(back, "y\n");
    await writeFile(back, "x\n");
    // As in Codex, identical bytes mean no section, even when only the mode changed.
    await chmod(modeOnly, 0o755);
    expect(await t.unifiedDiff()).toBe(
      [
        `diff --git a/${script} b/${script}`,
        "old mode 100644",
        "new mode 100755",
        `index ${before}..${gitOid(script)}`,
        `--- a/${script}`,
        `+++ b/${script}`,
        "@@ -1 +1 @@",
        "-echo hi",
        "+echo bye",
        "",
      ].join("\n"),
    );
  });
});

describe("turn_diff in a conversation", () => {
  let home: string;
  let mock: MockModelServer;
  let manager: ConversationManager;
  beforeEach(async () => {
    home = await tempDir("codex-turn-diff-home-");
    mock = await startMockModelServer();
    manager = testConversationManager(home);
  });
  afterEach(async () => {
    await manager.shutdownAll();
    await mock.close();
  });

  function config(): Promise<Config> {
    return mockConfig({
      home,
      baseUrl: mock.baseUrl,
      cwd: dir,
      overrides: ["approval_policy=never", "sandbox_mode=workspace-write"],
    });
  }

  it("emits the aggregated diff after each applied patch and after later responses; not in a turn without edits", async () => {
    await mkdir(join(dir, ".git"));
    await writeFile(join(dir, "notes.txt"), "alpha\n");
    mock.enqueue(
      responses.turn(
        responses.functionCall(
          "apply_patch",
          { input: "*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch\n" },
          "call_p1",
        ),
      ),
      responses.turn(
        responses.functionCall(
          "apply_patch",
          { input: "*** Begin Patch\n*** Update File: notes.txt\n-alpha\n+beta\n*** End Patch\n" },
          "call_p2",
        ),
      ),
      responses.turn(responses.message("edited")),
      responses.turn(responses.message("nothing to edit")),
    );
    const { conversation } = await manager.newConversation(await config());
    const events: CoreEvent[] = [];
    let finished = 0;
    const turnsDone = new Promise<void>((resolve) =>
      conversation.subscribe((e) => {
        events.push(e);
        if (e.msg.type === "task_complete" && ++finished === 2) resolve();
      }),
    );
    const first = await conversation.submit({
      type: "user_input",
      items: [{ type: "text", data: { text: "edit" } }],
    });
    await conversation.submit({ type: "user_input", items: [{ type: "text", data: { text: "again" } }] });
    await turnsDone;
    expect(await readFile(join(dir, "notes.txt"), "utf8")).toBe("beta\n");

    const seq = events
      .filter((e) => e.id === first)
      .map((e) => e.msg.type)
      .filter((t) => ["patch_apply_end", "turn_diff", "task_complete"].includes(t));
    // After each applied patch, and again after every response of the turn (once its tools have run), as 0.58.0.
    expect(seq).toEqual([
      "patch_apply_end",
      "turn_diff",
      "turn_diff",
      "patch_apply_end",
      "turn_diff",
      "turn_diff",
      "turn_diff",
      "task_complete",
    ]);
    const diffs = events
      .filter((e) => e.msg.type === "turn_diff")
      .map((e) => (e.msg as unknown as { unified_diff: string }).unified_diff);
    expect(diffs[0]).toContain("diff --git a/hello.txt b/hello.txt\nnew file mode 100644\n");
    expect(diffs[0]).not.toContain("notes.txt");
    const last = diffs.at(-1) ?? "";
    expect(last).toContain("diff --git a/hello.txt b/hello.txt");
    expect(last).toContain("--- a/notes.txt\n+++ b/notes.txt\n@@ -1 +1 @@\n-alpha\n+beta\n");
    expect(last.indexOf("hello.txt")).toBeLessThan(last.indexOf("notes.txt"));
    // The second turn changed nothing: no turn_diff for it.
    expect(events.filter((e) => e.id !== first && e.msg.type === "turn_diff")).toEqual([]);
  });
});
