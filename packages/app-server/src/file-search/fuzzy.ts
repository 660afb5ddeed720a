/** A fuzzy match of a query against one path: higher scores are better; indices are char positions in the path. */
export interface FuzzyMatch {
  score: number;
  indices: number[];
}

const BOUNDARY = new Set(["/", "_", "-", ".", " "]);

/**
 * Case-insensitive subsequence match. Prefers matching inside the file name, then consecutive characters and
 * characters at word starts; gaps cost a little. Returns null when the query is not a subsequence.
 */
export function fuzzyMatch(query: string, candidate: string): FuzzyMatch | null {
  if (query.length === 0) return null;
  const q = query.toLowerCase();
  const c = candidate.toLowerCase();
  const nameStart = c.lastIndexOf("/") + 1;
  return matchFrom(q, c, nameStart, 8) ?? matchFrom(q, c, 0, 0);
}

function matchFrom(q: string, c: string, start: number, nameBonus: number): FuzzyMatch | null {
  // Greedy left-to-right placement, then a right-to-left pass to tighten the span (like fzf's v1 matcher).
  let qi = 0;
  let end = -1;
  for (let i = start; i < c.length && qi < q.length; i++) {
    if (c[i] === q[qi]) {
      qi++;
      if (qi === q.length) end = i;
    }
  }
  if (end === -1) return null;
  const indices: number[] = new Array(q.length);
  qi = q.length - 1;
  for (let i = end; i >= start && qi >= 0; i--) {
    if (c[i] === q[qi]) indices[qi--] = i;
  }
  let score = 0;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    score += 16 + nameBonus;
    if (i === 0 || BOUNDARY.has(c[i - 1] as string)) score += 8;
    if (k > 0) {
      const gap = i - (indices[k - 1] as number) - 1;
      score += gap === 0 ? 8 : -Math.min(gap, 6);
    }
  }
  return { score, indices };
}
