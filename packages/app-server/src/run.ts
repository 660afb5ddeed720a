import { ConversationRegistry } from "./conversations.js";
import { basicHandlers } from "./handlers/basic.js";
import { createSetDefaultModelHandler } from "./handlers/config.js";
import { type ConversationOpener, createConversationHandlers } from "./handlers/conversations.js";
import { createFeedbackHandler } from "./handlers/feedback.js";
import { createFuzzyFileSearchHandler, gitDiffToRemoteHandler } from "./handlers/workspace.js";
import { AppServer, type AppServerOptions } from "./server.js";

export interface RunAppServerOptions extends AppServerOptions {
  signal?: AbortSignal | undefined;
  /**
   * The agent runtime. When given, the conversation and turn methods are served: `open` creates a conversation
   * from a request (config layering + `ConversationManager.newConversation`), `shutdownAll` aborts running turns
   * and flushes rollouts at shutdown.
   */
  conversations?: { open: ConversationOpener; shutdownAll?: () => Promise<void> } | undefined;
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
  const runtime = opts.conversations;
  const server = new AppServer({
    ...opts,
    onShutdown: async () => {
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
  const registry = new ConversationRegistry(server.peer, (m) => server.log("warn", m));
  if (opts.codexHome) {
    server.register("setDefaultModel", createSetDefaultModelHandler(opts.codexHome));
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
    for (const [method, handler] of Object.entries(createConversationHandlers(registry, runtime.open))) {
      server.register(method, handler);
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
