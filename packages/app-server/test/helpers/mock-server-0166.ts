import path from "node:path";
import { type gen0166, type Protocol0166, protocol0166 } from "@codex-ts/app-server-protocol";
import {
  type AppServerSuite,
  type MockModelServer,
  referenceEnv0166,
  responses,
  type TestAppServer,
} from "@codex-ts/test-support";
import { NATIVE_WITH_ETC, nativeWithEtcCodex } from "./native-etc-codex.js";

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
    /** Another server's root, CODEX_HOME and mock to run on (e.g. to resume its threads); `toml` is then unused. */
    sharing?: MockServer0166;
    /** A folder that stands for /etc/codex (managed requirements, system layer): see `startOnHome0166`. */
    etcCodex?: string;
  },
): Promise<MockServer0166> {
  const mock = o.sharing?.mock ?? (await suite.newMock());
  const root = o.sharing?.root ?? (await suite.workdir(o.prefix));
  const home = o.sharing
    ? path.join(root, "codex-home")
    : await suite.home({
        mock,
        modern: true,
        dir: path.join(root, "codex-home"),
        ...(o.toml ? { toml: o.toml } : {}),
      });
  const c = await startOnHome0166(suite, impl, {
    home,
    cwd: root,
    client: o.client,
    ...(o.args ? { args: o.args } : {}),
    ...(o.env ? { env: o.env } : {}),
    ...(o.etcCodex ? { etcCodex: o.etcCodex } : {}),
  });
  return { c, mock, root };
}

/**
 * Starts `impl` on an existing CODEX_HOME (`home`, e.g. one another server wrote) in `cwd`, initialized as `client`
 * with the experimental API: the second reader of a store.
 */
export async function startOnHome0166(
  suite: AppServerSuite,
  impl: "ours" | "real",
  o: {
    home: string;
    cwd: string;
    client: { name: string; version: string };
    /** Extra arguments and environment (ours only). */
    args?: string[];
    env?: Record<string, string | undefined>;
    /** What `initialize` asks for (default: the experimental API). */
    capabilities?: { experimentalApi?: boolean };
    /**
     * A folder that stands for /etc/codex: ours reads it through `CODEX_TS_SYSTEM_CONFIG_DIR`, the native binary
     * in a mount namespace where it is /etc/codex (`NATIVE_WITH_ETC` must be set to start it).
     */
    etcCodex?: string;
  },
): Promise<TestAppServer<Protocol0166>> {
  const bin =
    o.etcCodex && impl === "real"
      ? { path: await nativeWithEtcCodex(path.dirname(o.home), o.etcCodex, NATIVE_WITH_ETC as string) }
      : ("0.166" as const);
  const env = o.etcCodex ? { ...o.env, CODEX_TS_SYSTEM_CONFIG_DIR: o.etcCodex } : o.env;
  const c =
    impl === "ours"
      ? await suite.start({
          home: o.home,
          protocol: protocol0166,
          cwd: o.cwd,
          args: o.args ?? [],
          initialize: false,
          ...(env ? { env } : {}),
        })
      : await suite.start({
          bin,
          home: o.home,
          protocol: protocol0166,
          cwd: o.cwd,
          env: referenceEnv0166(o.home, o.cwd),
          initialize: false,
        });
  await c.initialize(o.client, o.capabilities ?? { experimentalApi: true });
  return c;
}

/**
 * Starts a `gpt-5.5` thread (full access unless `thread` says otherwise) and a turn in which the mock model calls
 * exec_command once per entry of `calls`, one response each, then answers "ok". Resolves with the thread and turn
 * ids and the index of the first message after the thread started.
 */
export async function startExecCommandTurn(
  s: MockServer0166,
  calls: { args: Record<string, unknown>; callId: string }[],
  thread: Pick<gen0166.ThreadStartParams, "approvalPolicy" | "sandbox"> = {
    approvalPolicy: "never",
    sandbox: "danger-full-access",
  },
): Promise<{ threadId: string; turnId: string; from: number }> {
  s.mock.enqueue(
    ...calls.map(({ args, callId }) => ({
      kind: "sse" as const,
      events: [
        responses.created(),
        ...responses.functionCall("exec_command", args, callId),
        responses.completed(),
      ],
    })),
    { kind: "sse", events: [responses.created(), ...responses.message("ok"), responses.completed()] },
  );
  const started = await s.c.request("thread/start", { cwd: s.root, model: "gpt-5.5", ...thread });
  const from = s.c.messages.length;
  const { turn } = await s.c.request("turn/start", {
    threadId: started.thread.id,
    input: [{ type: "text", text: "hi" }],
  });
  return { threadId: started.thread.id, turnId: turn.id, from };
}

/** One `mcpServer/startupStatus/updated` notification's params. */
export interface McpStartupStatus {
  threadId: string;
  name: string;
  status: string;
  error: string | null;
  failureReason: string | null;
}

/** Whether a message is an MCP server's startup status. */
export const isMcpStartupStatus = (m: { method?: string }) => m.method === "mcpServer/startupStatus/updated";

/** The MCP startup statuses `s` received from message `from` on, in order. */
export function mcpStartupStatuses(s: MockServer0166, from = 0): McpStartupStatus[] {
  return s.c.messages
    .slice(from)
    .filter(isMcpStartupStatus)
    .map((m) => m.params as McpStartupStatus);
}

/**
 * Resolves once each of `names` has reported `ready` on thread `threadId`. 0.166.0 (and ours) start a thread's MCP
 * servers after `thread/start` answers; a turn started sooner is sampled without their tools.
 */
export async function mcpServersReady(
  c: TestAppServer<Protocol0166>,
  threadId: string,
  names: string[],
): Promise<void> {
  for (const name of names)
    await c.waitFor((m) => {
      const p = m.params as { threadId?: string; name?: string; status?: string } | undefined;
      return (
        m.method === "mcpServer/startupStatus/updated" &&
        p?.threadId === threadId &&
        p.name === name &&
        p.status === "ready"
      );
    }, `MCP server ${name} ready`);
}
