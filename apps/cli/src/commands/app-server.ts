import type { ListenOptions, WsAuthFlags } from "@codex-ts/app-server";
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
    .description(
      "Run the app server over stdio (JSON-RPC lite, one message per line), a unix socket or a WebSocket",
    )
    .option(
      "--listen <URL>",
      "Transport endpoint URL: `stdio://`, `unix://`, `unix://PATH`, or `ws://IP:PORT` (repeatable, except stdio)",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option("--ws-auth <MODE>", "Websocket auth mode: capability-token or signed-bearer-token")
    .option("--ws-token-file <PATH>", "Absolute path to the capability-token file")
    .option("--ws-token-sha256 <HEX>", "Hex-encoded SHA-256 digest of the capability token")
    .option(
      "--ws-shared-secret-file <PATH>",
      "Absolute path to the shared secret file for signed JWT bearer tokens",
    )
    .option("--ws-issuer <ISSUER>", "Expected issuer for signed JWT bearer tokens")
    .option("--ws-audience <AUDIENCE>", "Expected audience for signed JWT bearer tokens")
    .option(
      "--ws-max-clock-skew-seconds <SECONDS>",
      "Maximum clock skew when validating signed JWT bearer tokens",
    )
    .action(async (opts: AppServerFlags, command: Command) => {
      const { overrides, profile } = globalOptions(command);
      // The server and runtime modules are only needed by this command; loading them while the config is read
      // (instead of when the CLI starts) keeps them off every other command's start and overlaps the two.
      const serverModules = Promise.all([import("../lazy/app-server.js"), import("../lazy/core.js")]);
      // A config error is reported first; the module promise must not surface as an unhandled rejection then.
      serverModules.catch(() => undefined);
      const codexHome = findCodexHome(process.env);
      // The transport and its auth are checked before anything else is loaded: a wrong flag stops at once.
      let listen: ListenOptions | undefined;
      try {
        listen = await listenOptions(opts, codexHome);
      } catch (err) {
        // A usage problem: said plainly, without a stack trace.
        process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
        return;
      }
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
          listen,
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
      } catch (err) {
        // The listener could not start (address in use, a live socket at the path): no stack trace for that.
        const code = (err as NodeJS.ErrnoException).code;
        if (!listen || !(err instanceof Error) || (code === undefined && !/socket/.test(err.message)))
          throw err;
        process.stderr.write(`Error: ${err.message}\n`);
        process.exitCode = 1;
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        // stdin may still hold the event loop open after a signal; nothing else is left to do.
        process.stdin.destroy();
      }
    });
}

interface AppServerFlags extends WsAuthFlags {
  listen?: string[];
}

/** `--listen` and the `--ws-*` flags as the server's listen options (undefined: stdio). */
async function listenOptions(opts: AppServerFlags, codexHome: string): Promise<ListenOptions | undefined> {
  const [{ parseListenUrl }, { wsAuthFromFlags, listenRefusal }] = await Promise.all([
    import("../lazy/protocol.js"),
    import("../lazy/app-server.js"),
  ]);
  const parsed = (opts.listen ?? ["stdio://"]).map((url) => parseListenUrl(url, codexHome));
  const auth = wsAuthFromFlags(opts);
  const targets = parsed.filter((t) => t.kind !== "stdio");
  if (targets.length === 0) {
    if (parsed.length > 1) throw new Error("`--listen stdio://` can be given once");
    if (auth) throw new Error("websocket auth flags require a `ws://` or `unix://` --listen URL");
    return undefined;
  }
  if (targets.length !== parsed.length)
    throw new Error("`--listen stdio://` cannot be combined with other listeners");
  const refusal = listenRefusal(targets, auth);
  if (refusal) throw new Error(refusal);
  return {
    targets,
    auth,
    // Tools and tests read the address (with the port a `:0` listener got) from this line.
    onListening: (url) => process.stderr.write(`codex app-server listening on ${url}\n`),
  };
}
