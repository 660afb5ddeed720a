import fs from "node:fs/promises";
import path from "node:path";

/**
 * Writes a CODEX_HOME whose only model provider is the mock model server at `baseUrl`, readable by this server and
 * by codex 0.166.0 alike: no login needed (`requires_openai_auth = false`), no HTTP re-sends, no update check, analytics
 * and feedback off, and `[features] plugins = false`, without which 0.166.0 reaches for github.com and chatgpt.com
 * at startup. `model` defaults to `gpt-5.5`, a model outside 0.166.0's built-in catalogue (for its catalogue models
 * 0.166.0 replaces the tools with a code-mode tool). `extra` is TOML placed before the tables; `streamMaxRetries`
 * (default 0) lets a failed model stream be sent again.
 */
export async function writeModernCodexHome(
  dir: string,
  baseUrl: string,
  o: { model?: string; extra?: string; streamMaxRetries?: number } = {},
): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const toml = [
    `model = ${JSON.stringify(o.model ?? "gpt-5.5")}`,
    'model_provider = "mock"',
    "check_for_update_on_startup = false",
    o.extra ?? "",
    "[analytics]",
    "enabled = false",
    "",
    "[feedback]",
    "enabled = false",
    "",
    "[features]",
    "plugins = false",
    "",
    "[model_providers.mock]",
    'name = "Mock"',
    `base_url = ${JSON.stringify(baseUrl)}`,
    'wire_api = "responses"',
    "requires_openai_auth = false",
    "request_max_retries = 0",
    `stream_max_retries = ${o.streamMaxRetries ?? 0}`,
    "",
  ].join("\n");
  await fs.writeFile(path.join(dir, "config.toml"), toml);
  return dir;
}
