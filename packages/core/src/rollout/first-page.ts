import { factsFromHead } from "./facts.js";
import { readHead, readHeadQuick } from "./head.js";
import { type ListPage, type ListQuery, listableSummary, listSessions } from "./list.js";
import type { Candidate } from "./walk.js";

/** Heads a first page may read before it gives way to the index (a selective filter reads far more). */
const budgetFor = (pageSize: number) => pageSize + 1 + Math.max(8, pageSize >> 1);

/**
 * Whether a query is likely to fill its page from the newest files: no provider filter, or one that includes the
 * server's own provider (what most sessions are recorded under). Another provider goes straight to the index.
 */
export function suitsFiles(query: ListQuery): boolean {
  const p = query.modelProviders;
  return p === undefined || p === null || p.length === 0 || p.includes(query.defaultProvider);
}

class OverBudget extends Error {}

/**
 * A listing page read straight from the files, for a process whose index is not open yet: the newest day
 * folders are listed and their heads read (one synchronous read each) until the page is full. Loading SQLite costs
 * more than reading the two dozen heads of a first page, so an editor's first `thread/list` after spawn is
 * answered this way while the index opens afterwards. A page that would need many more heads (a filter matching
 * few sessions) gives up early: null, and the caller asks the index.
 */
export async function pageFromFiles(sessionsDir: string, query: ListQuery): Promise<ListPage | null> {
  const budget = budgetFor(Math.max(1, query.pageSize ?? 25));
  let reads = 0;
  const read = async (c: Candidate) => {
    if (++reads > budget) throw new OverBudget();
    try {
      const head = readHeadQuick(c.path) ?? (await readHead(c.path));
      return listableSummary(c.path, factsFromHead(head), query);
    } catch {
      return null; // deleted or unreadable since the directory was listed
    }
  };
  try {
    return await listSessions(sessionsDir, query, undefined, read);
  } catch (err) {
    if (err instanceof OverBudget) return null;
    throw err;
  }
}
