import { internalError, invalidRequest, type Protocol0166 } from "@codex-ts/app-server-protocol";
import { fuzzyFileSearch0166 } from "../file-search/search.js";
import type { Handlers } from "../handler.js";
import { experimentalCheck } from "./experimental-api.js";
import { CancellableSearches } from "./workspace.js";

type Methods =
  | "fuzzyFileSearch"
  | "fuzzyFileSearch/sessionStart"
  | "fuzzyFileSearch/sessionUpdate"
  | "fuzzyFileSearch/sessionStop";

/** One search session: its roots, and the search of its latest query (aborted when a newer one starts). */
interface Session {
  roots: readonly string[];
  search: AbortController;
}

/**
 * 0.166.0's fuzzy file searches, files and directories alike: the one-shot `fuzzyFileSearch` (0.58.0's, with a
 * `cancellationToken`), and the experimental sessions of this connection — `sessionStart` on roots, then each
 * `sessionUpdate` answers at once and later notifies `fuzzyFileSearch/sessionUpdated` with the query's matches
 * followed by `fuzzyFileSearch/sessionCompleted`, as 0.166.0 does (a start notifies the empty query's); a newer query
 * or `sessionStop` drops the older search's notifications. 0.166.0 indexes a session's roots once and matches
 * each query against the index; this server walks the roots again for each query, within the one-shot search's
 * bounds.
 */
export function createFuzzySearchHandlers0166(o: {
  experimentalApi(): boolean;
  /** Registers what to do when this connection ends: its sessions' searches stop. */
  onConnectionClose(hook: () => void): void;
}): Handlers<Protocol0166, Methods> {
  const searches = new CancellableSearches();
  const sessions = new Map<string, Session>();
  o.onConnectionClose(() => {
    for (const session of sessions.values()) session.search.abort();
    sessions.clear();
  });
  const requireExperimental = experimentalCheck(() => o.experimentalApi());
  return {
    async fuzzyFileSearch({ query, roots, cancellationToken }) {
      return {
        files: await searches.run(cancellationToken, (signal) => fuzzyFileSearch0166(query, roots, signal)),
      };
    },
    async "fuzzyFileSearch/sessionStart"({ sessionId, roots }, ctx) {
      requireExperimental("fuzzyFileSearch/sessionStart");
      if (sessionId === "") throw invalidRequest("sessionId must not be empty");
      if (roots.length === 0)
        throw internalError(
          "failed to start fuzzy file search session: at least one search directory is required",
        );
      sessions.get(sessionId)?.search.abort();
      const session: Session = { roots, search: new AbortController() };
      sessions.set(sessionId, session);
      const responded = await ctx.respond({});
      await runQuery(ctx.peer, sessionId, session, "");
      return responded;
    },
    async "fuzzyFileSearch/sessionUpdate"({ sessionId, query }, ctx) {
      requireExperimental("fuzzyFileSearch/sessionUpdate");
      const session = sessions.get(sessionId);
      if (!session) throw invalidRequest(`fuzzy file search session not found: ${sessionId}`);
      session.search.abort();
      session.search = new AbortController();
      const responded = await ctx.respond({});
      await runQuery(ctx.peer, sessionId, session, query);
      return responded;
    },
    "fuzzyFileSearch/sessionStop"({ sessionId }) {
      requireExperimental("fuzzyFileSearch/sessionStop");
      sessions.get(sessionId)?.search.abort();
      sessions.delete(sessionId);
      return {};
    },
  };
}

type Peer = Parameters<
  Handlers<Protocol0166, "fuzzyFileSearch/sessionUpdate">["fuzzyFileSearch/sessionUpdate"]
>[1]["peer"];

/** Searches the session's roots for `query` and notifies its matches, unless a newer query or a stop came first. */
async function runQuery(peer: Peer, sessionId: string, session: Session, query: string): Promise<void> {
  const { signal } = session.search;
  // Refused roots (over the search's bound) come after the answer: the session then just reports nothing.
  const files = await fuzzyFileSearch0166(query, session.roots, signal).catch(() => null);
  if (!files || signal.aborted) return;
  peer.notify("fuzzyFileSearch/sessionUpdated", { sessionId, query, files });
  peer.notify("fuzzyFileSearch/sessionCompleted", { sessionId });
}
