import { randomBytes } from "node:crypto";
import type { Dirent } from "node:fs";
import { copyFile, mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomically } from "@codex-ts/config-loader";
import { type RewriteProfile, rewriteAgentTerms } from "./rewrite-terms.js";
import { isDirectory, MigrationError, pathExists, readSourceText } from "./sources.js";

/** The most entries one migrated skill may hold; a larger tree is not a skill and is refused. */
const MAX_SKILL_ENTRIES = 10_000;

/** The names of the directories directly in `dir` (links are not followed); none when it is not a directory. */
async function subdirectories(dir: string): Promise<string[]> {
  if (!(await isDirectory(dir))) return [];
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** The skill directories of `source` that `target` does not have yet. */
export async function missingSkills(source: string, target: string): Promise<string[]> {
  const present = new Set(await subdirectories(target));
  return (await subdirectories(source)).filter((name) => !present.has(name));
}

/**
 * A skill directory copied: directories and regular files only (links and special files are left behind), each
 * `SKILL.md` (any case) rewritten to speak of Codex, at most `MAX_SKILL_ENTRIES` entries.
 */
async function copySkillTree(
  source: string,
  target: string,
  rewrite: RewriteProfile,
  budget: { left: number },
): Promise<void> {
  await mkdir(target, { recursive: true });
  const entries: Dirent[] = await readdir(source, { withFileTypes: true });
  for (const entry of entries) {
    if (--budget.left < 0)
      throw new MigrationError(`skill ${source} holds more than ${MAX_SKILL_ENTRIES} entries`);
    const from = join(source, entry.name);
    const to = join(target, entry.name);
    if (entry.isDirectory()) await copySkillTree(from, to, rewrite, budget);
    else if (entry.isFile()) {
      if (entry.name.toLowerCase() === "skill.md") {
        await writeFileAtomically(to, rewriteAgentTerms((await readSourceText(from)) ?? "", rewrite));
      } else {
        await copyFile(from, to);
      }
    }
  }
}

/**
 * The skills of `source` that `target` lacks, copied into it; their names. Like 0.166.0, the skills are copied as
 * they are, loadable or not (`skills/list` reports the ones that do not load). Each skill is copied beside its place
 * and renamed into it, so a skill appears whole or not at all.
 */
export async function importSkills(
  source: string,
  target: string,
  rewrite: RewriteProfile,
): Promise<string[]> {
  if (!(await isDirectory(source))) return [];
  await mkdir(target, { recursive: true });
  const copied: string[] = [];
  for (const entry of await readdir(source, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const to = join(target, entry.name);
    if (await pathExists(to)) continue;
    const staging = join(target, `.${entry.name}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      await copySkillTree(join(source, entry.name), staging, rewrite, { left: MAX_SKILL_ENTRIES });
      await rename(staging, to);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    copied.push(entry.name);
  }
  return copied;
}
