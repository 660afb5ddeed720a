import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  disabledSkillPaths,
  frontMatter,
  loadSkills,
  parseSkill,
  parseSkillMetadata,
  SKILL_FILE_MAX_BYTES,
  SKILLS_MAX_DIRS_PER_ROOT,
  skillRoots,
} from "../src/index.js";

let dir: string;
beforeEach(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), "codex-skills-")));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function skill(path: string, text: string): Promise<string> {
  await mkdir(path, { recursive: true });
  await writeFile(join(path, "SKILL.md"), text);
  return join(path, "SKILL.md");
}
const md = (name: string, description: string) =>
  `---\nname: ${name}\ndescription: ${description}\n---\n# ${name}\n`;

describe("SKILL.md front matter (0.166.0's rules)", () => {
  it("reads name, description and metadata.short-description, folded to one line", () => {
    const s = parseSkill(
      "---\nname:  my   skill\ndescription: >\n  does\n  things\nmetadata:\n  short-description: short\n---\nbody\n",
      "/x/dir/SKILL.md",
      "user",
    );
    expect(s).toEqual({
      name: "my skill",
      description: "does things",
      shortDescription: "short",
      path: "/x/dir/SKILL.md",
      scope: "user",
    });
    // The name defaults to the directory's; a number reads as its text; CRLF files work.
    expect(parseSkill("---\r\ndescription: d\r\n---\r\n", "/x/fallback/SKILL.md", "repo").name).toBe(
      "fallback",
    );
    expect(parseSkill("---\nname: 42\ndescription: d\n---\n", "/x/y/SKILL.md", "repo").name).toBe("42");
  });

  it("refuses what 0.166.0 refuses, in its words", () => {
    const error = (text: string) => {
      try {
        parseSkill(text, "/x/d/SKILL.md", "user");
        return null;
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(error("# no front matter\n")).toBe("missing YAML frontmatter delimited by ---");
    expect(error("---\nname: x\n")).toBe("missing YAML frontmatter delimited by ---");
    expect(error("---\n---\n")).toBe("missing YAML frontmatter delimited by ---");
    expect(error("---\nname: x\n---\n")).toBe("missing field `description`");
    expect(error(`---\nname: ${"n".repeat(65)}\ndescription: d\n---\n`)).toBe(
      "invalid name: exceeds maximum length of 64 characters",
    );
    expect(error(`---\ndescription: ${"d".repeat(1025)}\n---\n`)).toBe(
      "invalid description: exceeds maximum length of 1024 characters",
    );
    expect(error("---\nname: a\nname: b\ndescription: d\n---\n")).toBe(
      "invalid YAML: duplicate field `name`",
    );
    expect(error("---\nname: x\ndescription: [a, b]\n---\n")).toBe(
      "invalid YAML: description: invalid type: sequence, expected a string",
    );
    expect(error("---\njust text\n---\n")).toBe(
      'invalid YAML: invalid type: string "just text", expected struct SkillFrontmatter',
    );
    // YAML aliases are bounded: an alias bomb is an error, not a hang.
    const bomb = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 10; i++)
      bomb.push(
        `l${i}: &l${i} [${Array(10)
          .fill(`*l${i - 1}`)
          .join(", ")}]`,
      );
    expect(error(`---\n${bomb.join("\n")}\ndescription: d\n---\n`)).toMatch(/^invalid YAML: /);
    expect(frontMatter("  ---  \nname: x\n --- \n")).toBe("name: x");
  });

  it("reads agents/openai.yaml leniently: interface, dependencies, invalid fields left out", () => {
    const meta = parseSkillMetadata(
      [
        "interface:",
        "  display_name: Good",
        "  brand_color: '#A1B2C3'",
        "  icon_small: ./assets/s.png",
        "  icon_large: ../outside.png",
        "dependencies:",
        "  tools:",
        "    - type: mcp",
        "      value: echo",
        "      url: http://127.0.0.1:1",
        "    - value: no-type",
      ].join("\n"),
      "/skills/good",
    );
    expect(meta).toEqual({
      interface: {
        displayName: "Good",
        shortDescription: null,
        iconSmall: "/skills/good/assets/s.png",
        iconLarge: null,
        brandColor: "#A1B2C3",
        defaultPrompt: null,
      },
      dependencies: { tools: [{ type: "mcp", value: "echo", url: "http://127.0.0.1:1" }] },
    });
    expect(parseSkillMetadata("interface: [", "/d")).toEqual({});
    expect(parseSkillMetadata("interface:\n  brand_color: red\n", "/d")).toEqual({});
  });
});

describe("skill discovery", () => {
  it("finds repo, user, home and system skills from a cwd, repo first, by name, each file once", async () => {
    const home = join(dir, "codex-home");
    const proj = join(dir, "proj");
    execFileSync("git", ["init", "-q", proj]);
    await skill(join(home, "skills", "zeta"), md("zeta", "user z"));
    await skill(join(home, "skills", "nested", "alpha"), md("alpha", "user a"));
    await skill(join(home, "skills", ".system", "sys"), md("sys", "system one"));
    await skill(join(dir, "user-home", ".agents", "skills", "h"), md("homeskill", "from HOME"));
    await skill(join(proj, ".codex", "skills", "r1"), md("r1", "project codex"));
    await skill(join(proj, ".agents", "skills", "r2"), md("r2", "project agents"));
    await skill(join(proj, "sub", ".agents", "skills", "r3"), md("r3", "sub agents"));
    // The same skill reached twice (a link inside the user root) is listed once.
    await symlink(join(home, "skills", "zeta"), join(home, "skills", "zeta-link"));
    const out = await loadSkills({
      codexHome: home,
      homeDir: join(dir, "user-home"),
      cwd: join(proj, "sub"),
    });
    expect(out.errors).toEqual([]);
    expect(out.skills.map((s) => [s.scope, s.name])).toEqual([
      ["repo", "r1"],
      ["repo", "r2"],
      ["repo", "r3"],
      ["user", "alpha"],
      ["user", "homeskill"],
      ["user", "zeta"],
      ["system", "sys"],
    ]);
    const roots = await skillRoots({ codexHome: home, homeDir: undefined, cwd: proj });
    expect(roots.map((r) => [r.scope, r.path])).toEqual([
      ["repo", join(proj, ".codex", "skills")],
      ["user", join(home, "skills")],
      ["system", join(home, "skills", ".system")],
      ["repo", join(proj, ".agents", "skills")],
    ]);
  });

  it("reports broken files and never opens special ones; a FIFO root or skill dir is skipped", async () => {
    const home = join(dir, "codex-home");
    const skills = join(home, "skills");
    await skill(join(skills, "ok"), md("ok", "fine"));
    await mkdir(join(skills, "latin1"), { recursive: true });
    await writeFile(
      join(skills, "latin1", "SKILL.md"),
      Buffer.concat([
        Buffer.from("---\nname: l\ndescription: caf"),
        Buffer.from([0xe9]),
        Buffer.from("\n---\n"),
      ]),
    );
    await mkdir(join(skills, "fifo-file"), { recursive: true });
    execFileSync("mkfifo", [join(skills, "fifo-file", "SKILL.md"), join(skills, "fifo-dir")]);
    await mkdir(join(skills, "big"), { recursive: true });
    await writeFile(
      join(skills, "big", "SKILL.md"),
      `---\ndescription: d\n---\n${"x".repeat(SKILL_FILE_MAX_BYTES)}`,
    );
    await skill(join(skills, "a", "b", "c", "d", "e", "f"), md("deep6", "depth six"));
    await skill(join(skills, "a", "b", "c", "d", "e", "f", "g"), md("deep7", "too deep"));
    // A symlink loop ends.
    await symlink(skills, join(skills, "a", "loop"));
    const out = await loadSkills({ codexHome: home, homeDir: undefined, cwd: dir });
    expect(out.skills.map((s) => s.name)).toEqual(["deep6", "ok"]);
    expect(out.errors).toEqual([
      {
        path: join(skills, "big", "SKILL.md"),
        message: expect.stringMatching(
          /^failed to read file: file is too large \(\d+ bytes; the limit is 1048576 bytes\)$/,
        ),
      },
      {
        path: join(skills, "fifo-file", "SKILL.md"),
        message: "failed to read file: not a regular file (a FIFO)",
      },
      {
        path: join(skills, "latin1", "SKILL.md"),
        message: "failed to read file: invalid utf-8 sequence of 1 bytes from index 28",
      },
    ]);
    // CODEX_HOME/skills itself a FIFO: nothing, at once.
    const other = join(dir, "other-home");
    await mkdir(other);
    execFileSync("mkfifo", [join(other, "skills")]);
    expect(await loadSkills({ codexHome: other, homeDir: undefined, cwd: dir })).toMatchObject({
      skills: [],
      errors: [],
    });
  });

  it("stops a root after SKILLS_MAX_DIRS_PER_ROOT directories", async () => {
    const skills = join(dir, "codex-home", "skills");
    for (let i = 0; i < SKILLS_MAX_DIRS_PER_ROOT + 10; i++)
      await mkdir(join(skills, `d${String(i).padStart(5, "0")}`), { recursive: true });
    await skill(join(skills, "zzzz-last"), md("last", "beyond the cap"));
    await skill(join(skills, "d00000"), md("first", "inside the cap"));
    const out = await loadSkills({ codexHome: join(dir, "codex-home"), homeDir: undefined, cwd: dir });
    expect(out.skills.map((s) => s.name)).toEqual(["first"]);
  });

  it("turns skills off and on by name and by path, later rules winning", async () => {
    const home = join(dir, "codex-home");
    const a = await skill(join(home, "skills", "a"), md("same", "one"));
    await skill(join(home, "skills", "b"), md("same", "two"));
    const { skills } = await loadSkills({ codexHome: home, homeDir: undefined, cwd: dir });
    expect(await disabledSkillPaths(skills, [{ name: "same", enabled: false }])).toEqual(
      new Set(skills.map((s) => s.path)),
    );
    expect(
      await disabledSkillPaths(skills, [
        { name: "same", enabled: false },
        { path: a, enabled: true },
        { name: "same", path: a, enabled: false },
      ]),
    ).toEqual(new Set([skills[1]?.path]));
  });
});
