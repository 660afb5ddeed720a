import { realpath } from "node:fs/promises";
import { type SkillRootOptions, skillRoots } from "./roots.js";
import type { Skill, SkillLoadOutcome, SkillRoot, SkillScope } from "./types.js";
import { discoverSkills } from "./walk.js";

export { type SkillCatalog, type ThreadSkills, threadSkillSnapshot } from "./catalog.js";
export { renderSkillsInstructions, type SkillListBudget, skillListBudget } from "./instructions.js";
export {
  mentionedSkills,
  readSkillForInjection,
  type SkillMentionInput,
  skillInjectionText,
} from "./mentions.js";
export { frontMatter, parseSkill, parseSkillMetadata, SkillParseError, singleLine } from "./parse.js";
export { pluginSkillRoots } from "./plugin-roots.js";
export { projectRoot, type SkillRootOptions, skillRoots } from "./roots.js";
export type {
  Skill,
  SkillInterface,
  SkillLoadError,
  SkillLoadOutcome,
  SkillRoot,
  SkillScope,
  SkillToolDependency,
} from "./types.js";
export {
  discoverSkills,
  SKILL_FILE_MAX_BYTES,
  SKILL_METADATA_MAX_BYTES,
  SKILLS_MAX_DEPTH,
  SKILLS_MAX_DIRS_PER_ROOT,
} from "./walk.js";

const SCOPE_RANK: Record<SkillScope, number> = { repo: 0, user: 1, system: 2, admin: 3 };
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * The skills codex 0.166.0 would list for one `cwd`: every root of `skillRoots`, each `SKILL.md` once (by real
 * path, the first root to reach it wins), sorted by scope (repo, user, system, admin), then name, then path; with
 * the files that failed to load, and the roots searched.
 */
export async function loadSkills(o: SkillRootOptions): Promise<SkillLoadOutcome & { roots: SkillRoot[] }> {
  const out: SkillLoadOutcome = { skills: [], errors: [] };
  const roots = await skillRoots(o);
  for (const root of roots) await discoverSkills(root, out);
  const seen = new Set<string>();
  out.skills = out.skills.filter((s) => !seen.has(s.path) && seen.add(s.path));
  out.skills.sort(
    (a, b) => SCOPE_RANK[a.scope] - SCOPE_RANK[b.scope] || byBytes(a.name, b.name) || byBytes(a.path, b.path),
  );
  return { ...out, roots };
}

/** One `[[skills.config]]` entry: a skill named, or a `SKILL.md` path, turned on or off. */
export interface SkillRule {
  name?: string;
  path?: string;
  enabled: boolean;
}

/**
 * The `SKILL.md` paths the rules turn off, as 0.166.0 applies them: in order (later rules win), a path rule by the
 * file's real path, a name rule for every skill of that name; an entry with both or neither selector is ignored.
 */
export async function disabledSkillPaths(
  skills: readonly Skill[],
  rules: readonly SkillRule[],
): Promise<Set<string>> {
  const disabled = new Set<string>();
  for (const rule of rules) {
    const name = rule.name?.trim();
    let paths: string[];
    if (rule.path !== undefined && rule.name === undefined) {
      paths = [await realpath(rule.path).catch(() => rule.path ?? "")];
    } else if (rule.path === undefined && name) {
      paths = skills.filter((s) => s.name === name).map((s) => s.path);
    } else {
      continue;
    }
    for (const path of paths) {
      if (rule.enabled) disabled.delete(path);
      else disabled.add(path);
    }
  }
  return disabled;
}
