/** Where a skill comes from, in Codex 0.166.0's order of precedence (repo skills shadow user ones, and so on). */
export type SkillScope = "repo" | "user" | "system" | "admin";

/** A directory skills are discovered under. */
export interface SkillRoot {
  readonly path: string;
  readonly scope: SkillScope;
  /** The installed plugin the root belongs to: its skills are named `<plugin>:<skill>` and carry its id. */
  readonly plugin?: { readonly id: string; readonly name: string };
  /**
   * The directory the model is told the root is, when not `path`: 0.166.0 shows a plugin's skills under one alias
   * per marketplace (CODEX_HOME/plugins/cache/<marketplace>), their paths relative to it.
   */
  readonly alias?: string;
}

/** `agents/openai.yaml`'s `interface` table, resolved (icon paths absolute, under the skill's `assets/`). */
export interface SkillInterface {
  displayName: string | null;
  shortDescription: string | null;
  iconSmall: string | null;
  iconLarge: string | null;
  brandColor: string | null;
  defaultPrompt: string | null;
}

/** One tool a skill depends on (`dependencies.tools[]` of `agents/openai.yaml`); absent fields are left out. */
export interface SkillToolDependency {
  type: string;
  value: string;
  description?: string;
  transport?: string;
  command?: string;
  url?: string;
}

/** A skill read from its `SKILL.md` (front matter) and optional `agents/openai.yaml`. */
export interface Skill {
  name: string;
  description: string;
  shortDescription?: string;
  interface?: SkillInterface;
  dependencies?: { tools: SkillToolDependency[] };
  /** The `SKILL.md`, symlinks resolved (a skill's identity: one reached twice is listed once). */
  path: string;
  scope: SkillScope;
  /**
   * `policy.allow_implicit_invocation` of `agents/openai.yaml` (absent: true). A skill that is false is left out of
   * the model's list of skills, but a mention still brings it in (0.166.0's rule).
   */
  allowImplicitInvocation?: boolean;
  /** The root it was found under (`SkillRoot.path`): the model sees its path relative to that root's alias. */
  root?: string;
  /** The plugin that brought the skill (`<plugin>@<marketplace>`); absent for the user's and the repo's own. */
  pluginId?: string;
}

/** A `SKILL.md` that could not be loaded, and why (Codex's words where it has them). */
export interface SkillLoadError {
  path: string;
  message: string;
}

export interface SkillLoadOutcome {
  skills: Skill[];
  errors: SkillLoadError[];
}
