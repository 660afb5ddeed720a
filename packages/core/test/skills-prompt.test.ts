import { describe, expect, it } from "vitest";
import {
  mentionedSkills,
  renderSkillsInstructions,
  type Skill,
  skillInjectionText,
} from "../src/skills/index.js";

const skill = (
  name: string,
  scope: Skill["scope"],
  root: string,
  dir = name,
  description = `about ${name}`,
): Skill => ({
  name,
  description,
  path: `${root}/${dir}/SKILL.md`,
  scope,
  root,
});

const ROOTS = [
  { path: "/p/.codex/skills", scope: "repo" as const },
  { path: "/h/skills", scope: "user" as const },
  { path: "/h/skills/.system", scope: "system" as const },
];

/** The skill lines of a rendered section (between `### Available skills` and `### How to use skills`). */
function skillLines(text: string | null): string[] {
  const lines = (text ?? "").split("\n");
  return lines.slice(lines.indexOf("### Available skills") + 1, lines.indexOf("### How to use skills"));
}

describe("the skills section", () => {
  it("orders system, admin, repo, user skills by name; aliases only the roots in use, in root order", () => {
    const text = renderSkillsInstructions(
      [
        skill("zed", "user", "/h/skills"),
        skill("sys", "system", "/h/skills/.system"),
        skill("alpha", "user", "/h/skills"),
      ],
      ROOTS,
      { chars: 8000 },
    );
    expect(text?.startsWith("<skills_instructions>\n## Skills\n")).toBe(true);
    expect(text?.endsWith("\n</skills_instructions>")).toBe(true);
    expect(text).toContain(
      "### Skill roots\n- `r0` = `/h/skills`\n- `r1` = `/h/skills/.system`\n### Available skills\n",
    );
    expect(skillLines(text)).toEqual([
      "- sys: about sys (file: r1/sys/SKILL.md)",
      "- alpha: about alpha (file: r0/alpha/SKILL.md)",
      "- zed: about zed (file: r0/zed/SKILL.md)",
    ]);
    expect(renderSkillsInstructions([], ROOTS, { chars: 8000 })).toBeNull();
  });

  it("a skill outside its root (reached through a link) keeps its absolute path", () => {
    const linked: Skill = { ...skill("l", "user", "/h/skills"), path: "/elsewhere/l/SKILL.md" };
    expect(skillLines(renderSkillsInstructions([linked], ROOTS, { chars: 8000 }))).toEqual([
      "- l: about l (file: /elsewhere/l/SKILL.md)",
    ]);
  });

  it("over budget: descriptions shortened evenly, then skills left out with no description", () => {
    const skills = [
      skill("a", "repo", "/p/.codex/skills", "a", "abcdef"),
      skill("b", "repo", "/p/.codex/skills", "b", "uvwxyz"),
    ];
    const table = "### Skill roots\n- `r0` = `/p/.codex/skills`\n".length;
    const minimum = "- a: (file: r0/a/SKILL.md)\n".length * 2;
    // Room for 4 description characters beyond the bare lines: each line gets 2 (one is the space before them).
    const short = renderSkillsInstructions(skills, ROOTS, { chars: table + minimum + 6 });
    expect(skillLines(short)).toEqual(["- a: ab (file: r0/a/SKILL.md)", "- b: uv (file: r0/b/SKILL.md)"]);
    const tight = renderSkillsInstructions(skills, ROOTS, { chars: table + minimum - 1 });
    expect(skillLines(tight)).toEqual(["- a: (file: r0/a/SKILL.md)"]);
  });
});

describe("skill mentions", () => {
  const skills = [
    skill("repo-a", "repo", "/p/.codex/skills"),
    skill("twin", "user", "/h/skills", "t1"),
    skill("twin", "user", "/h/skills", "t2"),
    skill("user-b", "user", "/h/skills"),
    skill("off", "user", "/h/skills"),
    skill("HOME", "user", "/h/skills"),
  ];
  const off = new Set(["/h/skills/off/SKILL.md"]);
  const names = (inputs: Parameters<typeof mentionedSkills>[0]) =>
    mentionedSkills(inputs, skills, off, "/h/skills").map((s) => s.path);

  it("takes $names one enabled skill has, in the skills' order, each once", () => {
    expect(
      names([{ type: "text", text: "$user-b then $repo-a. $user-b$off $twin $HOME $nope repo-a" }]),
    ).toEqual(["/p/.codex/skills/repo-a/SKILL.md", "/h/skills/user-b/SKILL.md"]);
  });

  it("takes a linked mention or a skill item by path, even of a name two skills share", () => {
    expect(names([{ type: "text", text: "see [$twin](/h/skills/t2/SKILL.md)" }])).toEqual([
      "/h/skills/t2/SKILL.md",
    ]);
    expect(
      names([
        { type: "text", text: "$user-b" },
        { type: "skill", name: "user-b", path: "t1/SKILL.md" },
      ]),
    ).toEqual(["/h/skills/t1/SKILL.md"]);
    // A disabled skill stays out, by item too.
    expect(names([{ type: "skill", name: "off", path: "/h/skills/off/SKILL.md" }])).toEqual([]);
  });

  it("injects the file whole between <skill> tags", () => {
    expect(skillInjectionText({ name: "n", path: "/x/SKILL.md" }, "---\nbody\n")).toBe(
      "<skill>\n<name>n</name>\n<path>/x/SKILL.md</path>\n---\nbody\n\n</skill>",
    );
  });
});
