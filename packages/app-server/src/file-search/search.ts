import path from "node:path";
import { invalidRequest } from "@codex-ts/app-server-protocol";
import { fuzzyMatch } from "./fuzzy.js";
import { TopMatches } from "./top-matches.js";
import { walkFiles } from "./walk.js";

/** One result, in the wire shape of `FuzzyFileSearchResult`. */
export interface FileMatch {
  root: string;
  path: string;
  file_name: string;
  score: number;
  indices: number[] | null;
}

/** A 0.166 result: a file or (0.166.0 matches them too) a directory. */
export interface FileMatch0166 extends FileMatch {
  match_type: "file" | "directory";
}

/** 0.58.0 returns at most this many matches. */
export const FUZZY_SEARCH_LIMIT = 50;
/** Distinct roots one search may name (duplicates are dropped first); more is -32600. */
export const FUZZY_SEARCH_MAX_ROOTS = 64;
/** Directory entries one search looks at, over all its roots; the walk stops there and answers what it found. */
export const FUZZY_SEARCH_MAX_ENTRIES = 1_000_000;
/** Time one search may walk; it then answers what it found. */
export const FUZZY_SEARCH_TIME_LIMIT_MS = 5_000;

export interface FuzzySearchLimits {
  maxRoots?: number;
  maxEntries?: number;
  timeLimitMs?: number;
}

/**
 * The roots without repeats (the same directory spelled twice counts once; the first spelling is kept). Throws
 * -32600 as soon as there are more than `max`: a list of millions is not held a second time.
 */
function distinctRoots(roots: readonly string[], max: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const root of roots) {
    const key = path.resolve(root);
    if (seen.has(key)) continue;
    if (out.length === max)
      throw invalidRequest(`fuzzyFileSearch searches at most ${max} distinct roots; got more`);
    seen.add(key);
    out.push(root);
  }
  return out;
}

/**
 * Fuzzy-searches the files under `roots` (gitignore-aware) for `query`; best `limit` matches, best first, ties by
 * path. Bounded in work whatever the client sends: repeated roots count once, more than FUZZY_SEARCH_MAX_ROOTS
 * distinct ones are refused (-32600), only the best `limit` matches are kept while walking, and the walk stops
 * after FUZZY_SEARCH_MAX_ENTRIES entries or FUZZY_SEARCH_TIME_LIMIT_MS, answering with the best found so far. An
 * empty query or a cancelled search gives no results.
 */
export async function fuzzyFileSearch(
  query: string,
  roots: readonly string[],
  signal: AbortSignal,
  limit = FUZZY_SEARCH_LIMIT,
  limits: FuzzySearchLimits = {},
): Promise<FileMatch[]> {
  const found = await searchEntries(query, roots, signal, limit, limits, false);
  return found.map(({ match_type: _, ...m }) => m);
}

/** 0.166.0's search: as `fuzzyFileSearch`, directories matched too, each result saying which it is. */
export function fuzzyFileSearch0166(
  query: string,
  roots: readonly string[],
  signal: AbortSignal,
  limits: FuzzySearchLimits = {},
): Promise<FileMatch0166[]> {
  return searchEntries(query, roots, signal, FUZZY_SEARCH_LIMIT, limits, true);
}

async function searchEntries(
  query: string,
  roots: readonly string[],
  signal: AbortSignal,
  limit: number,
  limits: FuzzySearchLimits,
  directories: boolean,
): Promise<FileMatch0166[]> {
  if (query.length === 0) return [];
  const unique = distinctRoots(roots, limits.maxRoots ?? FUZZY_SEARCH_MAX_ROOTS);
  const top = new TopMatches<FileMatch0166>(limit, compareMatches);
  const offer = (match_type: FileMatch0166["match_type"]) => (root: string, rel: string) => {
    const m = fuzzyMatch(query, rel);
    if (!m) return;
    top.offer({
      root,
      path: rel,
      match_type,
      file_name: path.posix.basename(rel),
      score: m.score,
      indices: m.indices,
    });
  };
  const walkStop = new AbortController();
  const stop = () => walkStop.abort();
  signal.addEventListener("abort", stop, { once: true });
  const timer = setTimeout(stop, limits.timeLimitMs ?? FUZZY_SEARCH_TIME_LIMIT_MS);
  try {
    await walkFiles(
      unique,
      walkStop.signal,
      offer("file"),
      limits.maxEntries ?? FUZZY_SEARCH_MAX_ENTRIES,
      directories ? offer("directory") : undefined,
    );
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", stop);
  }
  if (signal.aborted) return [];
  return top.sorted();
}

/** Best first: higher score, then path, then root (a total order, so the kept matches do not depend on timing). */
function compareMatches(a: FileMatch, b: FileMatch): number {
  return b.score - a.score || compareStrings(a.path, b.path) || compareStrings(a.root, b.root);
}

const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
