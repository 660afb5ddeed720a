/** The other agent's names for itself, longest first, each replaced by "Codex" (0.166.0's list). */
const AGENT_TERMS = ["claude code", "claude-code", "claude_code", "claudecode", "claude"];

const isWordChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);

/**
 * `needle` (ASCII, any case) replaced wherever it stands as a whole word: the characters around it are not ASCII
 * letters, digits or `_`. Matches are looked for at every position, as 0.166.0 does, so overlapping candidates
 * are tried in order.
 */
function replaceWord(input: string, needle: string, replacement: string): string {
  const lower = input.replace(/[A-Z]/g, (c) => c.toLowerCase());
  let out = "";
  let emitted = 0;
  for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, at + 1)) {
    const end = at + needle.length;
    if (at < emitted) continue;
    if (!isWordChar(input[at - 1]) && !isWordChar(input[end])) {
      out += input.slice(emitted, at) + replacement;
      emitted = end;
    }
  }
  return emitted === 0 ? input : out + input.slice(emitted);
}

/**
 * Text migrated from the other agent (its instructions file, its skills' SKILL.md) made to speak of Codex:
 * `CLAUDE.md` becomes `AGENTS.md`, the agent's names become `Codex`.
 */
export function rewriteAgentTerms(content: string): string {
  let out = replaceWord(content, "claude.md", "AGENTS.md");
  for (const term of AGENT_TERMS) out = replaceWord(out, term, "Codex");
  return out;
}
