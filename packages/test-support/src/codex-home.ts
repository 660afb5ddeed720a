import fs from "node:fs/promises";
import path from "node:path";
import { tempDir } from "./temp-dirs.js";

export interface MockCodexHomeOptions {
  /** Default `gpt-5-codex` (`gpt-5.5` with `modern`). */
  model?: string;
  /** Top-level keys and any other tables, placed above the provider's table. */
  toml?: string;
  /** The temp dir's name prefix. */
  prefix?: string;
  /** Write into this directory (created when missing) instead of a new temp dir. */
  dir?: string;
  /** The provider's wire protocol (default `responses`). */
  wireApi?: "responses" | "chat";
  /** More lines in the provider's table (e.g. `env_key = "…"`). */
  provider?: string[];
  /** The provider's request and stream retry budgets (default 0 and 0, so a scripted failure is seen at once). */
  retries?: { request: number; stream: number };
  /**
   * Readable by codex 0.166.0 as well: no login needed (`requires_openai_auth = false`), no update check, analytics
   * and feedback off, and `[features] plugins = false`, without which 0.166.0 reaches for github.com and chatgpt.com
   * at startup. `toml` must then not define those tables.
   */
  modern?: boolean;
}

/** The tables that keep codex 0.166.0 offline and quiet (see `MockCodexHomeOptions.modern`). */
const MODERN_TABLES = [
  "[analytics]",
  "enabled = false",
  "",
  "[feedback]",
  "enabled = false",
  "",
  "[features]",
  "plugins = false",
  "",
];

/**
 * A CODEX_HOME (a fresh temp dir unless `dir` is given) whose config.toml makes the mock model server at `baseUrl`
 * the model provider (`mock`, Responses API unless `wireApi` says otherwise, no retries). With `modern`, codex
 * 0.166.0 runs on it too; its default model `gpt-5.5` is one of 0.166.0's catalogue, the one for which 0.166.0
 * offers function tools (for the others it sends a code-mode request without them).
 */
export async function mockCodexHome(baseUrl: string, o: MockCodexHomeOptions = {}): Promise<string> {
  const dir = o.dir ?? (await tempDir(o.prefix ?? "codex-e2e-"));
  if (o.dir) await fs.mkdir(o.dir, { recursive: true });
  const config = [
    `model = ${JSON.stringify(o.model ?? (o.modern ? "gpt-5.5" : "gpt-5-codex"))}`,
    'model_provider = "mock"',
    ...(o.modern ? ["check_for_update_on_startup = false"] : []),
    o.toml ?? "",
    ...(o.modern ? MODERN_TABLES : []),
    "[model_providers.mock]",
    'name = "Mock"',
    `base_url = ${JSON.stringify(baseUrl)}`,
    `wire_api = ${JSON.stringify(o.wireApi ?? "responses")}`,
    ...(o.modern ? ["requires_openai_auth = false"] : []),
    `request_max_retries = ${o.retries?.request ?? 0}`,
    `stream_max_retries = ${o.retries?.stream ?? 0}`,
    ...(o.provider ?? []),
    "",
  ].join("\n");
  await fs.writeFile(path.join(dir, "config.toml"), config);
  return dir;
}

/** The rollout files (`*.jsonl`) under a CODEX_HOME's `sessions/` and `archived_sessions/`, as absolute paths, sorted. */
export async function rolloutFiles(codexHome: string): Promise<string[]> {
  const found: string[] = [];
  for (const dir of ["sessions", "archived_sessions"]) {
    const root = path.join(codexHome, dir);
    const entries = await fs.readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries)
      if (e.isFile() && e.name.endsWith(".jsonl")) found.push(path.join(e.parentPath, e.name));
  }
  return found.sort();
}
