import { realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError } from "./errors.js";

/**
 * Locates CODEX_HOME: the `CODEX_HOME` environment variable when set (it must exist and be a directory; the
 * returned path is canonical), else `~/.codex`, which need not exist yet.
 */
export function findCodexHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.CODEX_HOME;
  if (fromEnv !== undefined && fromEnv.trim() !== "") {
    const path = resolve(fromEnv);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new ConfigError(`CODEX_HOME points to ${path}, which does not exist`);
    }
    if (!isDir) throw new ConfigError(`CODEX_HOME points to ${path}, which is not a directory`);
    return realpathSync(path);
  }
  return join(env.HOME ?? homedir(), ".codex");
}
