import fs from "node:fs/promises";
import {
  AcpClient,
  CLI_MAIN,
  CODEX_0166_BIN,
  CODEX_ACP_ENTRY,
  readTeeLog,
  responses,
  startBlockingProxy,
  startMockModelServer,
  tempDir,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { acpWorkspace } from "./helpers/acp-flows.js";

/**
 * The editor's `/goal` command through the real `@agentclientprotocol/codex-acp` 2.6.0, with this server (and, where
 * it is installed, codex 0.166.0) as its Codex: `/goal <objective>` sets an active goal (`thread/goal/set`) and the
 * prompt lasts as long as the goal's turn, which the model ends by marking the goal complete with `update_goal`;
 * `/goal` `pause` and `clear` change and remove it. The editor must see the same outcome from both.
 */
if (!CODEX_ACP_ENTRY) console.warn("skipping the codex-acp /goal test: codex-acp 2.6.0 is not installed");
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];

describe.skipIf(!CODEX_ACP_ENTRY)("codex-acp 2.6.0: /goal", () => {
  it.each(IMPLS)(
    "%s: /goal runs the goal's turn until the model completes it; pause and clear",
    {
      timeout: 180_000,
    },
    async (impl) => {
      const tmp = await fs.realpath(await tempDir("codex-acp-goal-"));
      const mock = await startMockModelServer([]);
      const proxy = await startBlockingProxy();
      try {
        const ws = await acpWorkspace(tmp, {
          baseUrl: mock.baseUrl,
          command: impl === "ours" ? [process.execPath, CLI_MAIN] : [CODEX_0166_BIN as string],
          proxyEnv: proxy.env,
        });
        const editor = AcpClient.start({ entry: CODEX_ACP_ENTRY as string, env: ws.env, cwd: ws.cwd });
        await editor.initialize();
        const { sessionId } = await editor.newSession(ws.cwd);
        mock.enqueue(
          responses.turn(responses.functionCall("update_goal", { status: "complete" })),
          responses.turn(responses.message("Said hello; the goal is complete.")),
        );
        const set = await editor.prompt(sessionId, "/goal say hello");
        expect(set.result?.stopReason).toBe("end_turn");
        const text = set.updates
          .filter((u) => u.sessionUpdate === "agent_message_chunk")
          .map((u) => (u.content as { text?: string }).text ?? "")
          .join("");
        expect(text).toContain("Said hello; the goal is complete.");
        // The goal's turn: its model request ends with the goal's context; the model was offered update_goal.
        const body = mock.requests[0]?.body as {
          input: { role?: string; content?: { text?: string }[] }[];
          tools: { name?: string }[];
        };
        expect(body.input.at(-1)?.content?.[0]?.text).toContain("<objective>\nsay hello\n</objective>");
        expect(body.tools.map((t) => t.name)).toContain("update_goal");
        expect(mock.requests).toHaveLength(2);

        expect((await editor.prompt(sessionId, "/goal pause")).result?.stopReason).toBe("end_turn");
        expect((await editor.prompt(sessionId, "/goal clear")).result?.stopReason).toBe("end_turn");
        expect((await editor.stop()).code).toBe(0);

        // What the adapter asked the server, and the goal as the server reported it back.
        const wire = await readTeeLog(ws.log);
        const asked = wire
          .filter(
            (e) =>
              e.dir === "c2s" && typeof e.msg.method === "string" && e.msg.method.startsWith("thread/goal/"),
          )
          .map((e) => [e.msg.method, (e.msg.params as { status?: string; objective?: string }) ?? {}])
          .map(([m, p]) =>
            `${m} ${(p as { objective?: string }).objective ?? ""} ${(p as { status?: string }).status ?? ""}`.trim(),
          );
        expect(asked).toEqual([
          "thread/goal/set say hello active",
          "thread/goal/set  paused",
          "thread/goal/clear",
        ]);
        const told = wire
          .filter(
            (e) =>
              e.dir === "s2c" && typeof e.msg.method === "string" && e.msg.method.startsWith("thread/goal/"),
          )
          .map((e) =>
            `${e.msg.method} ${(e.msg.params as { goal?: { status: string } }).goal?.status ?? ""}`.trim(),
          );
        expect(told.filter((n, i) => n !== told[i - 1])).toEqual([
          "thread/goal/updated active",
          "thread/goal/updated complete",
          "thread/goal/updated paused",
          "thread/goal/cleared",
        ]);
      } finally {
        await mock.close();
        await proxy.close();
      }
    },
  );
});
