import { isAbsolute, resolve } from "node:path";
import { FileReadError, findInvalidUtf8, readBoundedFile } from "@codex-ts/config-loader";
import type { Skill } from "./types.js";
import { SKILL_FILE_MAX_BYTES } from "./walk.js";

/** What of a turn's input can name skills: its texts and its `skill` items (0.166's `UserInput::Skill`). */
export type SkillMentionInput =
  | { type: "text"; text: string }
  | { type: "skill"; name: string; path: string };

/** The characters of a `$name` mention (0.166.0's: ASCII letters, digits, `_`, `-` and `:` for plugin skills). */
const NAME_CHAR = /[A-Za-z0-9_:-]/;
/** `$HOME` and the like are shell variables, never skill mentions. */
const ENV_VARS = new Set([
  "PATH",
  "HOME",
  "USER",
  "SHELL",
  "PWD",
  "TMPDIR",
  "TEMP",
  "TMP",
  "LANG",
  "TERM",
  "XDG_CONFIG_HOME",
]);

interface TextMentions {
  names: Set<string>;
  /** `[$name](path)` links: the path names the skill exactly. */
  paths: Set<string>;
}

function readName(text: string, from: number): number {
  let end = from;
  while (end < text.length && NAME_CHAR.test(text[end] ?? "")) end++;
  return end;
}

/** The `$name` and `[$name](path)` mentions of one text, as 0.166.0 reads them. */
function textMentions(text: string): TextMentions {
  const out: TextMentions = { names: new Set(), paths: new Set() };
  for (let i = 0; i < text.length; ) {
    if (text[i] === "[" && text[i + 1] === "$") {
      const end = readName(text, i + 2);
      const link = end > i + 2 && text[end] === "]" ? /^\]\s*\(([^)]*)\)/.exec(text.slice(end)) : null;
      const path = link?.[1]?.trim();
      if (link && path) {
        const name = text.slice(i + 2, end);
        if (!ENV_VARS.has(name.toUpperCase())) out.paths.add(path.replace(/^skill:\/\//, ""));
        i = end + link[0].length;
        continue;
      }
    }
    if (text[i] !== "$") {
      i++;
      continue;
    }
    const end = readName(text, i + 1);
    if (end === i + 1) {
      i++;
      continue;
    }
    const name = text.slice(i + 1, end);
    if (!ENV_VARS.has(name.toUpperCase())) out.names.add(name);
    i = end;
  }
  return out;
}

/**
 * The skills a turn's input asks for, as 0.166.0 selects them: first the `skill` items (by path, relative ones
 * against `cwd`), then each text's `[$name](path)` links (by path) and `$name` mentions (by name, only a name one
 * enabled skill has, and not a name a `skill` item gave); in `skills`' order within each text, each skill once.
 * Disabled skills (`disabled`: their paths) and names or paths no skill has are passed over in silence.
 */
export function mentionedSkills(
  inputs: readonly SkillMentionInput[],
  skills: readonly Skill[],
  disabled: ReadonlySet<string>,
  cwd: string,
): Skill[] {
  const enabled = skills.filter((s) => !disabled.has(s.path));
  const nameCounts = new Map<string, number>();
  for (const s of enabled) nameCounts.set(s.name, (nameCounts.get(s.name) ?? 0) + 1);
  const selected: Skill[] = [];
  const seenPaths = new Set<string>();
  const seenNames = new Set<string>();
  const blockedNames = new Set<string>();
  const take = (s: Skill) => {
    seenPaths.add(s.path);
    seenNames.add(s.name);
    selected.push(s);
  };
  for (const input of inputs) {
    if (input.type !== "skill") continue;
    blockedNames.add(input.name);
    const path = isAbsolute(input.path) ? resolve(input.path) : resolve(cwd, input.path);
    const skill = enabled.find((s) => s.path === path);
    if (skill && !seenPaths.has(path)) take(skill);
  }
  for (const input of inputs) {
    if (input.type !== "text") continue;
    const m = textMentions(input.text);
    for (const s of enabled) if (m.paths.has(s.path) && !seenPaths.has(s.path)) take(s);
    for (const s of enabled) {
      if (seenPaths.has(s.path) || blockedNames.has(s.name) || !m.names.has(s.name)) continue;
      if (nameCounts.get(s.name) !== 1 || seenNames.has(s.name)) continue;
      take(s);
    }
  }
  return selected;
}

/** A mentioned skill as the model gets it: a user message of its own holding the whole `SKILL.md`. */
export function skillInjectionText(skill: Pick<Skill, "name" | "path">, contents: string): string {
  return `<skill>\n<name>${skill.name}</name>\n<path>${skill.path}</path>\n${contents}\n</skill>`;
}

/**
 * Reads a mentioned skill's `SKILL.md` for injection: a regular file of at most `SKILL_FILE_MAX_BYTES`, UTF-8.
 * Rejects with the reason, in the words of 0.166.0's warning (`Failed to load skill <name> at <path>: …`).
 */
export async function readSkillForInjection(skill: Pick<Skill, "name" | "path">): Promise<string> {
  try {
    const bytes = await readBoundedFile(skill.path, { maxBytes: SKILL_FILE_MAX_BYTES });
    if (findInvalidUtf8(bytes)) throw new Error("stream did not contain valid UTF-8");
    return bytes.toString("utf8");
  } catch (err) {
    const reason = err instanceof FileReadError || err instanceof Error ? err.message : String(err);
    throw new Error(`Failed to load skill ${skill.name} at ${skill.path}: ${reason}`);
  }
}
