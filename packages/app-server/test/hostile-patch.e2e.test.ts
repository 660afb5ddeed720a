import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type MockModelServer, responses, startMockModelServer } from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppServerClient, type Message } from "./helpers/client.js";
import { mockCodexHome } from "./helpers/mock-home.js";
import { stopServer } from "./helpers/stop-server.js";

/**
 * The model's apply_patch aimed outside the writable roots, through the built `codex app-server` (issue 14 row 3).
 * Under `never` nobody can be asked, so a patch that would write outside must not be applied.
 */
let mock: MockModelServer;
let tmp: string;
const clients: AppServerClient[] = [];
const homes: string[] = [];

beforeAll(async () => {
  mock = await startMockModelServer([]);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "codex-hostile-patch-"));
});
afterAll(async () => {
  for (const c of clients) await stopServer(c);
  await mock.close();
  await fs.rm(tmp, { recursive: true, force: true });
  for (const home of homes) await fs.rm(home, { recursive: true, force: true });
}, 60_000);

const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  );

/** Runs one v2 turn (approval `never`, workspace-write) in which the model sends `patch`; returns its messages. */
async function patchTurn(name: string, patch: (outside: string) => string) {
  const work = path.join(tmp, name, "work");
  const outside = path.join(tmp, name, "outside");
  await fs.mkdir(work, { recursive: true });
  await fs.mkdir(outside, { recursive: true });
  await fs.writeFile(path.join(work, "a.txt"), "one\n");
  await fs.symlink(outside, path.join(work, "link"));
  // The test's directories are all under the OS temp dir, which workspace-write makes writable unless excluded.
  const toml = "[sandbox_workspace_write]\nexclude_slash_tmp = true\nexclude_tmpdir_env_var = true";
  const codexHome = await mockCodexHome(mock.baseUrl, { prefix: "codex-hostile-patch-home-", toml });
  homes.push(codexHome);
  const c = await AppServerClient.start({ codexHome });
  clients.push(c);
  await c.initialize();
  const callId = `patch_${name}`;
  mock.enqueue(responses.turn(responses.customToolCall("apply_patch", patch(outside), callId)));
  const thread = (
    await c.call("start", "thread/start", { cwd: work, approvalPolicy: "never", sandbox: "workspaceWrite" })
  ).result as { thread: { id: string } };
  await c.call("turn", "turn/start", { threadId: thread.thread.id, input: [{ type: "text", text: "edit" }] });
  const completed = await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
  const approvals = c.messages.filter((m: Message) => m.method !== undefined && m.id !== undefined);
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
