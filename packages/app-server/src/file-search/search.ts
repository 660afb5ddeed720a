import path from "node:path";
import { fuzzyMatch } from "./fuzzy.js";
import { walkFiles } from "./walk.js";

/** One result, in the wire shape of `FuzzyFileSearchResult`. */
export interface FileMatch {
  root: string;
  path: string;
  file_name: string;
  score: number;
  indices: number[] | null;
}

/** 0.58.0 returns at most this many matches. */
export const FUZZY_SEARCH_LIMIT = 50;

/**
 * Fuzzy-searches the files under `roots` (gitignore-aware) for `query`; best `limit` matches, best first,
 * ties by path. An empty query or an aborted search gives no results.
 */
export async function fuzzyFileSearch(
  query: string,
  roots: string[],
  signal: AbortSignal,
  limit = FUZZY_SEARCH_LIMIT,
): Promise<FileMatch[]> {
  if (query.length === 0) return [];
  const matches: FileMatch[] = [];
  await Promise.all(
    roots.map((root) =>
      walkFiles(root, signal, (rel) => {
        const m = fuzzyMatch(query, rel);
        if (m)
          matches.push({
            root,
            path: rel,
            file_name: path.posix.basename(rel),
            score: m.score,
            indices: m.indices,
          });
      }),
    ),
  );
  if (signal.aborted) return [];
  matches.sort((a, b) => b.score - a.score || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return matches.slice(0, limit);
}
