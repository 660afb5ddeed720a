import os from "node:os";
import path from "node:path";
import { runAppServer } from "@codex-ts/app-server";
import type { Command } from "commander";

/**
 * `codex app-server`: JSON-RPC lite over stdin/stdout until stdin ends. SIGINT/SIGTERM shut it down the same
 * way as EOF (in-flight work finishes or is aborted, output is flushed) and the process exits 0.
 */
export function registerAppServer(program: Command): void {
  program
    .command("app-server")
    .description("Run the app server over stdio (JSON-RPC lite, one message per line)")
    .action(async () => {
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        await runAppServer({
          stdin: process.stdin,
          stdout: process.stdout,
          logSink: process.stderr,
          logLevel: process.env.CODEX_LOG_LEVEL === "debug" ? "debug" : "warn",
          signal: stop.signal,
          // Until the config loader lands: CODEX_HOME or ~/.codex, as Codex resolves it.
          codexHome: process.env.CODEX_HOME || path.join(os.homedir(), ".codex"),
          feedbackEndpoint: process.env.CODEX_FEEDBACK_ENDPOINT || null,
        });
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        // stdin may still hold the event loop open after a signal; nothing else is left to do.
        process.stdin.destroy();
      }
    });
}
