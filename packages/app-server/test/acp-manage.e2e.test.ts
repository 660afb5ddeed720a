import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  AcpClient,
  CLI_MAIN,
  CODEX_ACP_ENTRY,
  type MockModelServer,
  type RpcMessage,
  readTeeLog,
  requestText,
  responses,
  startBlockingProxy,
  startMockModelServer,
  type TeeEntry,
} from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acpWorkspace } from "./helpers/acp-flows.js";

/**
 * Managing sessions from an editor (issue 16): the real `@agentclientprotocol/codex-acp` 2.6.0 against this server
 * forks a session (`session/fork` → `thread/fork`), archives and unarchives it (JetBrains AIR's `_session/archive`
 * / `_session/unarchive` → `thread/archive` / `thread/unarchive`) and deletes it (`session/delete` → `thread/delete`
 * for a client with AIR's session index, `thread/archive` for any other).
 */
const AIR = { jetbrains: { air: { version: 1, capabilities: ["sessionIndex"] } } };

async function rolloutFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((f) => f.endsWith(".jsonl")).map((f) => path.join(dir, f));
}

const fileOf = async (dir: string, id: string) =>
  (await rolloutFiles(dir)).find((f) => f.endsWith(`${id}.jsonl`));

describe.skipIf(!CODEX_ACP_ENTRY)("codex-acp 2.6.0 managing sessions on this server", () => {
  let tmp: string;
  let mock: MockModelServer;
  let proxy: Awaited<ReturnType<typeof startBlockingProxy>>;
  let home: string;
  let cwd: string;
  let env: NodeJS.ProcessEnv;
  let log: string;

  beforeAll(async () => {
    tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-acp-manage-")));
    mock = await startMockModelServer([], {
      routes: [
        {
          name: "title",
          match: (b) => requestText(b).includes("generate a very short title"),
          answer: () => responses.turn(responses.message(JSON.stringify({ title: "A title" }))),
        },
      ],
    });
    proxy = await startBlockingProxy();
    const ws = await acpWorkspace(tmp, {
      baseUrl: mock.baseUrl,
      command: [process.execPath, CLI_MAIN],
      proxyEnv: proxy.env,
    });
    home = ws.home;
    ({ cwd, log, env } = ws);
  });
  afterAll(async () => {
    await mock?.close();
    await proxy?.close();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  /** An adapter initialized as an editor; with `air`, one that declares JetBrains AIR's session index. */
  async function adapter(air: boolean): Promise<AcpClient> {
    const acp = AcpClient.start({ entry: CODEX_ACP_ENTRY!, env, cwd });
    const init = await acp.peer.request("initialize", {
      protocolVersion: 1,
      clientCapabilities: {
        fs: { readTextFile: false, writeTextFile: false },
        terminal: false,
        ...(air ? { _meta: AIR } : {}),
      },
      clientInfo: { name: "codex-ts-test-editor", version: "1.0.0" },
    });
    expect(init.error).toBeUndefined();
    return acp;
  }

  const ok = (m: RpcMessage) => {
    if (m.error) throw new Error(`ACP error: ${JSON.stringify(m.error)}`);
    return m.result as Record<string, unknown>;
  };
  const calls = (tee: TeeEntry[], method: string) =>
    tee.filter((e) => e.dir === "c2s" && e.msg.method === method);
  /** The answer the server gave to request `e`. */
  const answerTo = (tee: TeeEntry[], e: TeeEntry) =>
    tee.find((a) => a.dir === "s2c" && a.msg.method === undefined && a.msg.id === e.msg.id)?.msg;

  it("forks a session with its history, archives and unarchives it, then deletes it", async () => {
    const acp = await adapter(true);
    try {
      const { sessionId } = (await acp.newSession(cwd)) as { sessionId: string };
      mock.enqueue(responses.turn(responses.message("The original answer.")));
      const first = await acp.prompt(sessionId, "Original question");
      expect(first.result?.stopReason).toBe("end_turn");

      // session/fork: a new thread whose rollout holds the history, which the model sees on the fork's next turn.
      const forked = ok(await acp.peer.request("session/fork", { sessionId, cwd, mcpServers: [] }));
      const forkId = forked.sessionId as string;
      expect(forkId).toMatch(/^[0-9a-f-]{36}$/);
      expect(forkId).not.toBe(sessionId);
      const forkFile = await fileOf(path.join(home, "sessions"), forkId);
      expect(forkFile).toBeDefined();
      const meta = JSON.parse((await fs.readFile(forkFile!, "utf8")).split("\n")[0]!) as {
        type: string;
        payload: { id: string; forked_from_id?: string };
      };
      expect(meta).toMatchObject({
        type: "session_meta",
        payload: { id: forkId, forked_from_id: sessionId },
      });
      mock.enqueue(responses.turn(responses.message("The fork's answer.")));
      const before = mock.requests.length;
      const inFork = await acp.prompt(forkId, "Question in the fork");
      expect(inFork.result?.stopReason).toBe("end_turn");
      const forkRequest = mock.requests
        .slice(before)
        .find((r) => requestText(r.body).includes("Question in the fork"));
      expect(requestText(forkRequest!.body)).toContain("Original question");
      expect(requestText(forkRequest!.body)).toContain("The original answer.");

      // _session/archive and _session/unarchive move the rollout out of sessions/ and back.
      ok(await acp.peer.request("_session/archive", { sessionId: forkId }));
      expect(await fileOf(path.join(home, "sessions"), forkId)).toBeUndefined();
      expect(await fileOf(path.join(home, "archived_sessions"), forkId)).toBeDefined();
      ok(await acp.peer.request("_session/unarchive", { sessionId: forkId }));
      expect(await fileOf(path.join(home, "archived_sessions"), forkId)).toBeUndefined();
      expect(await fileOf(path.join(home, "sessions"), forkId)).toBe(forkFile);

      // session/delete with the session index: the rollout is gone; the source is untouched.
      ok(await acp.peer.request("session/delete", { sessionId: forkId }));
      expect(await fileOf(home, forkId)).toBeUndefined();
      expect(await fileOf(path.join(home, "sessions"), sessionId)).toBeDefined();
    } finally {
      await acp.stop();
    }
    const tee = await readTeeLog(log);
    for (const method of ["thread/fork", "thread/archive", "thread/unarchive", "thread/delete"]) {
      const sent = calls(tee, method);
      expect(sent.length, method).toBeGreaterThan(0);
      for (const e of sent) expect(answerTo(tee, e)?.error, method).toBeUndefined();
    }
    expect(tee.some((e) => e.dir === "s2c" && e.msg.method === "thread/archived")).toBe(true);
    expect(tee.some((e) => e.dir === "s2c" && e.msg.method === "thread/unarchived")).toBe(true);
    expect(tee.some((e) => e.dir === "s2c" && e.msg.method === "thread/deleted")).toBe(true);
    expect(proxy.attempts).toEqual([]);
  });

  it("session/delete from a plain editor archives the thread (codex-acp's own mapping)", async () => {
    const acp = await adapter(false);
    try {
      const { sessionId } = (await acp.newSession(cwd)) as { sessionId: string };
      mock.enqueue(responses.turn(responses.message("Something to keep.")));
      await acp.prompt(sessionId, "Keep this");
      ok(await acp.peer.request("session/delete", { sessionId }));
      expect(await fileOf(path.join(home, "sessions"), sessionId)).toBeUndefined();
      expect(await fileOf(path.join(home, "archived_sessions"), sessionId)).toBeDefined();
    } finally {
      await acp.stop();
    }
  });
});
