import type { Dirent } from "node:fs";
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { FileReadError, fileKind, findInvalidUtf8, readBoundedFile } from "@codex-ts/config-loader";
import { parseSkill, parseSkillMetadata, SkillParseError } from "./parse.js";
import type { Skill, SkillLoadOutcome, SkillRoot } from "./types.js";

/** How deep below a root skills are looked for (Codex: 6). */
export const SKILLS_MAX_DEPTH = 6;
/** Directories visited per root at most (Codex: 2000); the rest of a larger tree is not scanned. */
export const SKILLS_MAX_DIRS_PER_ROOT = 2000;
/** A `SKILL.md` larger than this is reported, not read (Codex reads any size). */
export const SKILL_FILE_MAX_BYTES = 1024 * 1024;
/** An `agents/openai.yaml` larger than this is ignored, as an invalid one is. */
export const SKILL_METADATA_MAX_BYTES = 256 * 1024;

const SKILL_FILE = "SKILL.md";

/** Rust's `Utf8Error` text for the first invalid sequence (`String::from_utf8` / `read_to_string`). */
function utf8Error(bytes: Buffer): string | null {
  const bad = findInvalidUtf8(bytes);
  if (!bad) return null;
  const lead = bytes[bad.offset] ?? 0;
  const width = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 1;
  let valid = 1;
  while (width > 1 && valid < width && bad.offset + valid < bytes.length) {
    const b = bytes[bad.offset + valid] ?? 0;
    if ((b & 0xc0) !== 0x80) break;
    valid++;
  }
  if (width > 1 && bad.offset + valid >= bytes.length && valid < width) {
    return `incomplete utf-8 byte sequence from index ${bad.offset}`;
  }
  return `invalid utf-8 sequence of ${width > 1 ? valid : 1} bytes from index ${bad.offset}`;
}

/** Reads a `SKILL.md` (regular file, bounded, strict UTF-8) and parses it, with its optional metadata. */
async function loadSkill(path: string, scope: SkillRoot["scope"]): Promise<Skill> {
  let bytes: Buffer;
  try {
    bytes = await readBoundedFile(path, { maxBytes: SKILL_FILE_MAX_BYTES });
  } catch (err) {
    const reason =
      err instanceof FileReadError ? err.message : ((err as NodeJS.ErrnoException).message ?? String(err));
    throw new SkillParseError(`failed to read file: ${reason}`);
  }
  const invalid = utf8Error(bytes);
  if (invalid) throw new SkillParseError(`failed to read file: ${invalid}`);
  const skill: Skill = parseSkill(bytes.toString("utf8"), path, scope);
  const dir = dirname(path);
  try {
    const meta = await readBoundedFile(join(dir, "agents", "openai.yaml"), {
      maxBytes: SKILL_METADATA_MAX_BYTES,
    });
    if (!findInvalidUtf8(meta)) Object.assign(skill, parseSkillMetadata(meta.toString("utf8"), dir));
  } catch {
    // Optional metadata fails open: missing, special, oversized or unreadable is the same as none.
  }
  return skill;
}

const realOr = (path: string) => realpath(path).catch(() => path);

/**
 * Every `SKILL.md` under one root, breadth first: hidden entries (`.name`) skipped, at most
 * `SKILLS_MAX_DEPTH` levels and `SKILLS_MAX_DIRS_PER_ROOT` directories, symlinked directories followed except in
 * system roots (each directory visited once, by its real path, so links cannot loop). Special files are never
 * opened: a FIFO, socket or device named `SKILL.md` is reported, any other one ignored. Errors of system skills are
 * not reported (Codex writes those itself).
 */
export async function discoverSkills(root: SkillRoot, out: SkillLoadOutcome): Promise<void> {
  const info = await stat(root.path).catch(() => null);
  if (!info?.isDirectory()) return;
  const followLinks = root.scope !== "system";
  const start = await realOr(root.path);
  const visited = new Set([start]);
  const queue: [string, number][] = [[start, 0]];
  const enqueue = (dir: string, depth: number) => {
    if (depth > SKILLS_MAX_DEPTH || visited.size >= SKILLS_MAX_DIRS_PER_ROOT || visited.has(dir)) return;
    visited.add(dir);
    queue.push([dir, depth]);
  };
  for (let next = queue.shift(); next; next = queue.shift()) {
    const [dir, depth] = next;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const path = join(dir, entry.name);
      const st = await lstat(path).catch(() => null);
      if (!st) continue;
      if (st.isSymbolicLink()) {
        if (!followLinks) continue;
        const target = await stat(path).catch(() => null);
        if (target?.isDirectory()) enqueue(await realOr(path), depth + 1);
        continue;
      }
      if (st.isDirectory()) {
        enqueue(await realOr(path), depth + 1);
        continue;
      }
      if (entry.name !== SKILL_FILE) continue;
      try {
        if (!st.isFile())
          throw new SkillParseError(`failed to read file: not a regular file (${fileKind(st)})`);
        const skill: Skill = {
          ...(await loadSkill(await realOr(path), root.scope)),
          root: root.alias ?? root.path,
        };
        // A plugin's skills are namespaced by the plugin, as 0.166.0 lists them (`demo:hello`).
        if (root.plugin)
          Object.assign(skill, { name: `${root.plugin.name}:${skill.name}`, pluginId: root.plugin.id });
        out.skills.push(skill);
      } catch (err) {
        if (root.scope === "system") continue;
        const message = err instanceof SkillParseError ? err.message : `failed to read file: ${String(err)}`;
        out.errors.push({ path, message });
      }
    }
  }
}
