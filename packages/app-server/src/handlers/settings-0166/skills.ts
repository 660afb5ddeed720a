import { isAbsolute, resolve } from "node:path";
import {
  type gen0166,
  internalError,
  invalidRequest,
  type Protocol0166,
  RpcError,
} from "@codex-ts/app-server-protocol";
import {
  applyOverrides,
  type ConfigLayer,
  type ConfigWriter,
  isTomlTable,
  jsonOverrides,
  mergeTables,
} from "@codex-ts/config-loader";
import {
  disabledSkillPaths,
  loadSkills,
  pluginSkillRoots,
  type Skill,
  type SkillCatalog,
  type SkillRule,
} from "@codex-ts/core";
import type { Handlers } from "../../handler.js";
import type { SkillExtraRoots } from "../../skill-extra-roots.js";

/** How many distinct cwds one `skills/list` may ask about (each is a scan of several directory trees). */
export const SKILLS_LIST_MAX_CWDS = 64;
/** How many distinct extra roots `skills/extraRoots/set` keeps (every `skills/list` scans each of them). */
export const SKILLS_MAX_EXTRA_ROOTS = 64;

export interface SkillsServices0166 {
  codexHome: string;
  /** `$HOME` of the server, for `~/.agents/skills`. */
  homeDir: string | undefined;
  /** The server's config layers (for `[[skills.config]]` and `project_root_markers`). */
  layers(): Promise<ConfigLayer[]>;
  /** The roots `skills/extraRoots/set` added (the server's one list). */
  extraRoots: SkillExtraRoots;
  /** Sends `skills/changed` to the connection (0.166.0 sends it after every `skills/extraRoots/set`). */
  notifyChanged(): Promise<void>;
  /** The server's one config writer (`skills/config/write` edits the user's `[[skills.config]]`). */
  writer: ConfigWriter;
}

/** `skills/config/write` without exactly one selector: 0.166.0 answers -32602 (invalid params). */
const INVALID_PARAMS = -32602;

/** Whether a `[[skills.config]]` entry selects what `selector` names (a trimmed name, or a normalized path). */
function sameSelector(entry: unknown, selector: { name: string } | { path: string }): boolean {
  if (!isTomlTable(entry)) return false;
  if ("name" in selector)
    return entry.path === undefined && typeof entry.name === "string" && entry.name.trim() === selector.name;
  return entry.name === undefined && typeof entry.path === "string" && resolve(entry.path) === selector.path;
}

/** The `[[skills.config]]` entries of one table (a config layer, or a thread's `config`), in order. */
function tableSkillRules(table: Record<string, unknown>): SkillRule[] {
  const skills = table.skills;
  const entries = isTomlTable(skills) && Array.isArray(skills.config) ? skills.config : [];
  const rules: SkillRule[] = [];
  for (const entry of entries) {
    if (!isTomlTable(entry) || typeof entry.enabled !== "boolean") continue;
    const rule: SkillRule = { enabled: entry.enabled };
    if (typeof entry.name === "string") rule.name = entry.name;
    if (typeof entry.path === "string") rule.path = entry.path;
    rules.push(rule);
  }
  return rules;
}

/** `[[skills.config]]` entries of the user's config and the `-c` flags, in layer order (0.166.0 reads those two). */
function skillRules(layers: readonly ConfigLayer[]): SkillRule[] {
  return layers
    .filter((layer) => layer.kind === "user" || layer.kind === "sessionFlags")
    .flatMap((layer) => tableSkillRules(layer.table));
}

/**
 * A 0.166 thread's skills (core `SkillCatalog`): what `skills/list` lists for the thread's cwd, turned off by the
 * config's `[[skills.config]]` rules and then by those of the thread's own `config` (codex-acp turns skills it
 * cannot run off there), the section left out when `skills.include_instructions` is false in either.
 */
export function skillCatalog0166(
  s: Pick<SkillsServices0166, "codexHome" | "homeDir" | "layers" | "extraRoots">,
  threadConfig: Record<string, unknown> | null,
): SkillCatalog {
  return {
    async load(cwd) {
      const layers = await s.layers();
      // The thread's `config` is a map of dotted keys, as the config loader reads it.
      const own = applyOverrides({}, jsonOverrides(threadConfig ?? {}));
      const { skills, roots } = await loadSkills({
        codexHome: s.codexHome,
        homeDir: s.homeDir,
        cwd,
        projectRootMarkers: rootMarkers(layers),
        extraRoots: s.extraRoots.get(),
        pluginRoots: await pluginSkillRoots(s.codexHome, mergedLayers(layers)),
      });
      const disabled = await disabledSkillPaths(skills, [...skillRules(layers), ...tableSkillRules(own)]);
      const merged = [...layers.map((l) => l.table), own].reduce(mergeTables, {});
      const include = isTomlTable(merged.skills) ? merged.skills.include_instructions : undefined;
      return { skills, roots, disabled, includeInstructions: include !== false };
    },
  };
}

const mergedLayers = (layers: readonly ConfigLayer[]) => layers.map((l) => l.table).reduce(mergeTables, {});

function rootMarkers(layers: readonly ConfigLayer[]): string[] | undefined {
  const merged = mergedLayers(layers);
  const markers = merged.project_root_markers;
  return Array.isArray(markers) && markers.every((m) => typeof m === "string") ? markers : undefined;
}

/** A skill in 0.166's wire shape and key order. */
function skillMetadata(skill: Skill, enabled: boolean): gen0166.SkillMetadata {
  return {
    name: skill.name,
    description: skill.description,
    ...(skill.shortDescription !== undefined ? { shortDescription: skill.shortDescription } : {}),
    ...(skill.interface
      ? {
          interface: {
            displayName: skill.interface.displayName,
            shortDescription: skill.interface.shortDescription,
            iconSmall: skill.interface.iconSmall,
            iconLarge: skill.interface.iconLarge,
            iconSmallUrl: null,
            iconLargeUrl: null,
            brandColor: skill.interface.brandColor,
            defaultPrompt: skill.interface.defaultPrompt,
          },
        }
      : {}),
    ...(skill.dependencies ? { dependencies: skill.dependencies } : {}),
    path: skill.path,
    scope: skill.scope,
    enabled,
    pluginId: skill.pluginId ?? null,
  };
}

/**
 * 0.166.0 `skills/list {cwds?, forceReload?}` → `{data: [{cwd, skills, errors}]}`, one entry per cwd in the order
 * asked (none: the server's cwd): the skills seen from there (core's `loadSkills`: the repo's `.codex/skills` and
 * `.agents/skills`, `CODEX_HOME/skills`, `~/.agents/skills`, the roots `skills/extraRoots/set` added,
 * `CODEX_HOME/skills/.system`), `enabled` per `[[skills.config]]`, and the `SKILL.md` files that failed to load.
 * Read from disk on every call (so `forceReload` changes nothing); a cwd asked twice is scanned once.
 */
export function createSkillsHandler0166(
  s: SkillsServices0166,
): Handlers<Protocol0166, "skills/list" | "skills/extraRoots/set" | "skills/config/write"> {
  return {
    /**
     * 0.166.0 `skills/config/write {name | path, enabled}` → `{effectiveEnabled}` (the `enabled` asked): the user
     * config's `[[skills.config]]` entries with the same selector are removed, and turning a skill off appends
     * `{name | path, enabled = false}` (turning it on only removes; a skill is on unless a rule says otherwise).
     * Names are trimmed, paths normalized, other entries and the file's comments kept. Takes effect for the next
     * `skills/list` and the next turn's mentions; sends no `skills/changed`, as 0.166.0 sends none.
     */
    async "skills/config/write"(p) {
      if ((p.name == null) === (p.path == null)) {
        throw new RpcError(INVALID_PARAMS, "skills/config/write requires exactly one of path or name");
      }
      if (p.path != null && !isAbsolute(p.path))
        throw invalidRequest("Invalid request: AbsolutePathBuf deserialized without a base path");
      const selector = p.path != null ? { path: resolve(p.path) } : { name: (p.name ?? "").trim() };
      try {
        const user = (await s.layers()).find((l) => l.kind === "user");
        const skills = user?.table.skills;
        const current = isTomlTable(skills) && Array.isArray(skills.config) ? skills.config : [];
        const kept = current.filter((entry) => !sameSelector(entry, selector));
        const entries = p.enabled ? kept : [...kept, { ...selector, enabled: false }];
        await s.writer.write([
          {
            type: "writeValue",
            path: ["skills", "config"],
            value: entries.length > 0 ? entries : null,
            merge: "replace",
          },
        ]);
      } catch (err) {
        throw internalError(`failed to update skill settings: ${(err as Error).message}`);
      }
      return { effectiveEnabled: p.enabled };
    },

    /**
     * 0.166.0 `skills/extraRoots/set {extraRoots}` → `{}`: the list replaces the last one (normalized; a missing
     * directory or a file is accepted and holds no skill); `skills/changed` goes out before the answer, whether or
     * not the list changed, as 0.166.0 does. A relative path is refused in 0.166.0's (serde's) words.
     */
    async "skills/extraRoots/set"(p) {
      if (!p.extraRoots.every(isAbsolute))
        throw invalidRequest("Invalid request: AbsolutePathBuf deserialized without a base path");
      const roots = new Set(p.extraRoots.map((r) => resolve(r)));
      if (roots.size > SKILLS_MAX_EXTRA_ROOTS) {
        throw invalidRequest(
          `skills/extraRoots/set takes at most ${SKILLS_MAX_EXTRA_ROOTS} distinct roots; got ${roots.size}`,
        );
      }
      s.extraRoots.set([...roots]);
      await s.notifyChanged();
      return {};
    },

    async "skills/list"(p) {
      const cwds = p.cwds && p.cwds.length > 0 ? p.cwds : [process.cwd()];
      const distinct = new Set(cwds.map((c) => resolve(c)));
      if (distinct.size > SKILLS_LIST_MAX_CWDS) {
        throw invalidRequest(
          `skills/list takes at most ${SKILLS_LIST_MAX_CWDS} distinct cwds; got ${distinct.size}`,
        );
      }
      const layers = await s.layers();
      const rules = skillRules(layers);
      const projectRootMarkers = rootMarkers(layers);
      const extraRoots = s.extraRoots.get();
      // Installed, enabled plugins bring skills of their own (`<plugin>:<skill>`), the same for every cwd.
      const pluginRoots = await pluginSkillRoots(s.codexHome, mergedLayers(layers));
      type Listing = Pick<gen0166.SkillsListEntry, "skills" | "errors">;
      const scans = new Map<string, Promise<Listing>>();
      const scan = (cwd: string): Promise<Listing> => {
        let pending = scans.get(cwd);
        if (!pending) {
          pending = (async () => {
            const { skills, errors } = await loadSkills({
              codexHome: s.codexHome,
              homeDir: s.homeDir,
              cwd,
              projectRootMarkers,
              extraRoots,
              pluginRoots,
            });
            const disabled = await disabledSkillPaths(skills, rules);
            return { skills: skills.map((skill) => skillMetadata(skill, !disabled.has(skill.path))), errors };
          })();
          scans.set(cwd, pending);
        }
        return pending;
      };
      const data: gen0166.SkillsListEntry[] = [];
      for (const cwd of cwds) {
        try {
          data.push({ cwd, ...(await scan(resolve(cwd))) });
        } catch (err) {
          data.push({
            cwd,
            skills: [],
            errors: [{ path: cwd, message: `failed to list skills: ${(err as Error).message}` }],
          });
        }
      }
      return { data };
    },
  };
}
