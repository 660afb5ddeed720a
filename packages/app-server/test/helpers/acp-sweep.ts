import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  AcpClient,
  type AcpClientOptions,
  CLI_MAIN,
  CODEX_ACP_ENTRY,
  type MockModelServer,
  type MockRoute,
  type PermissionAsked,
  type PromptOutcome,
  type RecordedRequest,
  readTeeLog,
  type SessionUpdate,
  startBlockingProxy,
  startMockModelServer,
  type TeeEntry,
} from "@codex-ts/test-support";
import { acpWorkspace, adapterRoutes, settle } from "./acp-flows.js";

/**
 * One editor flow through codex-acp 2.6.0 against an app server, reduced to what the editor sees: each prompt's
 * answer and its `session/update`s with the run's temp dir, ids and times normalized, so that a run against this
 * server and one against codex 0.166.0 can be compared update by update (acp-sweep-*.e2e.test.ts).
 */

/** The adapter's own requests (acp-flows.ts). */
const ROUTES = adapterRoutes("A sweep flow", "Summary: a flow.");

/** What a flow script gets to drive the editor. */
export interface FlowContext {
  acp: AcpClient;
  mock: MockModelServer;
  sessionId: string;
  newSession: Record<string, unknown>;
  cwd: string;
  tmp: string;
  /** Waits until the adapter and the model server have been quiet a moment (the title turn follows a prompt). */
  quiet(): Promise<void>;
}

export interface SweepRun<T> {
  result: T;
  tmp: string;
  sessionId: string;
  permissions: PermissionAsked[];
  /** Model requests answered from the scripted queue (not the adapter's own title requests). */
  turnRequests: RecordedRequest[];
  tee: TeeEntry[];
  internetAttempts: unknown[];
}

/**
 * Runs `flow` in a fresh temp workspace (removed afterwards) with `command` as the adapter's app server, after
 * `prepare` set up the project dir.
 */
export async function runSweepFlow<T>(o: {
  command: string[];
  flow: (ctx: FlowContext) => Promise<T>;
  prepare?: (cwd: string, home: string) => Promise<void>;
  choosePermission?: AcpClientOptions["choosePermission"];
  env?: NodeJS.ProcessEnv;
  routes?: MockRoute[];
}): Promise<SweepRun<T>> {
  if (!CODEX_ACP_ENTRY) throw new Error("codex-acp 2.6.0 is not installed");
  const tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-acp-sweep-")));
  const mock = await startMockModelServer([], { routes: [...(o.routes ?? []), ...ROUTES] });
  const proxy = await startBlockingProxy();
  try {
    const ws = await acpWorkspace(tmp, { baseUrl: mock.baseUrl, command: o.command, proxyEnv: proxy.env });
    await o.prepare?.(ws.cwd, ws.home);
    const acp = AcpClient.start({
      entry: CODEX_ACP_ENTRY,
      env: { ...ws.env, ...o.env },
      cwd: ws.cwd,
      ...(o.choosePermission ? { choosePermission: o.choosePermission } : {}),
    });
    try {
      await acp.initialize();
      const newSession = await acp.newSession(ws.cwd);
      const quiet = () => settle(() => `${acp.peer.log.length}/${mock.requests.length}`);
      await quiet();
      const result = await o.flow({
        acp,
        mock,
        sessionId: newSession.sessionId,
        newSession,
        cwd: ws.cwd,
        tmp,
        quiet,
      });
      await quiet();
      await acp.stop();
      return {
        result,
        tmp,
        sessionId: newSession.sessionId,
        permissions: acp.permissions,
        turnRequests: mock.requests.filter(
          (r) => r.answeredBy !== undefined && !r.answeredBy.startsWith("route:"),
        ),
        tee: await readTeeLog(ws.log),
        internetAttempts: [...proxy.attempts],
      };
    } finally {
      if (acp.peer.child.exitCode === null) await acp.stop();
    }
  } finally {
    await mock.close();
    await proxy.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/**
 * A value with the run's temp dir, the session's id and volatile fields (times, durations, process ids) replaced,
 * so that two runs compare equal when the editor saw the same.
 */
export function normalize(value: unknown, run: { tmp: string; sessionId: string }): unknown {
  const text = JSON.stringify(value ?? null)
    .replaceAll(run.tmp, "<tmp>")
    .replaceAll(run.sessionId, "<session>")
    // A unified exec's output header: a random chunk id and the measured wall time.
    .replace(/Chunk ID: [0-9a-f]+/g, "Chunk ID: <id>")
    .replace(/Wall time: [0-9.]+ seconds/g, "Wall time: <s> seconds");
  return JSON.parse(text, (key, v) => {
    if (/^(duration|durationMs|elapsed|processId|pid|startedAt|completedAt|updatedAt|createdAt)$/.test(key))
      return "<volatile>";
    return v as unknown;
  }) as unknown;
}

/**
 * The editor's view of a prompt: its stop reason or error and every update, normalized. Taken out of the sequence
 * (and compared apart): the context usage (`usage_update`, 0.166.0 counts a response while tools run, see
 * acp-compare) — only the last one is kept; and the `waitingOnApproval` status, which 0.166.0 announces from another
 * task than the item's start, so either comes first (see approvals-0166) — it is put right before the permission's
 * tool call update instead. The mock's message ids count across runs, so they are numbered by first appearance.
 */
export function editorView(p: PromptOutcome, run: { tmp: string; sessionId: string }): unknown {
  const usage = p.updates.filter((u) => u.sessionUpdate === "usage_update").at(-1);
  const waiting = (u: SessionUpdate) =>
    JSON.stringify(u._meta ?? null).includes('"waitingOnApproval"') &&
    u.sessionUpdate === "session_info_update";
  const kept = p.updates.filter((u) => u.sessionUpdate !== "usage_update" && !waiting(u));
  const ids = new Map<string, string>();
  const renamed = mergeChunks(kept).map((u) => {
    if (typeof u.messageId !== "string") return u;
    if (!ids.has(u.messageId)) ids.set(u.messageId, `msg#${ids.size + 1}`);
    return { ...u, messageId: ids.get(u.messageId) };
  });
  return normalize(
    {
      stopReason: p.result?.stopReason,
      error: p.error,
      updates: renamed,
      waitingOnApproval: p.updates.filter(waiting).length,
      lastUsage: usage ?? null,
    },
    run,
  );
}

/**
 * Consecutive message chunks merged into one: how an answer is split into deltas is the model stream's business
 * (and the mock's), not the server's.
 */
function mergeChunks(updates: SessionUpdate[]): SessionUpdate[] {
  const out: SessionUpdate[] = [];
  for (const u of updates) {
    const prev = out.at(-1);
    const chunked = ["agent_message_chunk", "agent_thought_chunk", "user_message_chunk"];
    if (
      prev &&
      prev.sessionUpdate === u.sessionUpdate &&
      chunked.includes(u.sessionUpdate) &&
      (prev.content as { type?: string }).type === "text" &&
      (u.content as { type?: string }).type === "text"
    ) {
      const a = prev.content as { text: string };
      const b = u.content as { text: string };
      out[out.length - 1] = { ...prev, content: { ...a, text: a.text + b.text } };
    } else out.push(u);
  }
  return out;
}

/**
 * Runs a flow against codex 0.166.0 (`reference`, its binary), then against this server; with
 * `ACP_SWEEP_DUMP=<file>`, both runs are written there for a look at what differs.
 */
export async function sweepBoth<T>(
  reference: string,
  flow: (command: string[]) => Promise<T>,
): Promise<{ ours: T; theirs: T }> {
  const theirs = await flow([reference]);
  const ours = await flow([process.execPath, CLI_MAIN]);
  if (process.env.ACP_SWEEP_DUMP)
    await fs.writeFile(process.env.ACP_SWEEP_DUMP, JSON.stringify({ ours, theirs }, null, 1));
  return { ours, theirs };
}
