import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { responses } from "@codex-ts/test-support";
import { beforeEach, describe, expect, it } from "vitest";
import { type CoreEvent, SessionsStore } from "../src/index.js";
import { mockConfig, useConversationFixtures } from "./helpers/mock-conversations.js";

/**
 * How a regular turn uses ghost snapshots and unified exec (the comparisons with 0.58.0 run through the app server:
 * packages/app-server/test/{ghost-snapshot,unified-exec}.e2e.test.ts): where the snapshot lands, that requests leave
 * it out, the feature switch, the terminal interaction extension event, and sessions ending with the conversation.
 */

const fx = useConversationFixtures("codex-wiring");

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@e",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@e",
};
const git = (...args: string[]) =>
  execFileSync("git", args, { cwd: fx.work, encoding: "utf8", env: GIT_ENV });

/** Runs one turn of `script` in `work` and returns its events and the rollout's response item types. */
async function turn(overrides: string[], ...script: ReturnType<typeof responses.turn>[]) {
  fx.mock.enqueue(...script);
  const config = await mockConfig({ home: fx.home, baseUrl: fx.mock.baseUrl, cwd: fx.work, overrides });
  const { conversation, rolloutPath } = await fx.manager.newConversation(config);
  const events: CoreEvent[] = [];
  const done = new Promise<void>((resolve) =>
    conversation.subscribe((e) => {
      events.push(e);
      if (e.msg.type === "task_complete") resolve();
    }),
  );
  await conversation.submit({ type: "user_input", items: [{ type: "text", data: { text: "go" } }] });
  await done;
  await fx.manager.shutdownAll();
  const loaded = await new SessionsStore(fx.home).loadHistory(rolloutPath);
  const items = loaded.items.flatMap((i) =>
    i.type === "response_item" ? [i.payload as Record<string, unknown>] : [],
  );
  const recorded = loaded.items.flatMap((i) => (i.type === "event_msg" ? [String(i.payload.type)] : []));
  return { events, items, types: items.map((i) => String(i.type)), recorded };
}

describe("ghost snapshots in a regular turn", () => {
  beforeEach(async () => {
    git("init", "-q");
    await writeFile(join(fx.work, "a.txt"), "a\n");
    git("add", ".");
    git("commit", "-qm", "init");
  });

  it("records the snapshot before the first tool runs, and requests leave it out", async () => {
    const r = await turn(
      [],
      responses.turn(
        responses.functionCall("shell", { command: ["bash", "-c", "echo b > a.txt"] }, "call_w"),
      ),
      responses.turn(responses.message("done")),
    );
    // The tool waited for the snapshot: its record comes before the call's items.
    expect(r.types.slice(-4)).toEqual(["ghost_snapshot", "function_call", "function_call_output", "message"]);
    const commit = r.items.find((i) => i.type === "ghost_snapshot")?.ghost_commit as { id: string };
    expect(git("show", `${commit.id}:a.txt`)).toBe("a\n");
    expect(r.events.some((e) => e.msg.type === "background_event")).toBe(false);
    const sent = fx.mock.requests.map((q) =>
      (q.body as { input: { type: string }[] }).input.map((i) => i.type),
    );
    expect(sent.flat()).not.toContain("ghost_snapshot");
  });

  it("takes none with [features] ghost_commit = false", async () => {
    const r = await turn(["features.ghost_commit=false"], responses.turn(responses.message("done")));
    expect(r.types).not.toContain("ghost_snapshot");
    expect(r.events.some((e) => e.msg.type === "background_event")).toBe(false);
  });
});

describe("unified exec in a regular turn", () => {
  it("reports each write_stdin as a terminal_interaction (never recorded) and ends sessions with the conversation", async () => {
    const r = await turn(
      // Unconfined, so `$$` is a pid of this machine (bubblewrap would give one of its own namespace).
      ["features.unified_exec=true", 'sandbox_mode="danger-full-access"'],
      responses.turn(
        responses.functionCall(
          "exec_command",
          // Not a login shell: the machine's profile (this CI's runs pyenv's init) can outlast the yield under load.
          { cmd: "echo pid=$$; exec cat", login: false, yield_time_ms: 1500 },
          "call_cat",
        ),
      ),
      responses.turn(
        responses.functionCall("write_stdin", { session_id: 0, chars: "x\n", yield_time_ms: 500 }, "call_x"),
      ),
      responses.turn(responses.message("done")),
    );
    // An extension event: `CoreEvent.msg` is typed as 0.58.0's EventMsg, which has no such variant.
    const interactions = r.events
      .map((e): Record<string, unknown> => e.msg)
      .filter((m) => m.type === "terminal_interaction");
    expect(r.recorded).not.toContain("terminal_interaction");
    expect(interactions).toEqual([
      { type: "terminal_interaction", call_id: "call_cat", process_id: "0", stdin: "x\n" },
    ]);
    const outputs = r.items.filter((i) => i.type === "function_call_output").map((i) => String(i.output));
    expect(outputs[1]).toMatch(/Process running with session ID 0\nOutput:\nx\r\nx\r\n$/);
    // The conversation has shut down (turn() does so): its kept `cat` is gone.
    const pid = Number(/pid=(\d+)/.exec(outputs[0] ?? "")?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  });
});
