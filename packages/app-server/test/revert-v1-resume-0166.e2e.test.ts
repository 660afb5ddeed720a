import path from "node:path";
import { CODEX_0166_BIN, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { startMockServer0166 } from "./helpers/mock-server-0166.js";
import { continuationFiles, revert, runTurn } from "./helpers/reverted-0166.js";

/**
 * A 0.58 client's `resumeConversation` of a thread codex 0.166.0 reverted: its `initialMessages` are the kept
 * history (the first rollout up to the revert, then the continuation), never the reverted turn, whether asked by
 * conversation id or by the first rollout's path.
 */
const suite = useAppServerSuite();
const CLIENT = { name: "revert-v1-test", version: "1.0" };
if (!CODEX_0166_BIN) console.warn("revert v1 resume: codex 0.166.0 not found (CODEX_0166_BIN); skipped");

type Rec = { type: string; message?: string; last_agent_message?: string };
/**
 * What the events say was said: 0.166.0's paginated rollouts record messages as `item_completed` items, which
 * 0.58.0 does not replay, so each turn shows as its `task_complete` with the turn's last answer.
 */
const said = (messages: Rec[]) =>
  messages.flatMap((m) =>
    m.type === "user_message" || m.type === "agent_message"
      ? [m.message]
      : m.type === "task_complete"
        ? [`done: ${m.last_agent_message}`]
        : [],
  );

describe.skipIf(!CODEX_0166_BIN)("v1 resume of threads codex 0.166.0 reverted", () => {
  it("initialMessages are the kept history", { timeout: 180_000 }, async () => {
    const real = await startMockServer0166(suite, "real", {
      client: CLIENT,
      prefix: "codex-0166-revert-v1-",
    });
    const home = path.join(real.root, "codex-home");
    const { thread } = await real.c.request("thread/start", { cwd: real.root, model: "gpt-5.5" });
    await runTurn(real, thread.id, "alpha");
    const cut = await runTurn(real, thread.id, "bravo");
    await revert(real, thread.id, cut);
    await runTurn(real, thread.id, "delta");
    await real.c.close();
    expect(continuationFiles(home, thread.id)).toHaveLength(1);
    const kept = ["done: re alpha", "done: re delta"];

    const byId = await suite.start({ home, cwd: real.root });
    const resumed = await byId.request("resumeConversation", { conversationId: thread.id, overrides: null });
    expect(said((resumed.initialMessages ?? []) as Rec[])).toEqual(kept);
    expect(resumed.rolloutPath).toBe(path.join(home, continuationFiles(home, thread.id)[0]!));
    await byId.close();

    const byPath = await suite.start({ home, cwd: real.root });
    const again = await byPath.request("resumeConversation", { path: thread.path ?? "", overrides: null });
    expect(said((again.initialMessages ?? []) as Rec[])).toEqual(kept);
    await byPath.close();
  });
});
