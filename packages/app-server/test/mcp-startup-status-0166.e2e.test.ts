import path from "node:path";
import { fileURLToPath } from "node:url";
import { CODEX_0166_BIN, type Message, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import {
  type McpStartupStatus,
  type MockServer0166,
  mcpStartupStatuses,
  startMockServer0166,
} from "./helpers/mock-server-0166.js";

/**
 * `mcpServer/startupStatus/updated` on a 0.166 connection: once a thread is loaded, each enabled MCP server is
 * reported `starting`, then `ready` or `failed` with its error; after `config/mcpServer/reload` each
 * loaded thread reports how its servers stand — what codex-acp 2.6.0 waits for (up to 30 s) before it shows them.
 * Side by side with the native codex 0.166.0 where it is installed.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN)
  console.warn("MCP startup status 0.166: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const FIXTURES = fileURLToPath(new URL("../../core/test/fixtures/", import.meta.url));
const CALC = JSON.stringify(path.join(FIXTURES, "calc-mcp-server.mjs"));
const TOML = [
  "[mcp_servers.calc]",
  'command = "node"',
  `args = [${CALC}]`,
  "[mcp_servers.broken]",
  'command = "/nonexistent/mcp-server"',
  "[mcp_servers.off]",
  'command = "node"',
  `args = [${CALC}]`,
  "enabled = false",
].join("\n");

/** Waits until `names` have each reported an end (ready/failed) since message `from`. */
async function settled(s: MockServer0166, from: number, names: string[]): Promise<McpStartupStatus[]> {
  const ended = (m: Message) => {
    const done = new Set(
      mcpStartupStatuses(s, from)
        .filter((st) => st.status !== "starting")
        .map((st) => st.name),
    );
    return m.method === "mcpServer/startupStatus/updated" && names.every((n) => done.has(n));
  };
  if (!ended({ method: "mcpServer/startupStatus/updated" } as Message))
    await s.c.waitFor(ended, `MCP statuses of ${names.join(", ")}`);
  return mcpStartupStatuses(s, from);
}

describe("0.166 MCP startup status, compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: starting in config order, then each end, on thread start and after a reload",
    async (impl) => {
      const s = await startMockServer0166(suite, impl, {
        client: { name: "mcp-startup-status", version: "1.0" },
        prefix: "codex-0166-mcp-status-",
        toml: TOML,
      });
      const from = s.c.messages.length;
      const { thread } = await s.c.request("thread/start", { cwd: s.root });
      const started = await settled(s, from, ["calc", "broken"]);
      // Both start at once (0.166.0 announces them in no fixed order), before either ends.
      const byName = (a: McpStartupStatus, b: McpStartupStatus) => a.name.localeCompare(b.name);
      expect(started.slice(0, 2).sort(byName)).toEqual([
        { threadId: thread.id, name: "broken", status: "starting", error: null, failureReason: null },
        { threadId: thread.id, name: "calc", status: "starting", error: null, failureReason: null },
      ]);
      const ends = started.slice(2).sort(byName);
      expect(ends).toEqual([
        {
          threadId: thread.id,
          name: "broken",
          status: "failed",
          error: expect.stringMatching(/^MCP client for `broken` failed to start: /),
          failureReason: null,
        },
        { threadId: thread.id, name: "calc", status: "ready", error: null, failureReason: null },
      ]);

      const beforeReload = s.c.messages.length;
      expect(await s.c.request("config/mcpServer/reload", undefined)).toEqual({});
      const after = await settled(s, beforeReload, ["calc", "broken"]);
      const lastOf = (name: string) => after.filter((st) => st.name === name).at(-1);
      expect([lastOf("calc")?.status, lastOf("broken")?.status]).toEqual(["ready", "failed"]);
      expect(after.every((st) => st.threadId === thread.id && st.name !== "off")).toBe(true);
    },
  );
});
