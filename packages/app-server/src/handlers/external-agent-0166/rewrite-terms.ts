/** How one agent names itself and its instructions file, to be rewritten in what is migrated from it. */
export interface RewriteProfile {
  /** Its instructions file, replaced (any case) by `AGENTS.md`. */
  docFile: string;
  /** Its names, tried in order (longest first), any case, each replaced by "Codex". */
  terms: readonly string[];
  /** Names replaced only as written (e.g. "Cursor", which is also a common word in lower case). */
  exactTerms: readonly string[];
}

const isWordChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);

/**
 * `needle` replaced wherever it stands as a whole word: the characters around it are not ASCII letters, digits or
 * `_`. Without `exact`, any ASCII case matches and a match is looked for at every position (0.166.0 does so);
 * with it, the text must match as written and the search resumes after each candidate.
 */
function replaceWord(input: string, needle: string, replacement: string, exact = false): string {
  const haystack = exact ? input : input.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const wanted = exact ? needle : needle.toLowerCase();
  let out = "";
  let emitted = 0;
  for (let at = haystack.indexOf(wanted); at !== -1; ) {
    const end = at + wanted.length;
    if (at >= emitted && !isWordChar(input[at - 1]) && !isWordChar(input[end])) {
      out += input.slice(emitted, at) + replacement;
      emitted = end;
    }
    at = haystack.indexOf(wanted, exact ? end : at + 1);
  }
  return emitted === 0 ? input : out + input.slice(emitted);
}

/** Text migrated from another agent (instructions, SKILL.md) made to speak of Codex and `AGENTS.md`. */
export function rewriteAgentTerms(content: string, profile: RewriteProfile): string {
  let out = replaceWord(content, profile.docFile, "AGENTS.md");
  for (const term of profile.terms) out = replaceWord(out, term, "Codex");
  for (const term of profile.exactTerms) out = replaceWord(out, term, "Codex", true);
  return out;
}
