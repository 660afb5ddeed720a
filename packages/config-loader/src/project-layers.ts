import { realpath, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { TomlTable } from "@codex-ts/json-to-toml";
import { isTomlTable } from "@codex-ts/json-to-toml";
import { readFilePrefix } from "./bounded-fs/index.js";
import { CONFIG_FILE_MAX_BYTES, readConfigText } from "./config-text.js";
import { ConfigError } from "./errors.js";
import { resolveLayerPaths } from "./project-paths.js";
import { parseToml } from "./toml-file.js";
import { emptyTable } from "./toml-table.js";

/**
 * Keys a project's `.codex/config.toml` may not set (0.166.0's list): the project's files come from its repository,
 * so they do not get to choose where the user's credentials go or which local commands run. They are dropped from
 * the layer (its reported `config` and `version` included); user, system, managed and `-c` layers still set them.
 */
export const PROJECT_DENIED_KEYS = [
  "openai_base_url",
  "chatgpt_base_url",
  "apps_mcp_product_sku",
  "model_provider",
  "model_providers",
  "notify",
  "profile",
  "profiles",
  "experimental_realtime_webrtc_call_base_url",
  "experimental_realtime_ws_base_url",
  "otel",
] as const;

/** How much of a linked worktree's `.git` file is read (its `gitdir:` line). */
const GIT_FILE_MAX_BYTES = 4096;

/** One project folder's layer: its `.codex` folder, its (sanitized) table, and why it is off when untrusted. */
export interface ProjectLayerEntry {
  dotCodexFolder: string;
  file: string;
  table: TomlTable;
  disabledReason?: string;
}

export interface ProjectLayerOptions {
  /** The thread's (or request's) working directory, absolute. */
  cwd: string;
  codexHome: string;
  /** The user's `config.toml`, named by the reason an untrusted layer is off. */
  userConfigFile: string;
  /** The layers below the project's merged (system, user, `-c`): their `project_root_markers` and `projects`. */
  below: TomlTable;
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );
const isDirectory = (path: string) =>
  stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );

/** `dir` and its ancestors, nearest first. */
function ancestors(dir: string): string[] {
  const out = [dir];
  for (let d = dir; dirname(d) !== d; d = dirname(d)) out.push(dirname(d));
  return out;
}

/** `project_root_markers` (default `[".git"]`); a value that is not a list of strings is a config error. */
function rootMarkers(below: TomlTable): string[] {
  const markers = below.project_root_markers;
  if (markers === undefined) return [".git"];
  if (!Array.isArray(markers) || !markers.every((m) => typeof m === "string"))
    throw new ConfigError("invalid value for `project_root_markers`: expected an array of strings");
  return markers as string[];
}

/**
 * Whether `dir/.git` makes `dir` a checkout: a `.git` file (a linked worktree's pointer) or a `.git` directory with a
 * `HEAD` (0.166.0 ignores an empty `.git` directory).
 */
async function isCheckout(dir: string): Promise<boolean> {
  const info = await stat(join(dir, ".git")).catch(() => null);
  if (!info) return false;
  return info.isFile() || (info.isDirectory() && (await exists(join(dir, ".git", "HEAD"))));
}

/** The nearest ancestor of `cwd` (itself included) holding one of the markers; `cwd` when none (or no markers). */
async function projectRoot(cwd: string, markers: readonly string[]): Promise<string> {
  if (markers.length === 0) return cwd;
  for (const dir of ancestors(cwd)) {
    for (const marker of markers) {
      if (marker === ".git" ? await isCheckout(dir) : await exists(join(dir, marker))) return dir;
    }
  }
  return cwd;
}

/**
 * The repository whose trust a checkout inherits: the directory holding `.git`, or, for a linked worktree (a `.git`
 * file pointing into `<repo>/.git/worktrees/<name>`), the main checkout.
 */
async function repoRoot(cwd: string): Promise<string | undefined> {
  const start = (await isDirectory(cwd)) ? cwd : dirname(cwd);
  for (const dir of ancestors(start)) {
    if (!(await isCheckout(dir))) continue;
    const dotGit = join(dir, ".git");
    const info = await stat(dotGit).catch(() => null);
    if (info?.isFile()) {
      // A `.git` file is one `gitdir:` line; read a bounded prefix of a regular file only (never a FIFO).
      const text = (await readFilePrefix(dotGit, GIT_FILE_MAX_BYTES).catch(() => Buffer.alloc(0))).toString(
        "utf8",
      );
      const gitdir = /^gitdir:\s*(.+)$/m.exec(text)?.[1]?.trim();
      const at = gitdir ? resolve(dir, gitdir).lastIndexOf("/.git/worktrees/") : -1;
      if (gitdir && at > 0) return resolve(dir, gitdir).slice(0, at);
    }
    return dir;
  }
  return undefined;
}

/** The keys a directory is looked up by in `[projects]`: its real path, then the path as given. */
async function trustKeys(dir: string): Promise<string[]> {
  const real = await realpath(dir).catch(() => dir);
  return real === dir ? [dir] : [real, dir];
}

type Trust = "trusted" | "untrusted";

interface TrustContext {
  trust: Map<string, Trust>;
  rootKeys: string[];
  repoKeys: string[] | undefined;
}

function lookup(ctx: TrustContext, keys: readonly string[]): { key: string; level: Trust } | undefined {
  for (const key of keys) {
    const level = ctx.trust.get(key);
    if (level) return { key, level };
  }
  return undefined;
}

/**
 * Why `dir`'s layer is off, or undefined when it is on. The folder's own `[projects]` entry decides first, then the
 * project root's, then the repository's (so a worktree inherits its repository's trust), in 0.166.0's words.
 */
async function disabledReason(
  dir: string,
  ctx: TrustContext,
  userConfigFile: string,
): Promise<string | undefined> {
  const found =
    lookup(ctx, await trustKeys(dir)) ??
    lookup(ctx, ctx.rootKeys) ??
    (ctx.repoKeys && lookup(ctx, ctx.repoKeys));
  if (found?.level === "trusted") return undefined;
  const gated = "project-local config, hooks, and exec policies";
  if (found)
    return `${found.key} is marked as untrusted in the effective configuration. To load ${gated}, update its trust setting. If that setting is managed by your organization, contact your administrator.`;
  const key = ctx.repoKeys?.[0] ?? ctx.rootKeys[0];
  return `To load ${gated}, add ${key} as a trusted project in ${userConfigFile}.`;
}

function trustLevels(below: TomlTable): Map<string, Trust> {
  const out = new Map<string, Trust>();
  const projects = below.projects;
  if (!isTomlTable(projects)) return out;
  for (const [key, entry] of Object.entries(projects)) {
    const level = isTomlTable(entry) ? entry.trust_level : undefined;
    if (level === "trusted" || level === "untrusted") out.set(key, level);
  }
  return out;
}

/** Drops the keys a project may not set (and `features.respect_system_proxy`); returns a new table. */
export function sanitizeProjectTable(table: TomlTable): TomlTable {
  const out: TomlTable = Object.assign(emptyTable(), table);
  for (const key of PROJECT_DENIED_KEYS) delete out[key];
  const features = out.features;
  if (isTomlTable(features) && "respect_system_proxy" in features) {
    const kept: TomlTable = Object.assign(emptyTable(), features);
    delete kept.respect_system_proxy;
    out.features = kept;
  }
  return out;
}

/**
 * A project folder's `config.toml`: missing is an empty table, and so is one that does not parse while the
 * folder is untrusted (it is not loaded anyway); a trusted one that does not parse is an error.
 */
async function readProjectTable(file: string, trusted: boolean): Promise<TomlTable> {
  let text: string | undefined;
  try {
    text = await readConfigText(file, { maxBytes: CONFIG_FILE_MAX_BYTES, strictUtf8: true });
  } catch (err) {
    if (!trusted) return emptyTable();
    throw err;
  }
  if (text === undefined) return emptyTable();
  try {
    return parseToml(text, file);
  } catch (err) {
    if (!trusted) return emptyTable();
    throw new ConfigError(`Error parsing project config file ${(err as Error).message}`, file);
  }
}

/**
 * 0.166.0's project layers for `cwd`: a layer for each folder from the project root (the nearest ancestor with a
 * `project_root_markers` entry, else `cwd`) down to `cwd` that has a `.codex` directory (its `config.toml`, or an
 * empty table), root first (lowest precedence). `CODEX_HOME` itself is never one. Layers of untrusted folders are
 * listed with the reason they are off; callers leave them out of the merged config.
 */
export async function readProjectLayers(o: ProjectLayerOptions): Promise<ProjectLayerEntry[]> {
  const cwd = resolve(o.cwd);
  const root = await projectRoot(cwd, rootMarkers(o.below));
  const repo = await repoRoot(cwd);
  const ctx: TrustContext = {
    trust: trustLevels(o.below),
    rootKeys: await trustKeys(root),
    repoKeys: repo === undefined ? undefined : await trustKeys(repo),
  };
  const dirs: string[] = [];
  for (const dir of ancestors(cwd)) {
    dirs.push(dir);
    if (dir === root) break;
  }
  dirs.reverse();
  const home = resolve(o.codexHome);
  const realHome = await realpath(home).catch(() => home);
  const layers: ProjectLayerEntry[] = [];
  for (const dir of dirs) {
    const dotCodex = join(dir, ".codex");
    if (!(await isDirectory(dotCodex))) continue;
    if (dotCodex === home || (await realpath(dotCodex).catch(() => dotCodex)) === realHome) continue;
    const reason = await disabledReason(dir, ctx, o.userConfigFile);
    const file = join(dotCodex, "config.toml");
    const table = resolveLayerPaths(
      sanitizeProjectTable(await readProjectTable(file, reason === undefined)),
      dotCodex,
    );
    layers.push({
      dotCodexFolder: dotCodex,
      file,
      table,
      ...(reason !== undefined ? { disabledReason: reason } : {}),
    });
  }
  return layers;
}

/**
 * The trust of the project a thread works in (0.166.0's active project): the `[projects]` entry of `cwd`, else of
 * its repository's root (so worktrees inherit it); undefined when neither has one.
 */
export async function activeProjectTrust(cwd: string, merged: TomlTable): Promise<Trust | undefined> {
  const trust = trustLevels(merged);
  if (trust.size === 0) return undefined;
  const dir = resolve(cwd);
  const ctx: TrustContext = { trust, rootKeys: await trustKeys(dir), repoKeys: undefined };
  const own = lookup(ctx, ctx.rootKeys);
  if (own) return own.level;
  const repo = await repoRoot(dir);
  return repo === undefined ? undefined : lookup(ctx, await trustKeys(repo))?.level;
}
