import { findCodexHome } from "@codex-ts/config-loader";
import type { Command } from "commander";
import { globalOptions } from "../global-options.js";

/**
 * `codex mcp-server`: Codex as an MCP server over stdin/stdout until stdin ends. SIGINT/SIGTERM stop it the same
 * way (running turns are stopped, rollouts flushed) and the process exits 0. Logs go to stderr only. A broken
 * config.toml or -c value is a ConfigError, which the CLI reports with exit code 1 before serving anything.
 */
export function registerMcpServer(program: Command): void {
  program
    .command("mcp-server")
    .description("Run Codex as an MCP server (tools `codex` and `codex-reply`) over stdio")
    .action(async (_opts, command: Command) => {
      const { overrides, profile } = globalOptions(command);
      const codexHome = findCodexHome();
      // Loaded here, not at CLI start: only this command needs the MCP server.
      const { runMcpServer } = await import("@codex-ts/mcp-server");
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        await runMcpServer({
          stdin: process.stdin,
          stdout: process.stdout,
          logSink: process.stderr,
          signal: stop.signal,
          codexHome,
          cliOverrides: overrides,
          profile,
        });
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        // stdin may still hold the event loop open after a signal; nothing else is left to do.
        process.stdin.destroy();
      }
    });
}
