import fs from "node:fs/promises";
import path from "node:path";
import { tempDir } from "./temp-dirs.js";

export interface MockCodexHomeOptions {
  model?: string;
  /** Top-level keys and any other tables, placed above the provider's table. */
  toml?: string;
  /** The temp dir's name prefix. */
  prefix?: string;
  /** The provider's wire protocol (default `responses`). */
  wireApi?: "responses" | "chat";
  /** More lines in the provider's table (e.g. `env_key = "…"`). */
  provider?: string[];
  /** The provider's request and stream retry budgets (default 0 and 0, so a scripted failure is seen at once). */
  retries?: { request: number; stream: number };
}

/**
 * A fresh CODEX_HOME (a temp dir) whose config.toml makes the mock model server at `baseUrl` the model provider
 * (`mock`, Responses API unless `wireApi` says otherwise, no retries).
 */
export async function mockCodexHome(baseUrl: string, o: MockCodexHomeOptions = {}): Promise<string> {
  const dir = await tempDir(o.prefix ?? "codex-e2e-");
  const config = [
    `model = ${JSON.stringify(o.model ?? "gpt-5-codex")}`,
    'model_provider = "mock"',
    o.toml ?? "",
    "[model_providers.mock]",
    'name = "Mock"',
    `base_url = ${JSON.stringify(baseUrl)}`,
    `wire_api = ${JSON.stringify(o.wireApi ?? "responses")}`,
    `request_max_retries = ${o.retries?.request ?? 0}`,
    `stream_max_retries = ${o.retries?.stream ?? 0}`,
    ...(o.provider ?? []),
    "",
  ].join("\n");
  await fs.writeFile(path.join(dir, "config.toml"), config);
  return dir;
}

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
