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
  const running = new Map<string, AbortController>();
  return {
    async gitDiffToRemote({ cwd }) {
      const result = await gitDiffToRemote(path.resolve(cwd));
      if (!result)
        throw invalidRequest(`failed to compute git diff to remote for cwd: ${JSON.stringify(cwd)}`);
      return result;
    },
    async fuzzyFileSearch({ query, roots, cancellationToken }) {
      const controller = new AbortController();
      const token = cancellationToken ?? null;
      if (token !== null) {
        running.get(token)?.abort();
        running.set(token, controller);
      }
      try {
        return { files: await fuzzyFileSearch(query, roots, controller.signal) };
      } finally {
        if (token !== null && running.get(token) === controller) running.delete(token);
      }
    },
  };
}
