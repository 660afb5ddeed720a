import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { McpGate } from "@codex-ts/test-support";

/** core's gated MCP server: it starts once the test opens its gate (test-support `startMcpGate`). */
const GATED = fileURLToPath(new URL("../../../core/test/fixtures/gated-mcp-server.mjs", import.meta.url));

/** config.toml for a gated MCP server named `name` (with `extra` lines in its table). */
export function gatedToml(gate: McpGate, name = "gated", extra: string[] = []): string {
  return [
    `[mcp_servers.${name}]`,
    'command = "node"',
    `args = [${JSON.stringify(GATED)}]`,
    `env = { MCP_GATE = ${JSON.stringify(gate.path)} }`,
    ...extra,
  ].join("\n");
}

/**
 * config.toml for five MCP servers that fail to start, each its own way (real scripts written in `dir`): a missing
 * command (`missing`), one that is not executable (`noexec`), one that exits at once (`exits`), one that closes on
 * the handshake (`closes`), and a gated one that is never let start within its 1.5 s timeout (`slow`).
 */
export async function failingServersToml(dir: string, gate: McpGate): Promise<string> {
  const script = async (name: string, body: string, mode: number) => {
    const file = path.join(dir, name);
    await fs.writeFile(file, `#!/bin/sh\n${body}\n`, { mode });
    return JSON.stringify(file);
  };
  return [
    '[mcp_servers.missing]\ncommand = "/nonexistent/mcp-server"',
    `[mcp_servers.noexec]\ncommand = ${await script("noexec.sh", "exit 0", 0o644)}`,
    `[mcp_servers.exits]\ncommand = ${await script("exits.sh", "echo bye >&2\nexit 3", 0o755)}`,
    `[mcp_servers.closes]\ncommand = ${await script("closes.sh", "read line\nexit 3", 0o755)}`,
    gatedToml(gate, "slow", ["startup_timeout_sec = 1.5"]),
  ].join("\n");
}
