import path from "node:path";
import { CODEX_0166_BIN, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { startMockServer0166 } from "./helpers/mock-server-0166.js";
import { continuationFiles, revert, runTurn } from "./helpers/reverted-0166.js";

/**
 * A 0.58 client's `getConversationSummary` of a thread codex 0.166.0 reverted describes it as `thread/read` (0.166.0's
 * own, the reference) does: its `path` is the newest continuation, where the kept history goes on (and which
 * `resumeConversation` resumes with that history); its id, timestamp and preview are the thread's own — whether
 * asked by conversation id, by the first rollout's path or by the continuation's.
 */
const suite = useAppServerSuite();
const CLIENT = { name: "revert-v1-summary-test", version: "1.0" };
if (!CODEX_0166_BIN) console.warn("revert v1 summary: codex 0.166.0 not found (CODEX_0166_BIN); skipped");

describe.skipIf(!CODEX_0166_BIN)("v1 getConversationSummary of threads codex 0.166.0 reverted", () => {
  it("describes the thread as thread/read does", { timeout: 180_000 }, async () => {
    const real = await startMockServer0166(suite, "real", {
      client: CLIENT,
      prefix: "codex-0166-revert-sum-",
    });
    const home = path.join(real.root, "codex-home");
    const { thread } = await real.c.request("thread/start", { cwd: real.root, model: "gpt-5.5" });
    await runTurn(real, thread.id, "alpha");
    const cut = await runTurn(real, thread.id, "bravo");
    await revert(real, thread.id, cut);
    await runTurn(real, thread.id, "delta");
    const read = (await real.c.request("thread/read", { threadId: thread.id })).thread;
    await real.c.close();
    const continuation = path.join(home, continuationFiles(home, thread.id)[0]!);
    expect(read.path).toBe(continuation);

    const v1 = await suite.start({ home, cwd: real.root });
    const first = thread.path ?? "";
    for (const asked of [
      { conversationId: thread.id },
      { rolloutPath: first },
      { rolloutPath: continuation },
    ]) {
      const { summary } = await v1.request("getConversationSummary", asked);
      expect({ asked, ...summary }).toMatchObject({
        asked,
        conversationId: thread.id,
        path: read.path,
        preview: read.preview,
        cliVersion: "0.166.0",
      });
    }
    // The path it gives resumes the kept history (the reverted turn is not in it).
    const { summary } = await v1.request("getConversationSummary", { conversationId: thread.id });
    const resumed = await v1.request("resumeConversation", { path: summary.path, overrides: null });
    const said = JSON.stringify(resumed.initialMessages);
    expect(said).toContain("re delta");
    expect(said).not.toContain("re bravo");
    await v1.close();
  });
});
