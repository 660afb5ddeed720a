import { isScalar, isMap as isYamlMap, parseDocument, parse as parseYaml } from "yaml";
import type { Skill, SkillInterface, SkillScope, SkillToolDependency } from "./types.js";

const MAX_NAME_LEN = 64;
const MAX_DESCRIPTION_LEN = 1024;

/** A skill file that is not a skill; the message is what 0.166.0 reports for it. */
export class SkillParseError extends Error {}

/** Whitespace runs (newlines included) become one space, as Codex folds names and descriptions to one line. */
export function singleLine(raw: string): string {
  return raw.split(/\s+/u).filter(Boolean).join(" ");
}

/** The YAML between a first line `---` and the next `---` line (each may carry spaces); null when there is none. */
export function frontMatter(contents: string): string | null {
  const lines = contents.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  if (lines[0]?.trim() !== "---") return null;
  const body: string[] = [];
  for (const line of lines.slice(1)) {
    if (line.trim() === "---") return body.length > 0 ? body.join("\n") : null;
    body.push(line);
  }
  return null;
}

type Yaml = Record<string, unknown>;
const isMap = (v: unknown): v is Yaml => typeof v === "object" && v !== null && !Array.isArray(v);

/** serde's name for a YAML value's type, for "invalid type" messages. */
function yamlKind(v: unknown): string {
  if (v === null) return "unit value";
  if (Array.isArray(v)) return "sequence";
  if (typeof v === "string") return `string ${JSON.stringify(v)}`;
  if (typeof v === "number") return Number.isInteger(v) ? `integer \`${v}\`` : `floating point \`${v}\``;
  if (typeof v === "boolean") return `boolean \`${v}\``;
  return "map";
}

/**
 * An optional string field of the front matter: absent or null is none; a number or boolean reads as its text
 * (serde_yaml gives a `String` field any plain scalar); a sequence or map is a YAML error.
 */
function optionalString(map: Yaml, key: string, where = key): string | undefined {
  const v = map[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw new SkillParseError(`invalid YAML: ${where}: invalid type: ${yamlKind(v)}, expected a string`);
}

/** The fields of Codex's front-matter struct: serde refuses a second occurrence of one of them. */
const FRONT_MATTER_FIELDS = new Set(["name", "description", "metadata"]);

/** The front matter as a plain value; malformed YAML and a repeated field are `SkillParseError`s. */
function readFrontMatter(yaml: string): unknown {
  const doc = parseDocument(yaml, { uniqueKeys: false, prettyErrors: false });
  const [error] = doc.errors;
  if (error) throw new SkillParseError(`invalid YAML: ${error.message.split("\n")[0]}`);
  if (isYamlMap(doc.contents)) {
    const seen = new Set<string>();
    for (const { key } of doc.contents.items) {
      const name = isScalar(key) ? String(key.value) : "";
      if (FRONT_MATTER_FIELDS.has(name) && seen.has(name)) {
        throw new SkillParseError(`invalid YAML: duplicate field \`${name}\``);
      }
      seen.add(name);
    }
  }
  try {
    return doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    throw new SkillParseError(`invalid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
}

function checkLength(value: string, max: number, field: string): void {
  if (value === "") throw new SkillParseError(`missing field \`${field}\``);
  if ([...value].length > max) {
    throw new SkillParseError(`invalid ${field}: exceeds maximum length of ${max} characters`);
  }
}

/**
 * The skill a `SKILL.md` describes: YAML front matter with `description` (required), `name` (default: the
 * directory's name) and `metadata.short-description`, each folded to one line; names up to 64 characters,
 * descriptions up to 1024. Throws `SkillParseError` with 0.166.0's words otherwise.
 */
export function parseSkill(
  contents: string,
  path: string,
  scope: SkillScope,
): Omit<Skill, "interface" | "dependencies"> {
  const yaml = frontMatter(contents);
  if (yaml === null) throw new SkillParseError("missing YAML frontmatter delimited by ---");
  const doc = readFrontMatter(yaml);
  if (!isMap(doc))
    throw new SkillParseError(
      `invalid YAML: invalid type: ${yamlKind(doc)}, expected struct SkillFrontmatter`,
    );
  const rawName = optionalString(doc, "name");
  const rawDescription = optionalString(doc, "description");
  const metadata = doc.metadata;
  if (metadata !== undefined && metadata !== null && !isMap(metadata)) {
    throw new SkillParseError(
      `invalid YAML: metadata: invalid type: ${yamlKind(metadata)}, expected struct SkillFrontmatterMetadata`,
    );
  }
  const rawShort = isMap(metadata)
    ? optionalString(metadata, "short-description", "metadata.short-description")
    : undefined;
  const parentName = singleLine(path.split(/[\\/]/).slice(-2, -1)[0] ?? "");
  const name = (rawName !== undefined ? singleLine(rawName) : "") || parentName || "skill";
  const description = rawDescription !== undefined ? singleLine(rawDescription) : "";
  const shortDescription = rawShort !== undefined ? singleLine(rawShort) || undefined : undefined;
  checkLength(name, MAX_NAME_LEN, "name");
  checkLength(description, MAX_DESCRIPTION_LEN, "description");
  if (shortDescription !== undefined) {
    checkLength(shortDescription, MAX_DESCRIPTION_LEN, "metadata.short-description");
  }
  return { name, description, ...(shortDescription !== undefined ? { shortDescription } : {}), path, scope };
}

/** An optional one-line string of `openai.yaml`: blank, too long or not a string reads as absent. */
function looseString(v: unknown, max: number): string | null {
  if (typeof v !== "string") return null;
  const s = singleLine(v);
  return s && [...s].length <= max ? s : null;
}

/** An icon path: relative, inside the skill's `assets/`, no `..` (plugin skills, which may share icons, are not loaded). */
function iconPath(skillDir: string, v: unknown): string | null {
  if (typeof v !== "string" || v === "" || v.startsWith("/") || /^[A-Za-z]:[\\/]/.test(v)) return null;
  const parts = v.split(/[\\/]/).filter((p) => p !== "" && p !== ".");
  if (parts.includes("..") || parts[0] !== "assets") return null;
  return [skillDir, ...parts].join("/");
}

function brandColor(v: unknown): string | null {
  if (typeof v !== "string") return null;
  const s = v.trim();
  return /^#[0-9A-Fa-f]{6}$/.test(s) ? s : null;
}

/** What `agents/openai.yaml` adds to a skill. */
export interface SkillMetadataFile {
  interface?: SkillInterface;
  dependencies?: { tools: SkillToolDependency[] };
  allowImplicitInvocation?: boolean;
}

/**
 * `agents/openai.yaml` beside a `SKILL.md`: its `interface`, `dependencies.tools` and `policy.allow_implicit_invocation`. Optional metadata fails
 * open, as in Codex: unreadable or invalid YAML, and every field that is not valid, is left out.
 */
export function parseSkillMetadata(contents: string, skillDir: string): SkillMetadataFile {
  let doc: unknown;
  try {
    doc = parseYaml(contents, { maxAliasCount: 50 });
  } catch {
    return {};
  }
  if (!isMap(doc)) return {};
  const out: SkillMetadataFile = {};
  if (isMap(doc.policy) && typeof doc.policy.allow_implicit_invocation === "boolean") {
    out.allowImplicitInvocation = doc.policy.allow_implicit_invocation;
  }
  if (isMap(doc.interface)) {
    const i = doc.interface;
    const resolved: SkillInterface = {
      displayName: looseString(i.display_name, MAX_NAME_LEN),
      shortDescription: looseString(i.short_description, MAX_DESCRIPTION_LEN),
      iconSmall: iconPath(skillDir, i.icon_small),
      iconLarge: iconPath(skillDir, i.icon_large),
      brandColor: brandColor(i.brand_color),
      defaultPrompt: looseString(i.default_prompt, MAX_DESCRIPTION_LEN),
    };
    if (Object.values(resolved).some((v) => v !== null)) out.interface = resolved;
  }
  const tools =
    isMap(doc.dependencies) && Array.isArray(doc.dependencies.tools) ? doc.dependencies.tools : [];
  const deps: SkillToolDependency[] = [];
  for (const t of tools) {
    if (!isMap(t)) continue;
    const type = looseString(t.type, MAX_NAME_LEN);
    const value = looseString(t.value, MAX_DESCRIPTION_LEN);
    if (type === null || value === null) continue;
    const dep: SkillToolDependency = { type, value };
    const description = looseString(t.description, MAX_DESCRIPTION_LEN);
    const transport = looseString(t.transport, MAX_NAME_LEN);
    const command = looseString(t.command, MAX_DESCRIPTION_LEN);
    const url = looseString(t.url, MAX_DESCRIPTION_LEN);
    if (description !== null) dep.description = description;
    if (transport !== null) dep.transport = transport;
    if (command !== null) dep.command = command;
    if (url !== null) dep.url = url;
    deps.push(dep);
  }
  if (deps.length > 0) out.dependencies = { tools: deps };
  return out;
}
