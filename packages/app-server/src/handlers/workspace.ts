import path from "node:path";
import { invalidRequest } from "@codex-ts/app-server-protocol";
import { fuzzyFileSearch } from "../file-search/search.js";
import { gitDiffToRemote } from "../git-diff.js";
import { object, optionalString, requiredString, requiredStrings } from "../params.js";
import type { RequestHandler } from "../server.js";

export const gitDiffToRemoteHandler: RequestHandler<{ cwd: string }> = {
  decode: (params) => ({ cwd: requiredString(object(params, "struct GitDiffToRemoteParams"), "cwd") }),
  async handle({ cwd }) {
    const result = await gitDiffToRemote(path.resolve(cwd));
    if (!result) throw invalidRequest(`failed to compute git diff to remote for cwd: ${JSON.stringify(cwd)}`);
    return result;
  },
};

interface FuzzyParams {
  query: string;
  roots: string[];
  cancellationToken: string | null;
}

/**
 * `fuzzyFileSearch`. A request carrying the `cancellationToken` of a search still running cancels that search,
 * which then answers `{files: []}` (as in 0.58.0).
 */
export function createFuzzyFileSearchHandler(): RequestHandler<FuzzyParams> {
  const running = new Map<string, AbortController>();
  return {
    decode(params) {
      const p = object(params, "struct FuzzyFileSearchParams");
      const query = requiredString(p, "query");
      const roots = requiredStrings(p, "roots");
      return { query, roots, cancellationToken: optionalString(p, "cancellationToken") };
    },
    async handle({ query, roots, cancellationToken }) {
      const controller = new AbortController();
      if (cancellationToken !== null) {
        running.get(cancellationToken)?.abort();
        running.set(cancellationToken, controller);
      }
      try {
        const files = await fuzzyFileSearch(query, roots, controller.signal);
        return { files };
      } finally {
        if (cancellationToken !== null && running.get(cancellationToken) === controller)
          running.delete(cancellationToken);
      }
    },
  };
}
