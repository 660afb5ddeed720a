import type { AuthManager } from "@codex-ts/core";
import { ConversationRegistry } from "./conversations.js";
import { createAccountHandlers } from "./handlers/account.js";
import { basicHandlers } from "./handlers/basic.js";
import { createGetUserSavedConfigHandler, createSetDefaultModelHandler } from "./handlers/config.js";
import { createConversationHandlers } from "./handlers/conversations.js";
import { createExecOneOffCommandHandler } from "./handlers/exec.js";
import { createFeedbackHandler } from "./handlers/feedback.js";
import { createSessionHandlers, type SessionRuntime } from "./handlers/sessions.js";
import { createFuzzyFileSearchHandler, gitDiffToRemoteHandler } from "./handlers/workspace.js";
import type { ConversationRuntime } from "./runtime.js";
import { AppServer, type AppServerOptions, type AppServerState } from "./server.js";

export interface RunAppServerOptions extends AppServerOptions {
  signal?: AbortSignal | undefined;
  /**
   * The agent runtime (`AppServerRuntime` in the CLI). When given, the conversation and turn methods are served:
   * `open` creates a conversation from a request's settings, `shutdownAll` aborts running turns and flushes
   * rollouts at shutdown; with `sessions`/`resume`/`fork`/`remove` the session methods too. It may be a factory
   * of the server, since the runtime's user agent follows the client's `initialize`.
   */
  conversations?:
    | ConversationRuntime
    | ((server: { userAgent(): string }) => ConversationRuntime)
    | undefined;
  /**
   * Account state; enables the v1 auth methods and `account/*`. A factory of the server is called before the
   * `conversations` factory, so the runtime can be given the same manager.
   */
  auth?: AuthManager | ((server: AppServerState) => AuthManager) | undefined;
  /** `requires_openai_auth` of the configured model provider, reported by `account/read` and `getAuthStatus`. */
  requiresOpenaiAuth?: boolean | undefined;
  /** CODEX_HOME; enables `feedback/upload` (bundles go to `<codexHome>/feedback/`). */
  codexHome?: string | undefined;
  /** Upload endpoint for feedback bundles; none by default. */
  feedbackEndpoint?: string | null | undefined;
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
      auth?.close();
      await runtime?.shutdownAll?.();
      await opts.onShutdown?.();
    },
    handlers: {
      ...basicHandlers,
      gitDiffToRemote: gitDiffToRemoteHandler,
      fuzzyFileSearch: createFuzzyFileSearchHandler(),
      ...opts.handlers,
    },
  });
  auth = typeof opts.auth === "function" ? opts.auth(server) : opts.auth;
  if (auth) {
    const notify = (method: string, params: unknown) => void server.peer.notify(method, params);
    const handlers = createAccountHandlers(auth, notify, {
      requiresOpenaiAuth: opts.requiresOpenaiAuth,
      warn: (m) => server.log("warn", m),
    });
    for (const [method, handler] of Object.entries(handlers)) server.register(method, handler);
  }
  // The runtime may need the server (its user agent follows the client's `initialize`), so it can be a factory.
  runtime = typeof opts.conversations === "function" ? opts.conversations(server) : opts.conversations;
  const registry = new ConversationRegistry(server.peer, (m) => server.log("warn", m));
  if (opts.codexHome) {
    server.register("setDefaultModel", createSetDefaultModelHandler(opts.codexHome));
    server.register("getUserSavedConfig", createGetUserSavedConfigHandler(opts.codexHome));
    server.register(
      "feedback/upload",
      createFeedbackHandler({
        codexHome: opts.codexHome,
        endpoint: opts.feedbackEndpoint,
        rolloutPathOf: (id) => registry.rolloutPathOf(id),
      }),
    );
  }
  if (runtime) {
    const rt = runtime;
    for (const [method, handler] of Object.entries(createConversationHandlers(registry, (s) => rt.open(s)))) {
      server.register(method, handler);
    }
    if (rt.sessions && rt.resume && rt.fork && rt.remove) {
      const handlers = createSessionHandlers(registry, rt as SessionRuntime);
      for (const [method, handler] of Object.entries(handlers)) server.register(method, handler);
    }
    if (rt.processConfig) {
      const { sandboxPolicy, shellEnvironmentPolicy } = rt.processConfig;
      server.register(
        "execOneOffCommand",
        createExecOneOffCommandHandler(sandboxPolicy, shellEnvironmentPolicy),
      );
    }
  }
  const onAbort = () => void server.shutdown();
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await server.run();
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
  }
}
