import { type AuthManager, killRunningCommands } from "@codex-ts/core";
import type { HandlerTables } from "./handler.js";
import { createHandlerTables } from "./handlers/tables.js";
import type { ConversationRuntime } from "./runtime.js";
import { AppServer, type AppServerOptions } from "./server.js";

export interface RunAppServerOptions extends Omit<AppServerOptions, "handlers"> {
  signal?: AbortSignal | undefined;
  /**
   * The agent runtime (`AppServerRuntime` in the CLI). When given, the conversation and turn methods are served:
   * `open` creates a conversation from a request's settings, `shutdownAll` aborts running turns and flushes
   * rollouts at shutdown; with `sessions`/`resume`/`fork`/`remove` the session methods too. It may be a factory
   * of the server, since the runtime's user agent follows the client's `initialize`.
   */
  conversations?: ConversationRuntime | ((server: AppServer) => ConversationRuntime) | undefined;
  /**
   * Account state; enables the v1 auth methods and `account/*`. A factory of the server is called before the
   * `conversations` factory, so the runtime can be given the same manager.
   */
  auth?: AuthManager | ((server: AppServer) => AuthManager) | undefined;
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
      const tables = createHandlerTables(s, {
        conversations: runtime,
        auth,
        requiresOpenaiAuth: opts.requiresOpenaiAuth,
        codexHome: opts.codexHome,
        feedbackEndpoint: opts.feedbackEndpoint,
        cliVersion: opts.version,
        originator: opts.originator,
      });
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
