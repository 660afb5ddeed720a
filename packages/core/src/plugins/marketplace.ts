// Marketplaces: a `marketplace.json` under `<root>/.agents/plugins/` (or `<root>/.claude-plugin/`) listing plugins,
// read bounded and resolved the way codex 0.166.0 resolves them. Only what the file says; nothing is fetched.
import { lstat } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import {
  FileReadError,
  findInvalidUtf8,
  isMissingPath,
  pluginSegmentError,
  readBoundedFile,
} from "@codex-ts/config-loader";
import { osErrorText } from "../rollout/os-error.js";
import { jsonSyntaxError } from "../tools/json-syntax-error.js";

/** Where a marketplace root keeps its manifest, in 0.166.0's order of preference. */
export const MARKETPLACE_MANIFEST_PATHS = [
  ".agents/plugins/marketplace.json",
  ".claude-plugin/marketplace.json",
] as const;
/** A marketplace file larger than this is refused (Codex reads any size). */
export const MARKETPLACE_MAX_BYTES = 1024 * 1024;

export type InstallPolicy = "NOT_AVAILABLE" | "AVAILABLE" | "INSTALLED_BY_DEFAULT";
export type AuthPolicy = "ON_INSTALL" | "ON_USE";

/** Where a plugin comes from: a directory of the marketplace, or a remote source this server does not fetch. */
export type MarketplacePluginSource =
  | { type: "local"; path: string }
  | { type: "git"; url: string; path: string | null; refName: string | null; sha: string | null }
  | { type: "npm"; package: string; version: string | null; registry: string | null };

export interface MarketplacePlugin {
  name: string;
  source: MarketplacePluginSource;
  installPolicy: InstallPolicy;
  authPolicy: AuthPolicy;
  /** `policy.products`: null when unrestricted; an empty list allows none. */
  products: string[] | null;
  /** The marketplace's `category` (it wins over the plugin manifest's). */
  category: string | null;
}

export interface Marketplace {
  name: string;
  /** The `marketplace.json` file. */
  path: string;
  displayName: string | null;
  plugins: MarketplacePlugin[];
}

/** A marketplace that cannot be used, in 0.166.0's words (`marketplace file … does not exist`, `invalid …`). */
export class MarketplaceError extends Error {
  override readonly name = "MarketplaceError";
}

const invalid = (path: string, message: string) =>
  new MarketplaceError(`invalid marketplace file \`${path}\`: ${message}`);

/** The manifest of the marketplace rooted at `root`; null when it has none. */
export async function findMarketplaceManifest(root: string): Promise<string | null> {
  for (const rel of MARKETPLACE_MANIFEST_PATHS) {
    const path = join(root, rel);
    if ((await lstat(path).catch(() => null))?.isFile()) return path;
  }
  return null;
}

/** The root a marketplace file belongs to: the directory above `.agents/plugins/` or `.claude-plugin/`. */
export function marketplaceRoot(path: string): string | null {
  for (const rel of MARKETPLACE_MANIFEST_PATHS) {
    const parts = rel.split("/");
    let current = path;
    let ok = true;
    for (const part of [...parts].reverse()) {
      if (current.split(sep).pop() !== part) {
        ok = false;
        break;
      }
      current = dirname(current);
    }
    if (ok) return current;
  }
  return null;
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const trimmed = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);

/** A `./…` path of a local plugin, inside the marketplace root. */
function localSourcePath(file: string, path: string): string {
  if (!path.startsWith("./")) throw invalid(file, "local plugin source path must start with `./`");
  const rest = path.slice(2);
  if (rest === "") throw invalid(file, "local plugin source path must not be empty");
  if (rest.split("/").some((c) => c === "" || c === "." || c === ".."))
    throw invalid(file, "local plugin source path must stay within the marketplace root");
  const root = marketplaceRoot(file);
  if (root === null) throw invalid(file, "marketplace file is not in a supported location");
  return resolve(root, rest);
}

function gitUrl(file: string, url: string): string {
  const u = url.trim();
  if (u === "") throw invalid(file, "git plugin source url must not be empty");
  if (u.startsWith("https://github.com/") && !u.endsWith(".git")) return `${u}.git`;
  if (/^(https?:\/\/|file:\/\/|\.\/|\.\.\/|\/|ssh:\/\/)/.test(u) || (u.startsWith("git@") && u.includes(":")))
    return u;
  if (/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(u)) return `https://github.com/${u}.git`;
  throw invalid(file, `invalid git plugin source url: ${u}`);
}

/** One entry's source; null for a kind 0.166.0 skips (it logs and lists the marketplace without it). */
function pluginSource(file: string, raw: unknown): MarketplacePluginSource | null {
  if (typeof raw === "string") return { type: "local", path: localSourcePath(file, raw) };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return null;
  const r = raw as Record<string, unknown>;
  switch (r.source) {
    case "local":
      return typeof r.path === "string" ? { type: "local", path: localSourcePath(file, r.path) } : null;
    case "url":
    case "git-subdir":
      if (typeof r.url !== "string") return null;
      return {
        type: "git",
        url: gitUrl(file, r.url),
        path: trimmed(r.path)?.replace(/^\.\//, "") ?? null,
        refName: trimmed(r.ref),
        sha: trimmed(r.sha),
      };
    case "npm":
      return typeof r.package === "string"
        ? { type: "npm", package: r.package, version: str(r.version), registry: str(r.registry) }
        : null;
    default:
      return null;
  }
}

const INSTALL_POLICIES: readonly string[] = ["NOT_AVAILABLE", "AVAILABLE", "INSTALLED_BY_DEFAULT"];
const AUTH_POLICIES: readonly string[] = ["ON_INSTALL", "ON_USE"];

/** Parses a marketplace file's text (`file` is its absolute path). */
export function parseMarketplace(file: string, text: string): Marketplace {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    // serde_json's words and position, as 0.166.0 reports a malformed file.
    throw invalid(file, jsonSyntaxError(text, "display") ?? (err as Error).message);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw invalid(file, "expected an object");
  const r = raw as Record<string, unknown>;
  if (typeof r.name !== "string") throw invalid(file, "missing field `name`");
  if (!Array.isArray(r.plugins)) throw invalid(file, "missing field `plugins`");
  const iface = r.interface as Record<string, unknown> | null | undefined;
  const plugins: MarketplacePlugin[] = [];
  for (const entry of r.plugins) {
    if (typeof entry !== "object" || entry === null || typeof (entry as { name?: unknown }).name !== "string")
      throw invalid(file, "every plugin needs a `name` and a `source`");
    const e = entry as Record<string, unknown>;
    const name = e.name as string;
    let source: MarketplacePluginSource | null;
    try {
      source = pluginSource(file, e.source);
    } catch {
      source = null; // 0.166.0 skips an entry whose source does not resolve
    }
    // An entry whose name cannot be a plugin id is skipped, as 0.166.0 skips it.
    if (!source || pluginSegmentError(name, "plugin name")) continue;
    const policy = (typeof e.policy === "object" && e.policy !== null ? e.policy : {}) as Record<
      string,
      unknown
    >;
    const installation = str(policy.installation) ?? "AVAILABLE";
    const authentication = str(policy.authentication) ?? "ON_INSTALL";
    if (!INSTALL_POLICIES.includes(installation))
      throw invalid(file, `unknown install policy \`${installation}\``);
    if (!AUTH_POLICIES.includes(authentication))
      throw invalid(file, `unknown auth policy \`${authentication}\``);
    plugins.push({
      name,
      source,
      installPolicy: installation as InstallPolicy,
      authPolicy: authentication as AuthPolicy,
      products: Array.isArray(policy.products) ? policy.products.filter((p) => typeof p === "string") : null,
      category: str(e.category),
    });
  }
  return {
    name: r.name,
    path: file,
    displayName: iface && typeof iface === "object" ? str(iface.displayName) : null,
    plugins,
  };
}

/** Reads the marketplace file at `file`: a regular UTF-8 file of at most `MARKETPLACE_MAX_BYTES`. */
export async function loadMarketplace(file: string): Promise<Marketplace> {
  let bytes: Buffer;
  try {
    bytes = await readBoundedFile(file, { maxBytes: MARKETPLACE_MAX_BYTES });
  } catch (err) {
    if (isMissingPath(err)) throw new MarketplaceError(`marketplace file \`${file}\` does not exist`);
    if (err instanceof FileReadError) throw invalid(file, err.message);
    throw new MarketplaceError(`failed to read marketplace file: ${osErrorText(err)}`);
  }
  if (findInvalidUtf8(bytes)) throw invalid(file, "stream did not contain valid UTF-8");
  return parseMarketplace(file, bytes.toString("utf8"));
}

/** Whether a marketplace entry may be installed (0.166.0: not `NOT_AVAILABLE`, and no empty product list). */
export const installable = (p: MarketplacePlugin): boolean =>
  p.installPolicy !== "NOT_AVAILABLE" && (p.products === null || p.products.length > 0);
