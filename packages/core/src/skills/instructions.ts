import type { Skill, SkillRoot, SkillScope } from "./types.js";

/**
 * The `<skills_instructions>` section 0.166.0 adds to a thread's developer instructions: the skill roots as short
 * aliases (`r0`, `r1`, … in root order, only the roots that hold a listed skill), then one line per skill
 * (`- name: description (file: rN/dir/SKILL.md)`, system skills first, then admin, repo and user ones, each by
 * name and path), then the rules for using them. The layout, headings and line formats are 0.166.0's (clients and
 * the model's training see them); the two prose parts are this project's own words, as for the other prompts.
 */

const INTRO =
  "Skills are local instruction sets, each kept in a `SKILL.md` file. The skills below can be used in this session; each line gives the skill's name, what it is for, and where its `SKILL.md` is, as a short path whose `rN` prefix stands for a directory listed under the skill roots.";

const HOW_TO_USE = [
  "- Finding them: the list above is every skill of this session. Replace a path's `rN` prefix with that root's directory to get the absolute path of its `SKILL.md`.",
  "- When to use one: a skill the user names (as `$name` or in plain words) must be used in that turn, every one named; so must a skill whose description clearly fits the task. A skill used in one turn is not carried into the next unless it is named again.",
  "- When one is missing: if a named skill is not listed or its file cannot be read, say so in a sentence and carry on as well as you can without it.",
  "- How to use one:",
  "  1) Read the whole `SKILL.md` (expanded path) before acting on the task; if a read stops early, read on to the end.",
  "  2) Resolve relative paths in it (such as `scripts/run.sh`) against the directory holding that `SKILL.md` first.",
  "  3) Follow its pointers to further files (such as `references/`) only as far as the task needs, and read those files yourself.",
  "  4) Prefer running or adapting the scripts a skill ships over writing the same code anew.",
  "  5) Reuse its assets and templates rather than recreating them.",
  "- Several skills: use the fewest that cover the request and say in which order.",
  "- Tell the user in one short line which skills you use and why; if you leave out one that seems to apply, say why.",
  "- Keep the context small: read what the task needs, not every file a skill mentions, and note which variant you picked when a skill offers several.",
  "- If a skill cannot be applied cleanly (missing files, unclear steps), say what is wrong, take the next best approach and continue.",
].join("\n");

/** What the skill list may cost (0.166.0's rule): 2% of the model's context window in tokens, else 8000 characters. */
export type SkillListBudget = { tokens: number } | { chars: number };

const DEFAULT_CHAR_BUDGET = 8000;

export function skillListBudget(contextWindow: number | null | undefined): SkillListBudget {
  if (contextWindow && contextWindow > 0)
    return { tokens: Math.max(1, Math.floor((contextWindow * 2) / 100)) };
  return { chars: DEFAULT_CHAR_BUDGET };
}

/** Codex's rough token count: a token per 4 bytes, rounded up. */
function cost(budget: SkillListBudget, text: string): number {
  return "tokens" in budget ? Math.ceil(Buffer.byteLength(text) / 4) : [...text].length;
}

const limitOf = (budget: SkillListBudget) => ("tokens" in budget ? budget.tokens : budget.chars);

const PROMPT_RANK: Record<SkillScope, number> = { system: 0, admin: 1, repo: 2, user: 3 };
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

interface Line {
  name: string;
  description: string;
  path: string;
}

function render(line: Line, descriptionChars: number): string {
  const description = [...line.description].slice(0, descriptionChars).join("");
  return description
    ? `- ${line.name}: ${description} (file: ${line.path})`
    : `- ${line.name}: (file: ${line.path})`;
}

/**
 * The skill lines within `limit` (each line's cost counts its newline), as 0.166.0 fits them: all in full when they
 * fit; else every line, descriptions shortened a character at a time round the lines until the budget is spent;
 * else lines without descriptions, in order, as long as they fit (the rest left out).
 */
function fitLines(lines: Line[], budget: SkillListBudget, limit: number): string[] {
  const lineCost = (text: string) => cost(budget, `${text}\n`);
  const full = lines.map((l) => render(l, Infinity));
  if (full.reduce((sum, l) => sum + lineCost(l), 0) <= limit) return full;
  const minimum = lines.map((l) => render(l, 0));
  const minimumCost = minimum.reduce((sum, l) => sum + lineCost(l), 0);
  if (minimumCost <= limit) {
    const lengths = lines.map((l) => [...l.description].length);
    const given = lines.map(() => 0);
    const spent = lines.map(() => 0);
    let remaining = limit - minimumCost;
    for (let changed = true; changed; ) {
      changed = false;
      lines.forEach((line, i) => {
        if ((given[i] ?? 0) >= (lengths[i] ?? 0)) return;
        const next = (given[i] ?? 0) + 1;
        const extra = lineCost(render(line, next)) - lineCost(render(line, 0));
        const delta = Math.max(0, extra - (spent[i] ?? 0));
        if (delta > remaining) return;
        given[i] = next;
        spent[i] = extra;
        remaining -= delta;
        changed = true;
      });
    }
    return lines.map((l, i) => render(l, given[i] ?? 0));
  }
  const kept: string[] = [];
  let used = 0;
  for (const line of minimum) {
    if (used + lineCost(line) > limit) continue;
    used += lineCost(line);
    kept.push(line);
  }
  return kept;
}

function body(rootLines: string[], skillLines: string[]): string {
  const lines = ["## Skills", INTRO];
  if (rootLines.length > 0) lines.push("### Skill roots", ...rootLines);
  lines.push("### Available skills", ...skillLines, "### How to use skills", HOW_TO_USE);
  return `\n${lines.join("\n")}\n`;
}

/**
 * The `<skills_instructions>…</skills_instructions>` text for the enabled `skills` (each with the `root` it was
 * found under; `roots` in `skillRoots` order gives the aliases' order), null when there is none. 0.166.0 uses the
 * aliases whatever the budget; a skill whose real path lies outside its root (reached through a link) keeps its
 * absolute path.
 */
export function renderSkillsInstructions(
  skills: readonly Skill[],
  roots: readonly SkillRoot[],
  budget: SkillListBudget,
): string | null {
  if (skills.length === 0) return null;
  const ordered = [...skills].sort(
    (a, b) =>
      PROMPT_RANK[a.scope] - PROMPT_RANK[b.scope] || byBytes(a.name, b.name) || byBytes(a.path, b.path),
  );
  const used = [...new Set(roots.map((r) => r.alias ?? r.path))].filter((root) =>
    skills.some((s) => s.root === root),
  );
  const alias = new Map(used.map((root, i) => [root, `r${i}`]));
  const lines: Line[] = ordered.map((s) => {
    const a = s.root !== undefined ? alias.get(s.root) : undefined;
    const inside = a !== undefined && s.path.startsWith(`${s.root}/`);
    return {
      name: s.name,
      description: s.description,
      path: inside ? `${a}/${s.path.slice((s.root ?? "").length + 1)}` : s.path,
    };
  });
  const rootLines = used.map((root, i) => `- \`r${i}\` = \`${root}\``);
  // The root table's cost comes out of the budget first, as in 0.166.0.
  const tableCost = cost(budget, body(rootLines, [])) - cost(budget, body([], []));
  const limit = Math.max(0, limitOf(budget) - tableCost);
  return `<skills_instructions>${body(rootLines, fitLines(lines, budget, limit))}</skills_instructions>`;
}
