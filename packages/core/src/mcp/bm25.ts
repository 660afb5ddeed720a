/**
 * A small BM25 ranking (k1 1.2, b 0.75, idf ln(1 + (N − n + 0.5)/(n + 0.5))) over English text, the ranking codex
 * 0.166.0's `tool_search` uses (the `bm25` crate). Words are runs of letters, digits and `_` (`add_note` and
 * `search.notes` are one word each, as in Unicode word segmentation), lowercased, common English stop words dropped and reduced by a light
 * suffix stemmer (`numbers` → `number`, `reporting` → `report`). The crate's stemmer is the full Snowball one, so
 * rare words may stem differently there; whether a tool matches a plain query, and the order of clear matches,
 * are the same.
 */

const K1 = 1.2;
const B = 0.75;

const STOP_WORDS = new Set(
  (
    "a about above after again against all am an and any are as at be because been before being below between both " +
    "but by can could did do does doing down during each few for from further had has have having he her here hers " +
    "him his how i if in into is it its itself just me more most my no nor not of off on once only or other our out " +
    "over own same she should so some such than that the their them then there these they this those through to too " +
    "under until up very was we were what when where which while who whom why will with would you your always " +
    "never every one two time"
  ).split(" "),
);

const VOWEL = /[aeiouy]/;

/** Strips the common inflections: plurals, -ing, -ed, -ly (a stem must keep a vowel and three letters). */
export function stem(word: string): string {
  if (word.length <= 3) return word;
  if (word.endsWith("sses")) return word.slice(0, -2);
  if (word.endsWith("ies")) return `${word.slice(0, -3)}i`;
  if (word.endsWith("ss") || word.endsWith("us") || word.endsWith("is")) return word;
  for (const suffix of ["ing", "ed", "ly", "s"]) {
    if (!word.endsWith(suffix)) continue;
    const base = word.slice(0, -suffix.length);
    if (base.length >= 3 && VOWEL.test(base)) return undouble(base, suffix);
    return word;
  }
  return word;
}

/** `running` → `run`, `stopped` → `stop` (a doubled final consonant left by -ing / -ed). */
function undouble(base: string, suffix: string): string {
  if (suffix !== "ing" && suffix !== "ed") return base;
  const last = base.at(-1) ?? "";
  if (base.at(-2) === last && !/[aeiouylsz]/.test(last)) return base.slice(0, -1);
  return base;
}

export function tokenize(text: string): string[] {
  // A `.`, `'` or `:` between two letters or digits joins them into one word (`search.notes`), as in Unicode
  // word segmentation.
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]+(?:[.'’:][\p{L}\p{N}_]+)*/gu) ?? [];
  return words.filter((w) => !STOP_WORDS.has(w)).map(stem);
}

/** The documents (by index) that share a term with `query`, best first, at most `limit`; ties keep input order. */
export function bm25Rank(documents: readonly string[], query: string, limit: number): number[] {
  const docs = documents.map(tokenize);
  const avgLength = docs.reduce((n, d) => n + d.length, 0) / Math.max(1, docs.length);
  const containing = new Map<string, number>();
  for (const doc of docs)
    for (const term of new Set(doc)) containing.set(term, (containing.get(term) ?? 0) + 1);
  const terms = tokenize(query);
  const scored: { index: number; score: number }[] = [];
  docs.forEach((doc, index) => {
    let score = 0;
    for (const term of terms) {
      const tf = doc.filter((t) => t === term).length;
      if (tf === 0) continue;
      const n = containing.get(term) ?? 0;
      const idf = Math.log(1 + (docs.length - n + 0.5) / (n + 0.5));
      score += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * doc.length) / Math.max(avgLength, 1e-9)));
    }
    if (score > 0) scored.push({ index, score });
  });
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  return scored.slice(0, limit).map((s) => s.index);
}
