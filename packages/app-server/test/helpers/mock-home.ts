import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/**
 * A fresh CODEX_HOME whose config.toml makes the mock model server at `baseUrl` the model provider (Responses API,
 * no retries, so a scripted failure is seen at once). `toml` is placed above the provider's table: top-level keys
 * and any other tables the test needs; `wireApi` picks the provider's wire protocol and `provider` adds lines to its
 * table (e.g. `env_key`); `retries` replaces the zero retry budgets.
 */
export async function mockCodexHome(
  baseUrl: string,
  o: {
    model?: string;
    toml?: string;
    prefix?: string;
    wireApi?: "responses" | "chat";
    provider?: string[];
    retries?: { request: number; stream: number };
  } = {},
): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), o.prefix ?? "codex-e2e-"));
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
