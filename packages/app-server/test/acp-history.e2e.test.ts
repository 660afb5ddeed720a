import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  AcpClient,
  CLI_MAIN,
  CODEX_ACP_ENTRY,
  type MockModelServer,
  type MockRoute,
  offeredTools,
  readTeeLog,
  requestText,
  responses,
  type SessionUpdate,
  startBlockingProxy,
  startMockModelServer,
} from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acpWorkspace } from "./helpers/acp-flows.js";

/**
 * Stored sessions through the editor's adapter: the real `@agentclientprotocol/codex-acp` 2.6.0 with this server as
 * its Codex. A first adapter process holds a conversation and exits; a fresh one lists the sessions
 * (`session/list` → `thread/list`), loads the conversation (`session/load` → `thread/resume {excludeTurns}` and
 * `thread/read {includeTurns}`, replayed as `user_message_chunk` / `agent_message_chunk` updates), and prompts
 * after the load with the whole history reaching the model.
 */
if (!CODEX_ACP_ENTRY) console.warn("skipping the codex-acp history test: codex-acp 2.6.0 is not installed");

/** The adapter's own title requests, answered by content so the scripted queue stays in step. */
const ROUTES: MockRoute[] = [
  {
    name: "title",
    match: (b) =>
      (b as { model?: string } | null)?.model === "gpt-5.6-luna" ||
      requestText(b).includes("generate a very short title"),
    answer: () => responses.turn(responses.message(JSON.stringify({ title: "Greetings" }))),
  },
];

const kinds = (updates: SessionUpdate[]) => updates.map((u) => u.sessionUpdate);
const texts = (updates: SessionUpdate[], kind: string) =>
  updates
    .filter((u) => u.sessionUpdate === kind)
    .map((u) => (u.content as { text?: string }).text ?? "")
    .join("");

describe.skipIf(!CODEX_ACP_ENTRY)("codex-acp 2.6.0: stored sessions of this server", () => {
  let tmp: string;
  let mock: MockModelServer;
  let proxy: Awaited<ReturnType<typeof startBlockingProxy>>;
  let env: NodeJS.ProcessEnv;
  let cwd: string;
  let log: string;

  beforeAll(async () => {
    tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-acp-history-")));
    mock = await startMockModelServer([], { routes: ROUTES });
    proxy = await startBlockingProxy();
    const ws = await acpWorkspace(tmp, {
      baseUrl: mock.baseUrl,
      command: [process.execPath, CLI_MAIN],
      proxyEnv: proxy.env,
    });
    ({ cwd, log, env } = ws);
  });
  afterAll(async () => {
    await mock?.close();
    await proxy?.close();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  const adapter = () => AcpClient.start({ entry: CODEX_ACP_ENTRY as string, env, cwd });

  it("lists a stored session, replays it in a fresh adapter, and continues it", {
    timeout: 180_000,
  }, async () => {
    // A conversation of two turns in a first adapter (and its app server), which then exits.
    const first = adapter();
    await first.initialize();
    const { sessionId } = await first.newSession(cwd);
    mock.enqueue(responses.turn(responses.message("Hello from the mock model.", undefined, 3)));
    expect((await first.prompt(sessionId, "Say hello")).result?.stopReason).toBe("end_turn");
    mock.enqueue(responses.turn(...responses.reasoning("counting"), responses.message("One, two, three.")));
    expect((await first.prompt(sessionId, "Count to three")).result?.stopReason).toBe("end_turn");
    // A turn that runs a command: the stored history keeps it as the live stream showed it.
    mock.enqueue(
      (body) =>
        responses.turn(
          offeredTools(body).includes("exec_command")
            ? responses.functionCall("exec_command", { cmd: "echo replayed" }, "call_replay")
            : responses.functionCall("shell", { command: ["bash", "-lc", "echo replayed"] }, "call_replay"),
        ),
      responses.turn(responses.message("Ran it.")),
    );
    expect((await first.prompt(sessionId, "Run echo")).result?.stopReason).toBe("end_turn");
    expect((await first.stop()).code).toBe(0);

    // A fresh adapter: the session is listed from the store.
    const second = adapter();
    await second.initialize();
    const listed = await second.peer.request("session/list", { cwd });
    expect(listed.error).toBeUndefined();
    const sessions = (listed.result as { sessions: { sessionId: string; cwd: string; title?: string }[] })
      .sessions;
    expect(sessions.map((s) => s.sessionId)).toContain(sessionId);
    expect(sessions.find((s) => s.sessionId === sessionId)?.cwd).toBe(cwd);

    // session/load replays the history as the editor shows it.
    const from = second.peer.mark();
    const loaded = await second.peer.request("session/load", { sessionId, cwd, mcpServers: [] });
    expect(loaded.error).toBeUndefined();
    const replay = second.updates(sessionId, from);
    expect(kinds(replay)).toEqual(expect.arrayContaining(["user_message_chunk", "agent_message_chunk"]));
    expect(texts(replay, "user_message_chunk")).toBe("Say helloCount to threeRun echo");
    expect(texts(replay, "agent_message_chunk")).toBe("Hello from the mock model.One, two, three.Ran it.");
    // In order: each answer after its question.
    const order = replay
      .filter((u) => u.sessionUpdate === "user_message_chunk" || u.sessionUpdate === "agent_message_chunk")
      .map((u) => (u.content as { text: string }).text);
    expect(order).toEqual([
      "Say hello",
      "Hello from the mock model.",
      "Count to three",
      "One, two, three.",
      "Run echo",
      "Ran it.",
    ]);
    // The command is replayed as the tool call the editor showed live.
    const calls = replay.filter((u) => (u as { toolCallId?: string }).toolCallId === "call_replay");
    expect(calls.map((u) => u.sessionUpdate)).toContain("tool_call");
    expect(JSON.stringify(calls)).toContain("echo replayed");

    // A prompt after the load continues the same thread, with the whole history sent to the model.
    mock.enqueue(responses.turn(responses.message("Four comes next.")));
    const next = await second.prompt(sessionId, "What comes next?");
    expect(next.result?.stopReason).toBe("end_turn");
    expect(texts(next.updates, "agent_message_chunk")).toBe("Four comes next.");
    const lastTurn = mock.requests.filter((r) => !r.answeredBy?.startsWith("route:")).at(-1);
    const sent = requestText(lastTurn?.body);
    for (const text of [
      "Say hello",
      "Hello from the mock model.",
      "Count to three",
      "replayed",
      "What comes next?",
    ])
      expect(sent).toContain(text);
    expect((await second.stop()).code).toBe(0);

    // What the adapter asked of this server to load it, and that nothing was refused or reached the internet.
    const tee = await readTeeLog(log);
    const asked = tee.filter((e) => e.dir === "c2s").map((e) => e.msg.method);
    expect(asked).toEqual(expect.arrayContaining(["thread/list", "thread/resume", "thread/read"]));
    const resume = tee.find((e) => e.dir === "c2s" && e.msg.method === "thread/resume");
    expect(resume?.msg.params).toMatchObject({ threadId: sessionId, excludeTurns: true });
    const methods = new Map(tee.filter((e) => e.dir === "c2s").map((e) => [e.msg.id, e.msg.method]));
    const refused = tee
      .filter((e) => e.dir === "s2c" && e.msg.error && e.msg.method === undefined)
      .map((e) => methods.get(e.msg.id))
      // Methods of later work the adapter tolerates: the generated title and the thread's goal.
      .filter((m) => m !== "thread/name/set" && m !== "thread/goal/get");
    expect(refused).toEqual([]);
    expect(proxy.attempts).toEqual([]);
  });
});
