import {
  CODEX_0166_BIN,
  offeredTools,
  responses,
  startMcpGate,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { failingServersToml, gatedToml } from "./helpers/mcp-startup-servers.js";
import {
  isMcpStartupStatus,
  type McpStartupStatus,
  type MockServer0166,
  mcpServersReady,
  mcpStartupStatuses,
  startMockServer0166,
} from "./helpers/mock-server-0166.js";

/**
 * How a 0.166 thread starts its MCP servers, side by side with the native codex 0.166.0 where it is installed:
 * `thread/start` answers at once, the servers start after it (`starting`, then `ready` or `failed`), a turn started
 * meanwhile runs without their tools, and a failed start is worded as 0.166.0 words it. A gated server (core's
 * `gated-mcp-server.mjs`) is held by the test until it lets it start; the failing ones are real scripts.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("MCP start-up 0.166: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

/** A model outside 0.166.0's catalogue: MCP tools are offered as functions (gpt-5.5 defers them to a search). */
const MODEL = "mock-model";

async function start(impl: Impl, toml: string, prefix: string): Promise<MockServer0166> {
  return startMockServer0166(suite, impl, { client: { name: "mcp-startup", version: "1.0" }, prefix, toml });
}

/** Resolves once every one of `names` has ended (ready or failed) on thread `threadId`. */
async function ended(
  s: MockServer0166,
  threadId: string,
  names: string[],
): Promise<Map<string, McpStartupStatus>> {
  const ends = () =>
    new Map(
      mcpStartupStatuses(s)
        .filter((st) => st.threadId === threadId && st.status !== "starting")
        .map((st) => [st.name, st]),
    );
  await s.c.waitFor(() => names.every((n) => ends().has(n)), `the starts of ${names.join(", ")}`);
  return ends();
}

/**
 * Runs one turn (the mock answers "ok") and resolves with the tools its model request offered: names, and each
 * namespace's members as `<namespace>__<tool>` (for this model 0.166.0 offers an MCP server's tools as the namespace
 * `mcp__<server>`, ours as `mcp__<server>__<tool>` functions: either way `mcp__gated__echo` here).
 */
async function turnTools(s: MockServer0166, threadId: string): Promise<string[]> {
  s.mock.enqueue({
    kind: "sse",
    events: [responses.created(), ...responses.message("ok"), responses.completed()],
  });
  const before = s.mock.requests.length;
  const { turn } = await s.c.request("turn/start", { threadId, input: [{ type: "text", text: "hi" }] });
  await s.c.waitFor(
    (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
    "turn/completed",
  );
  const body = s.mock.requests[before]?.body as { tools?: { name?: string; tools?: { name: string }[] }[] };
  const members = (body.tools ?? []).flatMap((t) => (t.tools ?? []).map((m) => `${t.name}__${m.name}`));
  return [...offeredTools(body), ...members];
}

/** A Rust `Duration`'s Debug text (`1.2345s`, `954.298074ms`, `12.5µs`, `300ns`) in seconds; NaN for anything else. */
function rustDurationSeconds(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|ms|µs|ns)$/.exec(text);
  if (!m) return Number.NaN;
  return Number(m[1]) / { s: 1, ms: 1e3, µs: 1e6, ns: 1e9 }[m[2] as "s" | "ms" | "µs" | "ns"];
}

/**
 * The part of the slow server's 1.5 s `startup_timeout_sec` left once its process ran, as the timeout's reason gives
 * it: over a second when the spawn was quick, under one when CI load made it take over half a second (0.166.0's
 * wording is the same either way).
 */
function timeoutLeft(reason: string | null | undefined): number {
  const m =
    /^MCP startup failed: timed out handshaking with MCP server after (\S+): deadline has elapsed$/.exec(
      reason ?? "",
    );
  return m ? rustDurationSeconds(m[1] as string) : Number.NaN;
}

describe("0.166 MCP start-up, compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: thread/start answers while its server is held; a turn meanwhile has none of its tools; ready, then it has",
    async (impl) => {
      const work = await suite.workdir("mcp-up-");
      const gate = await startMcpGate(work);
      try {
        const s = await start(impl, gatedToml(gate), "codex-0166-mcp-up-");
        const from = s.c.messages.length;
        const { thread } = await s.c.request("thread/start", { cwd: s.root, model: MODEL });
        const answered = s.c.messages.findIndex((m, i) => i >= from && m.id !== undefined && !m.method);
        // The server is running and held: the answer did not wait for it.
        await gate.arrived(1);
        await s.c.waitFor(
          (m) => isMcpStartupStatus(m) && (m.params as McpStartupStatus).status === "starting",
          "starting",
        );
        const first = s.c.messages.findIndex((m, i) => i >= from && isMcpStartupStatus(m));
        expect(first).toBeGreaterThan(answered);
        expect(mcpStartupStatuses(s, from)).toEqual([
          { threadId: thread.id, name: "gated", status: "starting", error: null, failureReason: null },
        ]);

        // A turn while it starts does not wait for it: it runs without the server's tools.
        const meanwhile = await turnTools(s, thread.id);
        expect(meanwhile.filter((t) => t.startsWith("mcp__gated"))).toEqual([]);
        expect(meanwhile).toContain("list_mcp_resources");

        // mcpServerStatus/list starts the servers itself (a second process at the gate) and waits for them.
        const listed = s.c.request("mcpServerStatus/list", { detail: "toolsAndAuthOnly" });
        await gate.arrived(2);
        gate.open();
        const list = await listed;
        expect(list.data.map((d) => [d.name, Object.keys(d.tools), d.toolsError])).toEqual([
          ["gated", ["echo"], null],
        ]);
        await mcpServersReady(s.c, thread.id, ["gated"]);
        expect(mcpStartupStatuses(s, from).map((st) => st.status)).toEqual(["starting", "ready"]);
        expect(await turnTools(s, thread.id)).toContain("mcp__gated__echo");
      } finally {
        await gate.close();
      }
    },
  );

  it.each(IMPLS)("%s: a fork answers while the servers start anew for the new thread", async (impl) => {
    const work = await suite.workdir("mcp-fork-");
    const gate = await startMcpGate(work);
    try {
      const s = await start(impl, gatedToml(gate), "codex-0166-mcp-fork-");
      const { thread } = await s.c.request("thread/start", { cwd: s.root, model: MODEL });
      await turnTools(s, thread.id);
      const forked = await s.c.request("thread/fork", { threadId: thread.id, model: MODEL });
      // Both threads' servers are held at the gate: neither answer waited.
      await gate.arrived(2);
      await s.c.waitFor(
        (m) => isMcpStartupStatus(m) && (m.params as McpStartupStatus).threadId === forked.thread.id,
        "the fork's starting",
      );
      expect(mcpStartupStatuses(s).filter((st) => st.status !== "starting")).toEqual([]);
      gate.open();
      await mcpServersReady(s.c, forked.thread.id, ["gated"]);
      await mcpServersReady(s.c, thread.id, ["gated"]);
      expect(await turnTools(s, forked.thread.id)).toContain("mcp__gated__echo");
    } finally {
      await gate.close();
    }
  });

  it.each(IMPLS)("%s: thread/resume of a stored thread answers while its servers start", async (impl) => {
    const work = await suite.workdir("mcp-resume-");
    const gate = await startMcpGate(work);
    try {
      const first = await start(impl, gatedToml(gate), "codex-0166-mcp-resume-");
      const { thread } = await first.c.request("thread/start", { cwd: first.root, model: MODEL });
      await turnTools(first, thread.id);
      await first.c.close();
      // A second server on the same CODEX_HOME loads the stored thread; its server is held at the gate.
      const s = await startMockServer0166(suite, impl, {
        client: { name: "mcp-startup", version: "1.0" },
        prefix: "codex-0166-mcp-resume-",
        sharing: first,
      });
      const arrived = gate.arrivals;
      // (The model named again: 0.166.0 resumes with the thread's recorded model, this server with the config's.)
      const resumed = await s.c.request("thread/resume", { threadId: thread.id, model: MODEL });
      expect(resumed.thread.id).toBe(thread.id);
      await gate.arrived(arrived + 1);
      await s.c.waitFor(
        (m) => isMcpStartupStatus(m) && (m.params as McpStartupStatus).status === "starting",
        "starting",
      );
      expect(mcpStartupStatuses(s).map((st) => [st.threadId, st.name, st.status])).toEqual([
        [thread.id, "gated", "starting"],
      ]);
      gate.open();
      await mcpServersReady(s.c, thread.id, ["gated"]);
      expect(await turnTools(s, thread.id)).toContain("mcp__gated__echo");
    } finally {
      await gate.close();
    }
  });

  it.each(IMPLS)(
    "%s: failed starts in 0.166.0's words — a missing or non-executable command, a server that exits, a timeout",
    async (impl) => {
      const work = await suite.workdir("mcp-fail-");
      const gate = await startMcpGate(work);
      try {
        const toml = await failingServersToml(work, gate);
        const s = await start(impl, toml, "codex-0166-mcp-fail-");
        const { thread } = await s.c.request("thread/start", { cwd: s.root, model: MODEL });
        const names = ["missing", "noexec", "exits", "closes", "slow"];
        const ends = await ended(s, thread.id, names);
        const error = (name: string) => ends.get(name)?.error;
        expect(names.map((n) => ends.get(n)?.status)).toEqual(names.map(() => "failed"));
        expect(error("missing")).toBe(
          "MCP client for `missing` failed to start: MCP startup failed: No such file or directory (os error 2)",
        );
        expect(error("noexec")).toBe(
          "MCP client for `noexec` failed to start: MCP startup failed: Permission denied (os error 13)",
        );
        const closed = "connection closed: initialize response";
        const closes = `MCP startup failed: handshaking with MCP server failed: ${closed}: ${closed}`;
        expect(error("closes")).toBe(`MCP client for \`closes\` failed to start: ${closes}`);
        // A server that exits at once: writing `initialize` fails with EPIPE, or (when the write came first) its
        // output ends; which one depends on who is quicker, in 0.166.0 too.
        const pipe =
          "Send message error Transport [codex_rmcp_client::tool_list_changes::ToolListChanges<codex_rmcp_client::ordered_byte_transport::OrderedByteTransport<codex_rmcp_client::stdio_server_launcher::StdioServerTransport>>] error: Broken pipe (os error 32), when send initialize request";
        const exits = [pipe, closed].map(
          (e) =>
            `MCP client for \`exits\` failed to start: MCP startup failed: handshaking with MCP server failed: ${e}: ${e}`,
        );
        expect(exits).toContain(error("exits"));
        expect(error("slow")).toBe(
          "MCP client for `slow` timed out after 1 seconds. Add or adjust `startup_timeout_sec` in your config.toml:\n[mcp_servers.slow]\nstartup_timeout_sec = XX",
        );
        // Nothing else is said of them: no error notification, the thread stays idle.
        expect(
          s.c.messages.filter((m) => m.method === "error" || m.method === "thread/status/changed"),
        ).toEqual([]);

        // mcpServerStatus/list starts them again and gives each reason as its toolsError.
        const list = await s.c.request("mcpServerStatus/list", { detail: "toolsAndAuthOnly" });
        const toolsError = Object.fromEntries(list.data.map((d) => [d.name, d.toolsError]));
        expect(toolsError).toEqual({
          closes,
          exits: expect.stringMatching(/^MCP startup failed: handshaking with MCP server failed: /),
          missing: "MCP startup failed: No such file or directory (os error 2)",
          noexec: "MCP startup failed: Permission denied (os error 13)",
          // What was left of the timeout once the process ran, as Rust prints a Duration (checked below).
          slow: toolsError.slow,
        });
        expect(timeoutLeft(toolsError.slow)).toBeGreaterThan(0);
        expect(timeoutLeft(toolsError.slow)).toBeLessThanOrEqual(1.5);
        expect(exits.map((e) => e.replace(/^MCP client for `exits` failed to start: /, ""))).toContain(
          toolsError.exits,
        );
      } finally {
        await gate.close();
      }
    },
  );
});
