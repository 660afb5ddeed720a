import { ConfigError, findCodexHome, loadConfig } from "@codex-ts/config-loader";
import type { Command } from "commander";
import { globalOptions } from "../global-options.js";
import { appServerParts, COMPAT_VERSION } from "./app-server-parts.js";
import { cliOriginator } from "./auth-manager.js";

/**
 * `codex app-server`: JSON-RPC lite over stdin/stdout until stdin ends. The process `-c`/`--profile`/`--enable`
 * options apply to every conversation it creates, under each request's own settings. SIGINT/SIGTERM shut it down
 * the same way as EOF (running turns are aborted, rollouts flushed, output written) and the process exits 0.
 */
export function registerAppServer(program: Command): void {
  program
    .command("app-server")
    .description("Run the app server over stdio (JSON-RPC lite, one message per line)")
    .action(async (_opts, command: Command) => {
      const { overrides, profile } = globalOptions(command);
      // The server and runtime modules are only needed by this command; loading them while the config is read
      // (instead of when the CLI starts) keeps them off every other command's start and overlaps the two.
      const serverModules = Promise.all([import("@codex-ts/app-server"), import("@codex-ts/core")]);
      // A config error is reported first; the module promise must not surface as an unhandled rejection then.
      serverModules.catch(() => undefined);
      const codexHome = findCodexHome(process.env);
      let processConfig: Awaited<ReturnType<typeof loadConfig>>;
      try {
        processConfig = await loadConfig({
          codexHome,
          env: process.env,
          cliOverrides: overrides,
          overrides: profile !== undefined ? { profile } : {},
          cliVersion: COMPAT_VERSION,
        });
      } catch (err) {
        // Like 0.58.0: a config that cannot be loaded stops the server before it serves anything.
        if (err instanceof ConfigError)
          throw new ConfigError(`error loading config: ${err.message}`, err.file);
        throw err;
      }
      const [server, core] = await serverModules;
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        await server.runAppServer({
          stdin: process.stdin,
          stdout: process.stdout,
          logSink: process.stderr,
          logLevel: process.env.CODEX_LOG_LEVEL === "debug" ? "debug" : "warn",
          signal: stop.signal,
          feedbackEndpoint: process.env.CODEX_FEEDBACK_ENDPOINT || null,
          ...appServerParts(
            { server, core },
            { codexHome, processConfig, overrides, profile, originator: cliOriginator() },
          ),
        });
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        // stdin may still hold the event loop open after a signal; nothing else is left to do.
        process.stdin.destroy();
      }
    });
}
