import path from "node:path";
import { invalidRequest, type Protocol058 } from "@codex-ts/app-server-protocol";
import { fuzzyFileSearch } from "../file-search/search.js";
import { gitDiffToRemote } from "../git-diff.js";
import type { Handlers } from "../handler.js";

/**
 * `gitDiffToRemote` and `fuzzyFileSearch`. A search request carrying the `cancellationToken` of a search still
 * running cancels that search, which then answers `{files: []}` (as in 0.58.0).
 */
export function createWorkspaceHandlers(): Handlers<Protocol058, "gitDiffToRemote" | "fuzzyFileSearch"> {
  const searches = new CancellableSearches();
  return {
    async gitDiffToRemote({ cwd }) {
      const result = await gitDiffToRemote(path.resolve(cwd));
      if (!result)
        throw invalidRequest(`failed to compute git diff to remote for cwd: ${JSON.stringify(cwd)}`);
      return result;
    },
    async fuzzyFileSearch({ query, roots, cancellationToken }) {
      return {
        files: await searches.run(cancellationToken, (signal) => fuzzyFileSearch(query, roots, signal)),
      };
    },
  };
}

/**
 * One-shot searches by `cancellationToken`: a search started with the token of one still running cancels that one
 * (0.58.0's and 0.166.0's `fuzzyFileSearch`).
 */
export class CancellableSearches {
  private readonly running = new Map<string, AbortController>();

  async run<T>(
    cancellationToken: string | null | undefined,
    search: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController();
    const token = cancellationToken ?? null;
    if (token !== null) {
      this.running.get(token)?.abort();
      this.running.set(token, controller);
    }
    try {
      return await search(controller.signal);
    } finally {
      if (token !== null && this.running.get(token) === controller) this.running.delete(token);
    }
  }
}
