import { join } from "node:path";

/**
 * Names the directory of the machine-wide Codex files (`config.toml`, `requirements.toml`, `managed_config.toml`)
 * instead of `/etc/codex`: tests point it at a temp dir, since they must never write into the real `/etc`.
 */
export const SYSTEM_CONFIG_DIR_ENV = "CODEX_TS_SYSTEM_CONFIG_DIR";

/** `/etc/codex` (Windows: `%ProgramData%\OpenAI\Codex`), or the directory `CODEX_TS_SYSTEM_CONFIG_DIR` names. */
export function systemConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  const named = env[SYSTEM_CONFIG_DIR_ENV];
  if (named) return named;
  if (process.platform === "win32") return join(env.ProgramData ?? "C:\\ProgramData", "OpenAI", "Codex");
  return "/etc/codex";
}
