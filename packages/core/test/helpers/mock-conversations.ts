import { type Config, loadConfig, parseOverride } from "@codex-ts/config-loader";
import { ConversationManager, SessionsStore } from "../../src/index.js";

/**
 * A Config for tests whose model provider is the mock model server at `baseUrl` (Responses API, no retries), under a
 * throwaway CODEX_HOME. `overrides` are `-c` strings applied after the provider's, so a test can change retries,
 * policies or anything else; `cwd` is the conversation's working directory.
 */
export function mockConfig(o: {
  home: string;
  baseUrl: string;
  cwd?: string;
  overrides?: readonly string[];
}): Promise<Config> {
  return loadConfig({
    codexHome: o.home,
    env: {},
    managed: { configPath: null },
    cliOverrides: [
      "model_provider=mock",
      "model_providers.mock.name=Mock",
      `model_providers.mock.base_url="${o.baseUrl}"`,
      'model_providers.mock.wire_api="responses"',
      "model_providers.mock.request_max_retries=0",
      "model_providers.mock.stream_max_retries=0",
      ...(o.overrides ?? []),
    ].map(parseOverride),
    ...(o.cwd ? { overrides: { cwd: o.cwd } } : {}),
  });
}

/** A ConversationManager over `home`'s sessions, identifying itself as the 0.58.0 VS Code client does. */
export function testConversationManager(home: string): ConversationManager {
  return new ConversationManager({
    sessions: new SessionsStore(home),
    originator: "codex_cli_rs",
    cliVersion: "0.58.0",
    source: "vscode",
    userAgent: () => "codex_cli_rs/0.58.0 (test)",
  });
}
