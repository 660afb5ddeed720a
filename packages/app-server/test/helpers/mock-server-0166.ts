import path from "node:path";
import { type Protocol0166, protocol0166 } from "@codex-ts/app-server-protocol";
import {
  type AppServerSuite,
  type MockModelServer,
  referenceEnv0166,
  type TestAppServer,
} from "@codex-ts/test-support";

/** A 0.166 server (ours or codex 0.166.0) with a mock model server of its own, in `root`. */
export interface MockServer0166 {
  c: TestAppServer<Protocol0166>;
  mock: MockModelServer;
  root: string;
}

/**
 * Starts `impl` on a fresh modern CODEX_HOME (`<root>/codex-home`, with `toml`) whose provider is a new mock, and
 * initializes it as `client` with the experimental API.
 */
export async function startMockServer0166(
  suite: AppServerSuite,
  impl: "ours" | "real",
  o: {
    client: { name: string; version: string };
    prefix: string;
    toml?: string;
    args?: string[];
    /** Extra environment for this server (ours only). */
    env?: Record<string, string | undefined>;
  },
): Promise<MockServer0166> {
  const mock = await suite.newMock();
  const root = await suite.workdir(o.prefix);
  const home = await suite.home({
    mock,
    modern: true,
    dir: path.join(root, "codex-home"),
    ...(o.toml ? { toml: o.toml } : {}),
  });
  const c =
    impl === "ours"
      ? await suite.start({
          home,
          protocol: protocol0166,
          cwd: root,
          args: o.args ?? [],
          initialize: false,
          ...(o.env ? { env: o.env } : {}),
        })
      : await suite.start({
          bin: "0.166",
          home,
          protocol: protocol0166,
          cwd: root,
          env: referenceEnv0166(home, root),
          initialize: false,
        });
  await c.initialize(o.client, { experimentalApi: true });
  return { c, mock, root };
}
