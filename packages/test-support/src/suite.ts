import { type ProtocolDefinition, protocol058 } from "@codex-ts/app-server-client";
import { afterAll, beforeAll } from "vitest";
import { type StartAppServerOptions, startAppServer, type TestAppServer } from "./app-server-harness.js";
import { type MockCodexHomeOptions, mockCodexHome } from "./codex-home.js";
import { type MockModelServer, type ScriptedResponse, startMockModelServer } from "./mock-model-server.js";
import { tempDir } from "./temp-dirs.js";

/** What an e2e test file drives app servers with (see `useAppServerSuite`). */
export interface AppServerSuite {
  /** The suite's mock model server, started before the first test. */
  readonly mock: MockModelServer;
  /** A mock model server of its own (e.g. one per server in a comparison), closed with the suite. */
  newMock(script?: ScriptedResponse[]): Promise<MockModelServer>;
  /** A fresh CODEX_HOME whose model provider is `mock` (default: the suite's mock). */
  home(options?: MockCodexHomeOptions & { mock?: MockModelServer }): Promise<string>;
  /** A fresh working directory (its real path). */
  workdir(prefix?: string): Promise<string>;
  /**
   * Starts an app server (ours unless `bin` says otherwise; CODEX_HOME a fresh `home()` unless given) and, unless
   * `initialize: false`, initializes it as `test-client` 1.2.3.
   */
  start(options?: StartAppServerOptions & { initialize?: boolean }): Promise<TestAppServer>;
  start<P extends ProtocolDefinition>(
    options: StartAppServerOptions<P> & { protocol: P; initialize?: boolean },
  ): Promise<TestAppServer<P>>;
}

/**
 * Registers the file's (or describe block's) fixture: the mock model servers, temp CODEX_HOME and work dirs, and the
 * app servers it starts, all stopped or removed after the last test. (Every harness client is also checked against
 * the protocol registry after each test by the shared vitest setup.)
 */
export function useAppServerSuite(): AppServerSuite {
  const mocks: MockModelServer[] = [];
  let mock: MockModelServer | undefined;
  beforeAll(async () => {
    mock = await startMockModelServer([]);
    mocks.push(mock);
  });
  afterAll(async () => {
    await Promise.all(mocks.splice(0).map((m) => m.close()));
  });
  const suite: AppServerSuite = {
    get mock() {
      if (!mock) throw new Error("the suite's mock model server starts in beforeAll");
      return mock;
    },
    async newMock(script = []) {
      const m = await startMockModelServer(script);
      mocks.push(m);
      return m;
    },
    home: ({ mock: m, ...options } = {}) => mockCodexHome((m ?? suite.mock).baseUrl, options),
    workdir: (prefix = "codex-work-") => tempDir(prefix),
    async start<P extends ProtocolDefinition>({
      initialize = true,
      ...options
    }: StartAppServerOptions<P> & { initialize?: boolean } = {}) {
      const home = options.home ?? (await suite.home());
      const c = await startAppServer({ ...options, home, protocol: (options.protocol ?? protocol058) as P });
      if (initialize) await c.initialize();
      return c;
    },
  };
  return suite;
}
