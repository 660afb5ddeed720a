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
