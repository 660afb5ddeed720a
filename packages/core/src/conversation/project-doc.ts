import { lstat, realpath, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type Config, FileReadError, isMissingPath, readFilePrefix } from "@codex-ts/config-loader";

/**
 * Project instructions (AGENTS.md files), found and combined the way Codex 0.58.0 does when a session starts:
 * every directory from the project root (the nearest ancestor of cwd holding `.git`; without one, cwd alone) down
 * to cwd contributes its first doc file, root first, within a byte budget shared by all files.
 */

/** Names tried in each directory before the configured fallbacks; the first that is a file (or symlink) wins. */
const PROJECT_DOC_NAMES = ["AGENTS.override.md", "AGENTS.md"];

/** Between the user's own instructions (CODEX_HOME/AGENTS.md) and the project docs. */
export const PROJECT_DOC_SEPARATOR = "\n\n--- project-doc ---\n\n";

export interface ProjectDocOptions {
  /** Total bytes read across all files; 0 turns project docs off. */
  maxBytes: number;
  /** Extra names tried after AGENTS.override.md and AGENTS.md (empty names ignored). */
  fallbackFilenames: readonly string[];
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isMissingPath(err)) return false;
    throw err;
  }
}

/** The directories searched, project root first: root..cwd when a `.git` (dir or file) is above, else cwd alone. */
async function searchDirs(cwd: string): Promise<string[]> {
  const start = await realpath(cwd).catch(() => cwd);
  const chain = [start];
  // Like Codex, the filesystem root itself is never taken for a project root.
  for (let dir = start; dirname(dir) !== dir; dir = dirname(dir)) {
    if (await exists(join(dir, ".git"))) return chain.reverse();
    chain.push(dirname(dir));
  }
  return [cwd];
}

function candidateNames(fallbacks: readonly string[]): string[] {
  const names = [...PROJECT_DOC_NAMES];
  for (const name of fallbacks) if (name !== "" && !names.includes(name)) names.push(name);
  return names;
}

/** The doc file of each searched directory, root first (symlinks are taken as they are; dangling ones skip later). */
export async function discoverProjectDocs(cwd: string, fallbacks: readonly string[]): Promise<string[]> {
  const names = candidateNames(fallbacks);
  const found: string[] = [];
  for (const dir of await searchDirs(cwd)) {
    for (const name of names) {
      const candidate = join(dir, name);
      try {
        const st = await lstat(candidate);
        if (st.isFile() || st.isSymbolicLink()) {
          found.push(candidate);
          break;
        }
      } catch (err) {
        if (!isMissingPath(err)) throw err;
      }
    }
  }
  return found;
}

/**
 * Reads at most `limit` bytes of `path`, allocating no more than the file holds (a budget of 2^31 bytes once
 * made the read allocate it up front and abort the process); null when it vanished, is a dangling symlink, or is
 * not a regular file (a FIFO named AGENTS.md is skipped, never opened).
 */
async function readPrefix(path: string, limit: number): Promise<Buffer | null> {
  try {
    return await readFilePrefix(path, limit);
  } catch (err) {
    if (isMissingPath(err) || (err instanceof FileReadError && err.reason === "not-regular")) return null;
    throw err;
  }
}

/**
 * The project docs joined by a blank line, or undefined when there are none. A file that does not fit the
 * remaining budget is cut at a byte boundary (a split UTF-8 sequence becomes U+FFFD, as Codex's lossy decoding
 * does); blank files are skipped and use no budget. Any other I/O failure drops the project docs altogether,
 * as 0.58.0 does (it logs the error and goes on without them).
 */
export async function readProjectDocs(cwd: string, o: ProjectDocOptions): Promise<string | undefined> {
  if (o.maxBytes <= 0) return undefined;
  try {
    let remaining = o.maxBytes;
    const parts: string[] = [];
    for (const path of await discoverProjectDocs(cwd, o.fallbackFilenames)) {
      if (remaining === 0) break;
      const data = await readPrefix(path, remaining);
      if (data === null) continue;
      const text = data.toString("utf8");
      if (text.trim() === "") continue;
      parts.push(text);
      remaining -= data.length;
    }
    return parts.length ? parts.join("\n\n") : undefined;
  } catch {
    return undefined;
  }
}

/** The user's instructions, then the separator and the project docs; undefined when both are absent. */
export function combineInstructions(
  user: string | undefined,
  projectDocs: string | undefined,
): string | undefined {
  if (!projectDocs) return user || undefined;
  return user ? `${user}${PROJECT_DOC_SEPARATOR}${projectDocs}` : projectDocs;
}

/**
 * The config a conversation runs with: `userInstructions` extended with the project docs of `config.cwd`. Computed
 * once when the conversation starts or resumes; a later turn with another cwd keeps it (0.58.0 does not re-read).
 */
export async function withProjectDocs(config: Config): Promise<Config> {
  const docs = await readProjectDocs(config.cwd, {
    maxBytes: config.projectDocMaxBytes,
    fallbackFilenames: config.projectDocFallbackFilenames,
  });
  const { userInstructions: _user, ...rest } = config;
  const combined = combineInstructions(config.userInstructions, docs);
  return combined === undefined ? rest : { ...rest, userInstructions: combined };
}
