import fs from "node:fs/promises";
import path from "node:path";
import { tempDir } from "@codex-ts/test-support";

/**
 * A throwaway CODEX_HOME for the demos whose only model provider is the bundled local model server at `baseUrl`
 * (Responses API over SSE on 127.0.0.1: no API key, no network). `prefix` names its temp dir.
 */
export async function demoCodexHome(prefix: string, baseUrl: string): Promise<string> {
  const codexHome = await tempDir(prefix);
  await fs.writeFile(
    path.join(codexHome, "config.toml"),
    [
      'model = "gpt-5-codex"',
      'model_provider = "local"',
      "[model_providers.local]",
      'name = "bundled local model server"',
      `base_url = "${baseUrl}"`,
      'wire_api = "responses"',
      "",
    ].join("\n"),
  );
  return codexHome;
}
