import { spawn } from "node:child_process";
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type McpGate, startMcpGate, tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  McpConnectionManager,
  type McpStartupStatus,
  type McpWording,
  rustDurationDebug,
} from "../src/index.js";
import { startupFailureMessage, startupFailureReason } from "../src/mcp/startup-failure.js";
import { mockConfig } from "./helpers/mock-conversations.js";

/**
 * Starting MCP servers as 0.58.0 (all started before the conversation is answered) and 0.166.0 (in the background)
 * do, and each reference's words for a start that failed — with real server processes: a gated server the test
 * lets start, and scripts that cannot run, exit at once or never answer.
 */
const GATED = fileURLToPath(new URL("./fixtures/gated-mcp-server.mjs", import.meta.url));

let dir: string;
let gate: McpGate;
beforeEach(async () => {
  dir = await tempDir("mcp-start-");
  gate = await startMcpGate(dir);
});
afterEach(async () => {
  await gate.close();
});

async function servers(...toml: string[]) {
  const config = await mockConfig({ home: dir, baseUrl: "http://127.0.0.1:9/v1", overrides: toml });
  return config.mcpServers;
}

const gated = (name: string, extra: string[] = []) => [
  `mcp_servers.${name}.command="node"`,
  `mcp_servers.${name}.args=[${JSON.stringify(GATED)}]`,
  `mcp_servers.${name}.env.MCP_GATE=${JSON.stringify(gate.path)}`,
  ...extra,
];

async function script(name: string, body: string, mode = 0o755): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, mode);
  return file;
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
function timeoutLeft(reason: string | undefined): number {
  const m =
    /^MCP startup failed: timed out handshaking with MCP server after (\S+): deadline has elapsed$/.exec(
      reason ?? "",
    );
  return m ? rustDurationSeconds(m[1] as string) : Number.NaN;
}

describe("MCP start-up in the background (0.166.0)", () => {
  it("reports starting at once, offers no tools until the server has started, then ready with its tools", async () => {
    const manager = McpConnectionManager.starting(await servers(...gated("gated")), { wording: "0.166" });
    const later: McpStartupStatus[] = [];
    manager.onStartupStatus((s) => later.push(s));
    try {
      expect(manager.startupStatuses).toEqual([{ server: "gated", status: "starting", error: null }]);
      await gate.arrived();
      // The server runs and is held: nothing of it is offered yet.
      expect(manager.tools()).toEqual([]);
      expect(manager.toolSearchSpec()).toBeNull();
      gate.open();
      await manager.started;
      expect(later).toEqual([{ server: "gated", status: "ready", error: null }]);
      expect(manager.tools().map((t) => t.qualifiedName)).toEqual(["mcp__gated__echo"]);
      expect(await manager.callTool("gated", "echo", { text: "hi" })).toMatchObject({
        content: [{ type: "text", text: "hi" }],
      });
    } finally {
      await manager.close();
    }
  });

  it("closing while a server starts stops it: its start ends, and nothing is reported after", async () => {
    const manager = McpConnectionManager.starting(await servers(...gated("gated")), { wording: "0.166" });
    const later: McpStartupStatus[] = [];
    manager.onStartupStatus((s) => later.push(s));
    await gate.arrived();
    await manager.close();
    await manager.started;
    expect(later).toEqual([]);
    expect(manager.tools()).toEqual([]);
  });

  it("deferred: nothing starts before begin() (a 0.166 thread's answer goes first); closing unbegun settles", async () => {
    const toml = await servers(...gated("gated"));
    const unbegun = McpConnectionManager.deferred(toml, { wording: "0.166" });
    expect(unbegun.startupStatuses).toEqual([]);
    await unbegun.close();
    await unbegun.started;
    expect(gate.arrivals).toBe(0);

    const manager = McpConnectionManager.deferred(toml, { wording: "0.166" });
    try {
      manager.begin();
      manager.begin();
      expect(manager.startupStatuses).toEqual([{ server: "gated", status: "starting", error: null }]);
      await gate.arrived();
      gate.open();
      await manager.started;
      expect(manager.startupStatuses.map((s) => s.status)).toEqual(["starting", "ready"]);
      expect(gate.arrivals).toBe(1);
    } finally {
      await manager.close();
    }
  });

  it("start() waits for every server (0.58.0)", async () => {
    const starting = McpConnectionManager.start(await servers(...gated("gated")));
    await gate.arrived();
    gate.open();
    const manager = await starting;
    try {
      expect(manager.startupStatuses.map((s) => s.status)).toEqual(["starting", "ready"]);
      expect(manager.tools().map((t) => t.qualifiedName)).toEqual(["mcp__gated__echo"]);
    } finally {
      await manager.close();
    }
  });
});

describe("a failed start in each reference's words (real processes)", () => {
  const BROKEN_PIPE_0166 =
    "Send message error Transport [codex_rmcp_client::tool_list_changes::ToolListChanges<codex_rmcp_client::ordered_byte_transport::OrderedByteTransport<codex_rmcp_client::stdio_server_launcher::StdioServerTransport>>] error: Broken pipe (os error 32), when send initialize request";
  const BROKEN_PIPE_058 =
    "Send message error Transport [rmcp::transport::child_process::TokioChildProcess] error: Broken pipe (os error 32), when send initialize request";
  const CLOSED = "connection closed: initialize response";

  /** Each server's failure message and reason, in `wording`. */
  async function failures(wording: McpWording, toml: string[]) {
    const manager = await McpConnectionManager.start(await servers(...toml), { wording });
    await manager.close();
    return Object.fromEntries(
      manager.failures.map((f) => [f.server, { message: f.message, reason: f.reason }]),
    );
  }

  async function failingServers() {
    const notExecutable = await script("not-executable.sh", "exit 0", 0o644);
    const exits = await script("exits.sh", "echo bye >&2\nexit 3");
    const readsThenExits = await script("reads-then-exits.sh", "read line\nexit 3");
    return [
      'mcp_servers.missing.command="/nonexistent/mcp-server"',
      `mcp_servers.noexec.command=${JSON.stringify(notExecutable)}`,
      `mcp_servers.exits.command=${JSON.stringify(exits)}`,
      `mcp_servers.closes.command=${JSON.stringify(readsThenExits)}`,
      ...gated("slow", ["mcp_servers.slow.startup_timeout_sec=1.5"]),
    ];
  }

  it("0.166.0: `MCP startup failed: ` and the OS error; rmcp's error with its source; the timeout setting", async () => {
    const got = await failures("0.166", await failingServers());
    expect(got.missing).toEqual({
      message:
        "MCP client for `missing` failed to start: MCP startup failed: No such file or directory (os error 2)",
      reason: "MCP startup failed: No such file or directory (os error 2)",
    });
    expect(got.noexec?.reason).toBe("MCP startup failed: Permission denied (os error 13)");
    // A server that exits at once: the write of `initialize` fails, or (when it is slower to go) its output ends.
    const exited = [BROKEN_PIPE_0166, CLOSED].map(
      (e) => `MCP startup failed: handshaking with MCP server failed: ${e}: ${e}`,
    );
    expect(exited).toContain(got.exits?.reason);
    expect(got.exits?.message).toBe(`MCP client for \`exits\` failed to start: ${got.exits?.reason}`);
    expect(got.closes?.reason).toBe(
      `MCP startup failed: handshaking with MCP server failed: ${CLOSED}: ${CLOSED}`,
    );
    expect(got.slow?.message).toBe(
      "MCP client for `slow` timed out after 1 seconds. Add or adjust `startup_timeout_sec` in your config.toml:\n[mcp_servers.slow]\nstartup_timeout_sec = XX",
    );
    expect(timeoutLeft(got.slow?.reason)).toBeGreaterThan(0);
    expect(timeoutLeft(got.slow?.reason)).toBeLessThanOrEqual(1.5);
  });

  it("0.58.0: the bare OS error, rmcp's error once, the same timeout message", async () => {
    const got = await failures("0.58", await failingServers());
    expect(got.missing?.message).toBe(
      "MCP client for `missing` failed to start: No such file or directory (os error 2)",
    );
    expect(got.noexec?.message).toBe(
      "MCP client for `noexec` failed to start: Permission denied (os error 13)",
    );
    expect([BROKEN_PIPE_058, CLOSED].map((e) => `handshaking with MCP server failed: ${e}`)).toContain(
      got.exits?.reason,
    );
    expect(got.closes?.message).toBe(
      `MCP client for \`closes\` failed to start: handshaking with MCP server failed: ${CLOSED}`,
    );
    expect(got.slow?.message).toBe(
      "MCP client for `slow` timed out after 1 seconds. Add or adjust `startup_timeout_sec` in your config.toml:\n[mcp_servers.slow]\nstartup_timeout_sec = XX",
    );
  });

  it("words a write that failed with the OS error of the write, per reference", async () => {
    // A real EPIPE: writing to a process that has closed its input.
    const error = await new Promise<Error>((resolve) => {
      const child = spawn("sh", ["-c", "exec 0<&-; sleep 5"], { stdio: ["pipe", "ignore", "ignore"] });
      child.stdin.on("error", (err) => {
        child.kill();
        resolve(err);
      });
      const write = () => child.stdin.write("x".repeat(65536), () => setImmediate(write));
      write();
    });
    expect(startupFailureReason("0.58", { kind: "write", error })).toBe(
      `handshaking with MCP server failed: ${BROKEN_PIPE_058}`,
    );
    expect(startupFailureMessage("0.166", "w", { kind: "write", error })).toBe(
      `MCP client for \`w\` failed to start: MCP startup failed: handshaking with MCP server failed: ${BROKEN_PIPE_0166}: ${BROKEN_PIPE_0166}`,
    );
  });
});

describe("rustDurationDebug", () => {
  it("prints durations as Rust's Debug of Duration", () => {
    expect(rustDurationDebug(30_000_000_000n)).toBe("30s");
    expect(rustDurationDebug(29_999_999_950n)).toBe("29.99999995s");
    expect(rustDurationDebug(1_500_000_000n)).toBe("1.5s");
    expect(rustDurationDebug(499_999_430n)).toBe("499.99943ms");
    expect(rustDurationDebug(250_000_000n)).toBe("250ms");
    expect(rustDurationDebug(1_500n)).toBe("1.5µs");
    expect(rustDurationDebug(7n)).toBe("7ns");
    expect(rustDurationDebug(0n)).toBe("0ns");
  });
});
