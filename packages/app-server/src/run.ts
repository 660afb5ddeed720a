import { type AuthManager, killRunningCommands } from "@codex-ts/core";
import type { HandlerTables } from "./handler.js";
import { createHandlerTables, type ServerServices } from "./handlers/tables.js";
import { type ListenOptions, type ServerHost, serveListening, sharedServices } from "./listen/serve.js";
import type { ConversationRuntime } from "./runtime.js";
import { AppServer, type AppServerOptions } from "./server.js";

export interface RunAppServerOptions extends Omit<AppServerOptions, "handlers" | "observe"> {
  /**
   * Serve clients on a unix socket or WebSocket address instead of `stdin`/`stdout` (`--listen`): several
   * connections share the runtime, the account state and the loaded 0.166 threads.
   */
  listen?: ListenOptions | undefined;
  signal?: AbortSignal | undefined;
  /**
   * The agent runtime (`AppServerRuntime` in the CLI). When given, the conversation and turn methods are served:
   * `open` creates a conversation from a request's settings, `shutdownAll` aborts running turns and flushes
   * rollouts at shutdown; with `sessions`/`resume`/`fork`/`remove` the session methods too. It may be a factory
   * of the server, since the runtime's user agent follows the client's `initialize`.
   */
  conversations?: ConversationRuntime | ((server: ServerHost) => ConversationRuntime) | undefined;
  /**
   * Account state; enables the v1 auth methods and `account/*`. A factory of the server is called before the
   * `conversations` factory, so the runtime can be given the same manager.
   */
  auth?: AuthManager | ((server: ServerHost) => AuthManager) | undefined;
  /** `requires_openai_auth` of the configured model provider, reported by `account/read` and `getAuthStatus`. */
  requiresOpenaiAuth?: boolean | undefined;
  /** Enables `setDefaultModel`, `getUserSavedConfig` and `feedback/upload` (bundles go to `<codexHome>/feedback/`). */
  codexHome?: string | undefined;
  /** Upload endpoint for feedback bundles; none by default. */
  feedbackEndpoint?: string | null | undefined;
  /** Replaces handlers of the tables `runAppServer` builds (tests). */
  handlers?: ((server: AppServer, tables: HandlerTables) => HandlerTables) | undefined;
}

/**
 * Runs `codex app-server` on the given streams until stdin ends (or `signal` aborts), then shuts down
 * cleanly: running turns are stopped, pending server→client requests are abandoned, in-flight requests finish,
 * output is flushed.
 */
export async function runAppServer(opts: RunAppServerOptions): Promise<void> {
  if (opts.listen) return runListening(opts, opts.listen);
  let runtime: ConversationRuntime | undefined;
  let auth: AuthManager | undefined;
  const server = new AppServer({
    ...opts,
    onShutdown: async () => {
      // First: a running `execOneOffCommand` (or a model's command) must not hold the shutdown until it times out.
      killRunningCommands();
      auth?.close();
      await runtime?.shutdownAll?.();
      await opts.onShutdown?.();
    },
    handlers: (s) => {
      auth = typeof opts.auth === "function" ? opts.auth(s) : opts.auth;
      // The runtime may need the server (its user agent follows the client's `initialize`), so it can be a factory.
      runtime = typeof opts.conversations === "function" ? opts.conversations(s) : opts.conversations;
      const tables = createHandlerTables(s, services(opts, runtime, auth));
      return opts.handlers ? opts.handlers(s, tables) : tables;
    },
  });
  const onAbort = () => void server.shutdown();
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await server.run();
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
  }
}

function services(
  opts: RunAppServerOptions,
  runtime: ConversationRuntime | undefined,
  auth: AuthManager | undefined,
): ServerServices {
  return {
    conversations: runtime,
    auth,
    requiresOpenaiAuth: opts.requiresOpenaiAuth,
    codexHome: opts.codexHome,
    feedbackEndpoint: opts.feedbackEndpoint,
    cliVersion: opts.version,
    originator: opts.originator,
  };
}

/**
 * `--listen unix://…|ws://…`: the runtime and account state are made once, then each connection gets its own
 * `AppServer` (handshake, generation, client info, in-flight requests) over them and the shared 0.166 threads.
 * Serves until `signal` aborts; then the listener closes, connections end, running turns stop and rollouts flush.
 */
async function runListening(opts: RunAppServerOptions, listen: ListenOptions): Promise<void> {
  const shared = sharedServices(opts);
  const auth = typeof opts.auth === "function" ? opts.auth(shared.host) : opts.auth;
  const runtime =
    typeof opts.conversations === "function" ? opts.conversations(shared.host) : opts.conversations;
  const stopped = new Promise<void>((resolve) => {
    if (opts.signal?.aborted) resolve();
    opts.signal?.addEventListener("abort", () => resolve(), { once: true });
  });
  try {
    await serveListening(
      {
        ...opts,
        handlers: (s) => {
          const tables = createHandlerTables(s, {
            ...services(opts, runtime, auth),
            threads: shared.threads,
            skillExtraRoots: shared.skillExtraRoots,
            follows: shared.subscribers.followsOf(s),
            announcer: shared.subscribers.everyone(),
          });
          return opts.handlers ? opts.handlers(s, tables) : tables;
        },
      },
      listen,
      shared,
      stopped,
    );
  } finally {
    killRunningCommands();
    auth?.close();
    shared.threads.closeAll();
    await runtime?.shutdownAll?.();
    await opts.onShutdown?.();
  }
}
