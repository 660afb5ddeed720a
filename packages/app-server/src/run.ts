import { basicHandlers } from "./handlers/basic.js";
import { createFuzzyFileSearchHandler, gitDiffToRemoteHandler } from "./handlers/workspace.js";
import { AppServer, type AppServerOptions } from "./server.js";

/**
 * Runs `codex app-server` on the given streams until stdin ends (or `signal` aborts), then shuts down
 * cleanly: pending server→client requests are abandoned, in-flight requests finish, output is flushed.
 */
export async function runAppServer(opts: AppServerOptions & { signal?: AbortSignal }): Promise<void> {
  const server = new AppServer({
    ...opts,
    handlers: {
      ...basicHandlers,
      gitDiffToRemote: gitDiffToRemoteHandler,
      fuzzyFileSearch: createFuzzyFileSearchHandler(),
      ...opts.handlers,
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
