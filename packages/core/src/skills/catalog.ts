import type { Skill, SkillRoot } from "./types.js";

/** The skills a thread sees from one cwd: all that loaded, the roots searched, and the paths the rules turn off. */
export interface ThreadSkills {
  skills: Skill[];
  roots: SkillRoot[];
  disabled: ReadonlySet<string>;
  /** `skills.include_instructions` (default true): false leaves the `<skills_instructions>` section out. */
  includeInstructions: boolean;
}

/**
 * A 0.166 thread's skills, as the server that opened it finds them (its CODEX_HOME, `$HOME`, the roots clients
 * added, the `[[skills.config]]` rules of the config and of the thread's own `config`). Threads without one
 * (0.58 connections) are told about no skills, as 0.58.0 tells them none.
 */
export interface SkillCatalog {
  /** The skills seen from `cwd` now (read from disk on every call). */
  load(cwd: string): Promise<ThreadSkills>;
}

/**
 * A thread's own view of `catalog`: each cwd's skills are read once, on first use, and kept for the thread's life,
 * as 0.166.0 keeps a thread's skills (a rule written with `skills/config/write`, or a skill added, reaches the
 * threads started after it, not the running ones). A failed read is not kept: the next use tries again.
 */
export function threadSkillSnapshot(catalog: SkillCatalog): SkillCatalog {
  const seen = new Map<string, Promise<ThreadSkills>>();
  return {
    load(cwd) {
      let pending = seen.get(cwd);
      if (!pending) {
        pending = catalog.load(cwd);
        seen.set(cwd, pending);
        pending.catch(() => seen.delete(cwd));
      }
      return pending;
    },
  };
}
