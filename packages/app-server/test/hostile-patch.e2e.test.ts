import fs from "node:fs/promises";
import path from "node:path";
import { responses, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * The model's apply_patch aimed outside the writable roots, through the built `codex app-server` (issue 14 row 3).
 * Under `never` nobody can be asked, so a patch that would write outside must not be applied.
 */
const suite = useAppServerSuite();

const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  );

/** Runs one v2 turn (approval `never`, workspace-write) in which the model sends `patch`; returns its messages. */
async function patchTurn(name: string, patch: (outside: string) => string) {
  const tmp = await suite.workdir("codex-hostile-patch-");
  const work = path.join(tmp, "work");
  const outside = path.join(tmp, "outside");
  await fs.mkdir(work, { recursive: true });
  await fs.mkdir(outside, { recursive: true });
  await fs.writeFile(path.join(work, "a.txt"), "one\n");
  await fs.symlink(outside, path.join(work, "link"));
  // The test's directories are all under the OS temp dir, which workspace-write makes writable unless excluded.
  const toml = "[sandbox_workspace_write]\nexclude_slash_tmp = true\nexclude_tmpdir_env_var = true";
  const c = await suite.start({ home: await suite.home({ prefix: "codex-hostile-patch-home-", toml }) });
  const callId = `patch_${name}`;
  suite.mock.enqueue(responses.turn(responses.customToolCall("apply_patch", patch(outside), callId)));
  const { thread } = await c.request("thread/start", {
    cwd: work,
    approvalPolicy: "never",
    sandbox: "workspaceWrite",
  });
  await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "edit" }] });
  const completed = await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
  // Server requests (approvals) are the messages with both a method and an id.
  const approvals = c.messages.filter((m) => m.method !== undefined && m.id !== undefined);
  await c.close();
  return { completed, approvals, work, outside };
}

describe("apply_patch cannot be steered outside the writable roots", () => {
  it("Add File under a symlink that leads out of the workspace is refused; nothing is written outside", {
    timeout: 60_000,
  }, async () => {
    const { completed, approvals, outside } = await patchTurn(
      "symlink",
      () => "*** Begin Patch\n*** Add File: link/pwned.txt\n+pwned\n*** End Patch\n",
    );
    expect((completed.params as { turn: { status: string } }).turn.status).toBe("completed");
    expect(approvals).toEqual([]);
    expect(await exists(path.join(outside, "pwned.txt"))).toBe(false);
  });

  // The approval decision lives in core's conversation apply_patch handler, which must call assessPatchSafety
  // (core/src/tools/patch-safety.ts) on every touched path, move targets included. Until it does, a move target
  // outside the roots is auto-approved: enable this test once the handler is wired.
  it("Move to: a path outside the workspace is refused under `never`; the file stays where it was", {
    timeout: 60_000,
  }, async () => {
    const { completed, approvals, work, outside } = await patchTurn(
      "move",
      (out) =>
        `*** Begin Patch\n*** Update File: a.txt\n*** Move to: ${out}/moved.txt\n@@\n-one\n+two\n*** End Patch\n`,
    );
    expect((completed.params as { turn: { status: string } }).turn.status).toBe("completed");
    expect(approvals).toEqual([]);
    expect(await exists(path.join(outside, "moved.txt"))).toBe(false);
    expect(await fs.readFile(path.join(work, "a.txt"), "utf8")).toBe("one\n");
  });
});
