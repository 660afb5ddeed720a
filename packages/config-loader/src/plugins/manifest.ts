// A plugin's manifest (`.codex-plugin/plugin.json`), read bounded and parsed the way codex 0.166.0 parses it:
// unknown fields ignored, paths required to be `./…` inside the plugin, a bad optional field dropped (not fatal).
import { lstat } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { FileReadError, findInvalidUtf8, isMissingPath, readBoundedFile } from "../bounded-fs/index.js";

/** Where a plugin keeps its manifest, in 0.166.0's order of preference. */
export const PLUGIN_MANIFEST_PATHS = [".codex-plugin/plugin.json", ".claude-plugin/plugin.json"] as const;
/** A manifest larger than this is refused (Codex reads any size; a manifest is a few KiB). */
export const PLUGIN_MANIFEST_MAX_BYTES = 256 * 1024;
/** 0.166.0 keeps at most three default prompts of at most 128 characters. */
const MAX_DEFAULT_PROMPTS = 3;
const MAX_DEFAULT_PROMPT_CHARS = 128;

export interface PluginManifestInterface {
  displayName: string | null;
  shortDescription: string | null;
  longDescription: string | null;
  developerName: string | null;
  category: string | null;
  capabilities: string[];
  websiteUrl: string | null;
  privacyPolicyUrl: string | null;
  termsOfServiceUrl: string | null;
  defaultPrompt: string[] | null;
  brandColor: string | null;
  composerIcon: string | null;
  logo: string | null;
  logoDark: string | null;
  screenshots: string[];
}

export interface PluginManifest {
  name: string;
  version: string | null;
  description: string | null;
  keywords: string[];
  /** Skill directories (absolute, inside the plugin); empty: the plugin's `skills/`. */
  skills: string[];
  /** `mcpServers`: a file (absolute, inside the plugin) or the servers themselves; null: the plugin's `.mcp.json`. */
  mcpServers: { path: string } | { servers: Record<string, unknown> } | null;
  interface: PluginManifestInterface | null;
}

/** A manifest that is missing, unreadable or not a manifest; the message is 0.166.0's where it has one. */
export class PluginManifestError extends Error {
  override readonly name = "PluginManifestError";
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

/** A manifest path (`./…`, no `..`) resolved inside the plugin root; null (field ignored) otherwise. */
export function manifestPath(root: string, path: unknown): string | null {
  if (typeof path !== "string" || !path.startsWith("./")) return null;
  const rest = path.slice(2);
  if (rest.length === 0 || rest.split(/[\\/]/).some((c) => c === ".." || c === ".")) return null;
  const abs = resolve(root, rest);
  return abs === root || abs.startsWith(root + sep) ? abs : null;
}

function defaultPrompts(v: unknown): string[] | null {
  const items = typeof v === "string" ? [v] : Array.isArray(v) ? v : [];
  const prompts: string[] = [];
  for (const item of items) {
    if (prompts.length >= MAX_DEFAULT_PROMPTS) break;
    if (typeof item !== "string") continue;
    const prompt = item.split(/\s+/).filter(Boolean).join(" ");
    if (prompt && [...prompt].length <= MAX_DEFAULT_PROMPT_CHARS) prompts.push(prompt);
  }
  return prompts.length > 0 ? prompts : null;
}

function parseInterface(root: string, raw: unknown): PluginManifestInterface | null {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return null;
  const r = raw as Record<string, unknown>;
  const i: PluginManifestInterface = {
    displayName: str(r.displayName),
    shortDescription: str(r.shortDescription),
    longDescription: str(r.longDescription),
    developerName: str(r.developerName),
    category: str(r.category),
    capabilities: strings(r.capabilities),
    websiteUrl: str(r.websiteUrl ?? r.websiteURL),
    privacyPolicyUrl: str(r.privacyPolicyUrl ?? r.privacyPolicyURL),
    termsOfServiceUrl: str(r.termsOfServiceUrl ?? r.termsOfServiceURL),
    defaultPrompt: defaultPrompts(r.defaultPrompt),
    brandColor: str(r.brandColor),
    composerIcon: manifestPath(root, r.composerIcon),
    logo: manifestPath(root, r.logo),
    logoDark: manifestPath(root, r.logoDark),
    screenshots: strings(r.screenshots)
      .map((s) => manifestPath(root, s))
      .filter((s): s is string => s !== null),
  };
  const empty = Object.values(i).every((v) => v === null || (Array.isArray(v) && v.length === 0));
  return empty ? null : i;
}

/** The manifest's text parsed (`root` is the plugin's directory; the name falls back to its last component). */
export function parsePluginManifest(root: string, text: string): PluginManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new PluginManifestError(`failed to parse plugin.json: ${(err as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new PluginManifestError("failed to parse plugin.json: expected an object");
  const r = raw as Record<string, unknown>;
  // 0.166.0's serde types: a field of the wrong type fails the whole manifest.
  if (r.name !== undefined && typeof r.name !== "string")
    throw new PluginManifestError("failed to parse plugin.json: `name` must be a string");
  for (const key of ["version", "description"] as const) {
    if (r[key] !== undefined && r[key] !== null && typeof r[key] !== "string")
      throw new PluginManifestError(`failed to parse plugin.json: \`${key}\` must be a string`);
  }
  if (r.keywords !== undefined && !Array.isArray(r.keywords))
    throw new PluginManifestError("failed to parse plugin.json: `keywords` must be an array of strings");
  const rawName = typeof r.name === "string" ? r.name : "";
  const name = rawName.trim() === "" ? (root.split(sep).pop() ?? "") : rawName;
  const version = typeof r.version === "string" && r.version.trim() !== "" ? r.version.trim() : null;
  const skills = (Array.isArray(r.skills) ? r.skills : r.skills === undefined ? [] : [r.skills])
    .map((p) => manifestPath(root, p))
    .filter((p): p is string => p !== null);
  let mcpServers: PluginManifest["mcpServers"] = null;
  if (typeof r.mcpServers === "string") {
    const path = manifestPath(root, r.mcpServers);
    if (path) mcpServers = { path };
  } else if (typeof r.mcpServers === "object" && r.mcpServers !== null && !Array.isArray(r.mcpServers)) {
    mcpServers = { servers: r.mcpServers as Record<string, unknown> };
  }
  return {
    name,
    version,
    description: str(r.description),
    keywords: strings(r.keywords),
    skills,
    mcpServers,
    interface: parseInterface(root, r.interface),
  };
}

/** The manifest file of the plugin at `root`: the first of `PLUGIN_MANIFEST_PATHS` that is a file; null: none. */
export async function findPluginManifest(root: string): Promise<string | null> {
  for (const rel of PLUGIN_MANIFEST_PATHS) {
    const path = join(root, rel);
    const st = await lstat(path).catch(() => null);
    if (st?.isFile()) return path;
  }
  return null;
}

/**
 * Reads and parses the manifest of the plugin at `root`: a regular file of at most `PLUGIN_MANIFEST_MAX_BYTES`,
 * UTF-8. Throws `PluginManifestError` for a missing, special, oversized, non-UTF-8 or malformed one.
 */
export async function readPluginManifest(root: string): Promise<PluginManifest> {
  const path = await findPluginManifest(root);
  if (!path) throw new PluginManifestError("missing plugin.json");
  let bytes: Buffer;
  try {
    bytes = await readBoundedFile(path, { maxBytes: PLUGIN_MANIFEST_MAX_BYTES });
  } catch (err) {
    if (err instanceof FileReadError)
      throw new PluginManifestError(`failed to read plugin.json: ${err.message}`);
    if (isMissingPath(err)) throw new PluginManifestError("missing plugin.json");
    throw new PluginManifestError(`failed to read plugin.json: ${(err as Error).message}`);
  }
  if (findInvalidUtf8(bytes))
    throw new PluginManifestError("failed to read plugin.json: stream did not contain valid UTF-8");
  return parsePluginManifest(root, bytes.toString("utf8"));
}

/** The manifest, or null when it is missing or invalid (0.166.0 lists such a plugin without its manifest's data). */
export const readPluginManifestOrNull = (root: string): Promise<PluginManifest | null> =>
  readPluginManifest(root).catch(() => null);
