import { type Config, loadConfig, parseOverride } from "@codex-ts/config-loader";
import { type MockModelServer, startMockModelServer, tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach } from "vitest";
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

/** What each test of a conversation suite gets fresh: a CODEX_HOME, a work dir, a mock model server, a manager. */
export interface ConversationFixtures {
  home: string;
  work: string;
  mock: MockModelServer;
  manager: ConversationManager;
}

/**
 * Registers the hooks of a conversation suite: before each test a fresh `<prefix>-home-` and `<prefix>-work-` (under
 * the run's temp root, removed by the harness), a mock model server and a manager over the home's sessions; after it,
 * every conversation shut down and the server closed. The returned object is filled in before each test.
 */
export function useConversationFixtures(prefix: string): ConversationFixtures {
  const fx = {} as ConversationFixtures;
  beforeEach(async () => {
    fx.home = await tempDir(`${prefix}-home-`);
    fx.work = await tempDir(`${prefix}-work-`);
    fx.mock = await startMockModelServer();
    fx.manager = testConversationManager(fx.home);
  });
  afterEach(async () => {
    await fx.manager.shutdownAll();
    await fx.mock.close();
  });
  return fx;
}
