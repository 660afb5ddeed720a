import {
  type Message,
  offeredTools,
  REFERENCE_CODEX_BIN,
  responses,
  startMcpGate,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { failingServersToml, gatedToml } from "./helpers/mcp-startup-servers.js";

/**
 * MCP start-up on a 0.58 connection, side by side with codex 0.58.0 where it is installed: unlike 0.166.0, a v2
 * `thread/start` is answered once the servers have started (the first turn has their tools), and a server that did
 * not start is told with an `error` event, in 0.58.0's words.
 */
const suite = useAppServerSuite();
const BINS = REFERENCE_CODEX_BIN ? (["ours", "reference"] as const) : (["ours"] as const);

describe("0.58 MCP start-up, compared with codex 0.58.0", () => {
  it.each(BINS)(
    "%s: thread/start answers once its servers have started; the first turn has their tools",
    async (bin) => {
      const work = await suite.workdir("mcp-058-");
      const gate = await startMcpGate(work);
      try {
        const home = await suite.home({ toml: gatedToml(gate, "gated"), prefix: "codex-e2e-mcp-058-" });
        const c = await suite.start({ home, bin });
        const answer = c.request("thread/start", { cwd: work, approvalPolicy: "never" });
        await gate.arrived(1);
        gate.open();
        const { thread } = await answer;
        suite.mock.enqueue(responses.turn(responses.message("ok")));
        const before = suite.mock.requests.length;
        await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "hi" }] });
        await c.waitFor((m) => m.method === "codex/event/task_complete", "task_complete");
        expect(offeredTools(suite.mock.requests[before]?.body)).toContain("mcp__gated__echo");
      } finally {
        await gate.close();
      }
    },
  );

  it.each(BINS)("%s: failed starts are error events, in 0.58.0's words", async (bin) => {
    const work = await suite.workdir("mcp-058-fail-");
    const gate = await startMcpGate(work);
    try {
      const toml = await failingServersToml(work, gate);
      const home = await suite.home({ toml, prefix: "codex-e2e-mcp-058-fail-" });
      const c = await suite.start({ home, bin });
      const from = c.messages.length;
      await c.request("thread/start", { cwd: work, approvalPolicy: "never" });
      const isError = (m: Message) => m.method === "codex/event/error";
      await c.waitFor(() => c.messages.filter(isError).length >= 5, "five error events");
      const after = c.messages.slice(from);
      // (0.58.0 sends them before or after its answer: its listener task races the answer.)
      const messages = after
        .filter(isError)
        .map((m) => (m.params as { msg: { message: string } }).msg.message)
        .sort();
      const pipe =
        "Send message error Transport [rmcp::transport::child_process::TokioChildProcess] error: Broken pipe (os error 32), when send initialize request";
      const closed = "connection closed: initialize response";
      expect(messages).toEqual([
        `MCP client for \`closes\` failed to start: handshaking with MCP server failed: ${closed}`,
        // A server that exits at once: the write of `initialize` fails, or (when the write came first) its output ends.
        expect.stringMatching(
          /^MCP client for `exits` failed to start: handshaking with MCP server failed: /,
        ),
        "MCP client for `missing` failed to start: No such file or directory (os error 2)",
        "MCP client for `noexec` failed to start: Permission denied (os error 13)",
        "MCP client for `slow` timed out after 1 seconds. Add or adjust `startup_timeout_sec` in your config.toml:\n[mcp_servers.slow]\nstartup_timeout_sec = XX",
      ]);
      expect(
        [pipe, closed].map(
          (e) => `MCP client for \`exits\` failed to start: handshaking with MCP server failed: ${e}`,
        ),
      ).toContain(messages[1]);
    } finally {
      await gate.close();
    }
  });
});
