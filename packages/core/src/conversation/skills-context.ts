import type { Config } from "@codex-ts/config-loader";
import { modelContextWindow } from "../client/model-info.js";
import {
  mentionedSkills,
  readSkillForInjection,
  renderSkillsInstructions,
  type SkillCatalog,
  type SkillMentionInput,
  skillInjectionText,
  skillListBudget,
} from "../skills/index.js";
import type { InputItem } from "./op.js";

/**
 * The `<skills_instructions>` section a 0.166 thread starts with: its enabled skills seen from its cwd, within 2% of
 * the model's context window. Null without a catalog (0.58 threads), with `skills.include_instructions = false`,
 * with no enabled skill, or when the skills cannot be read (a thread never fails to start over its skills).
 */
export async function threadSkillsInstructions(
  catalog: SkillCatalog | undefined,
  config: Config,
): Promise<string | null> {
  if (!catalog) return null;
  try {
    const { skills, roots, disabled, includeInstructions } = await catalog.load(config.cwd);
    if (!includeInstructions) return null;
    // Skills whose policy forbids implicit use are not listed (a mention still brings them in).
    const listed = skills.filter((s) => !disabled.has(s.path) && s.allowImplicitInvocation !== false);
    return renderSkillsInstructions(listed, roots, skillListBudget(modelContextWindow(config)));
  } catch {
    return null;
  }
}

function mentionInputs(items: readonly InputItem[]): SkillMentionInput[] {
  return items.flatMap((item): SkillMentionInput[] => {
    if (item.type === "skill") return [{ type: "skill", ...item.data }];
    if (item.type === "text") return [{ type: "text", text: String(item.data.text ?? "") }];
    return [];
  });
}

/**
 * What the skills a turn's input mentions (`$name`, `[$name](path)`, `skill` items) add to it, as 0.166.0 adds it:
 * one user message per skill holding its `SKILL.md` (`skillInjectionText`), and a warning for each file that
 * could not be read (too large, not a regular file, gone). Nothing is read unless the input can mention a skill.
 */
export async function skillInjections(
  catalog: SkillCatalog | undefined,
  items: readonly InputItem[],
  cwd: string,
): Promise<{ texts: string[]; warnings: string[] }> {
  const out = { texts: [] as string[], warnings: [] as string[] };
  const inputs = mentionInputs(items);
  const mayMention = inputs.some((i) => i.type === "skill" || i.text.includes("$"));
  if (!catalog || !mayMention) return out;
  let selected: Awaited<ReturnType<typeof mentionedSkills>>;
  try {
    const { skills, disabled } = await catalog.load(cwd);
    selected = mentionedSkills(inputs, skills, disabled, cwd);
  } catch (err) {
    out.warnings.push(`Failed to load skills: ${(err as Error).message}`);
    return out;
  }
  for (const skill of selected) {
    try {
      out.texts.push(skillInjectionText(skill, await readSkillForInjection(skill)));
    } catch (err) {
      out.warnings.push((err as Error).message);
    }
  }
  return out;
}
