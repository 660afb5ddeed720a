import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  AcpClient,
  CODEX_0166_BIN,
  CODEX_ACP_ENTRY,
  offeredTools,
  type PromptOutcome,
  readTeeLog,
  requestText,
  responses,
  type ScriptedResponse,
  startBlockingProxy,
  startMockModelServer,
  type TeeEntry,
} from "@codex-ts/test-support";
import { beforeAll, describe, expect, it } from "vitest";
import { acpWorkspace } from "./helpers/acp-flows.js";
import { editorView, sweepBoth } from "./helpers/acp-sweep.js";

/**
 * `session/load` of a session that had reasoning, a command and a file edit, through codex-acp 2.6.0 against codex
 * 0.166.0 and this server: a first adapter holds the conversation and exits, a fresh one loads it. The editor must
 * get the same replayed updates.
 */
const reference = CODEX_0166_BIN;

const ROUTES = [
  {
    name: "title",
    match: (b: unknown) =>
      (b as { model?: string } | null)?.model === "gpt-5.6-luna" ||
      requestText(b).includes("generate a very short title"),
    answer: () => responses.turn(responses.message(JSON.stringify({ title: "Replay me" }))),
  },
];

const command = (body: unknown): ScriptedResponse =>
  responses.turn(
    offeredTools(body).includes("exec_command")
      ? responses.functionCall("exec_command", { cmd: "echo replayed" }, "call_cmd")
      : responses.functionCall("shell", { command: ["bash", "-lc", "echo replayed"] }, "call_cmd"),
  );
const PATCH = "*** Begin Patch\n*** Update File: notes.txt\n-one\n+ONE\n*** End Patch";
const patch = (body: unknown): ScriptedResponse =>
  responses.turn(
    offeredTools(body).includes("apply_patch")
      ? responses.customToolCall("apply_patch", PATCH, "call_patch")
      : responses.functionCall("shell", { command: ["apply_patch", PATCH] }, "call_patch"),
  );

interface LoadRun {
  replay: PromptOutcome;
  tmp: string;
  sessionId: string;
  tee: TeeEntry[];
}

async function loadFlow(app: string[]): Promise<LoadRun> {
  const tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-acp-sweep-load-")));
  const mock = await startMockModelServer([], { routes: ROUTES });
  const proxy = await startBlockingProxy();
  try {
    const ws = await acpWorkspace(tmp, { baseUrl: mock.baseUrl, command: app, proxyEnv: proxy.env });
    await fs.writeFile(path.join(ws.cwd, "notes.txt"), "one\n");
    const first = AcpClient.start({ entry: CODEX_ACP_ENTRY as string, env: ws.env, cwd: ws.cwd });
    let sessionId: string;
    try {
      await first.initialize();
      ({ sessionId } = await first.newSession(ws.cwd));
      await first.setMode(sessionId, "agent-full-access");
      mock.enqueue(
        responses.turn(...responses.reasoning("Pondering"), responses.message("Thought it over.")),
      );
      await first.prompt(sessionId, "Think");
      mock.enqueue(command, responses.turn(responses.message("Ran it.")));
      await first.prompt(sessionId, "Run echo");
      mock.enqueue(patch, responses.turn(responses.message("Edited.")));
      await first.prompt(sessionId, "Edit the notes");
    } finally {
      await first.stop();
    }
    const second = AcpClient.start({ entry: CODEX_ACP_ENTRY as string, env: ws.env, cwd: ws.cwd });
    try {
      await second.initialize();
      const from = second.peer.mark();
      const loaded = await second.peer.request("session/load", { sessionId, cwd: ws.cwd, mcpServers: [] });
      const replay: PromptOutcome = {
        result: loaded.result as PromptOutcome["result"],
        error: loaded.error as PromptOutcome["error"],
        updates: second.updates(sessionId, from),
      };
      await second.stop();
      return { replay, tmp, sessionId, tee: await readTeeLog(ws.log) };
    } finally {
      await second.stop();
    }
  } finally {
    await mock.close();
    await proxy.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/**
 * The replay, without the load's own answer (its config options and models list are compared elsewhere), and
 * without what differs for known reasons (README): 0.166.0's bundled system skills (`$imagegen`, …), which this
 * server does not install, among the advertised commands; and the thread's status, which codex-acp passes on at
 * another point of the load for this server's `legacy` history (read with `thread/read`) than for 0.166.0's paged
 * one (`thread/items/list`).
 */
const replayed = (run: LoadRun) => {
  const view = editorView({ ...run.replay, result: undefined }, run) as {
    updates: Record<string, unknown>[];
  };
  return view.updates
    .filter((u) => !(u.sessionUpdate === "session_info_update" && JSON.stringify(u).includes("threadStatus")))
    .map((u) =>
      u.sessionUpdate === "available_commands_update"
        ? {
            ...u,
            availableCommands: (u.availableCommands as { name: string }[]).filter(
              (c) => !c.name.startsWith("$"),
            ),
          }
        : u,
    );
};

describe.skipIf(!CODEX_ACP_ENTRY || !reference)(
  "codex-acp 2.6.0: session/load replay, as with codex 0.166.0",
  () => {
    let ours: LoadRun;
    let theirs: LoadRun;

    beforeAll(async () => {
      ({ ours, theirs } = await sweepBoth(reference as string, loadFlow));
    }, 300_000);

    it("replays the same updates", () => {
      expect(ours.replay.error).toBeUndefined();
      expect(replayed(ours)).toEqual(replayed(theirs));
      const kinds = replayed(ours).map((u) => u.sessionUpdate);
      for (const kind of ["user_message_chunk", "agent_thought_chunk", "tool_call", "agent_message_chunk"])
        expect(kinds).toContain(kind);
    });
  },
);
