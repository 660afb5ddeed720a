import fs from "node:fs/promises";
import {
  AcpClient,
  CLI_MAIN,
  CODEX_ACP_ENTRY,
  type MockModelServer,
  type MockRoute,
  readTeeLog,
  requestText,
  responses,
  rolloutFiles,
  startBlockingProxy,
  startMockModelServer,
  tempDir,
} from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { acpWorkspace } from "./helpers/acp-flows.js";

/**
 * The session title through the editor's adapter: the real `@agentclientprotocol/codex-acp` 2.6.0 with this server
 * as its Codex. After the first turn the adapter starts an ephemeral thread, runs one turn with its title schema
 * (`turn/start {outputSchema, model: "gpt-5.6-luna"}`), parses the answer as JSON and names the session's thread
 * with it (`thread/name/set`), which reaches the editor as a `session_info_update`.
 */
if (!CODEX_ACP_ENTRY) console.warn("skipping the codex-acp title test: codex-acp 2.6.0 is not installed");

const TITLE_SCHEMA = {
  type: "object",
  properties: { title: { type: "string" } },
  required: ["title"],
  additionalProperties: false,
};

/** The adapter's title request, answered by content so the scripted queue stays in step. */
const ROUTES: MockRoute[] = [
  {
    name: "title",
    match: (b) => requestText(b).includes("generate a very short title"),
    answer: () => responses.turn(responses.message(JSON.stringify({ title: "Greeting the mock model" }))),
  },
];

describe.skipIf(!CODEX_ACP_ENTRY)("codex-acp 2.6.0: the generated session title", () => {
  let mock: MockModelServer;
  let proxy: Awaited<ReturnType<typeof startBlockingProxy>>;
  let ws: Awaited<ReturnType<typeof acpWorkspace>>;

  beforeAll(async () => {
    const tmp = await fs.realpath(await tempDir("codex-acp-title-"));
    mock = await startMockModelServer([], { routes: ROUTES });
    proxy = await startBlockingProxy();
    ws = await acpWorkspace(tmp, {
      baseUrl: mock.baseUrl,
      command: [process.execPath, CLI_MAIN],
      proxyEnv: proxy.env,
    });
  });
  afterAll(async () => {
    await mock?.close();
    await proxy?.close();
  });

  it("the title turn carries the schema, the session is named with the parsed title, the title thread is not stored", {
    timeout: 180_000,
  }, async () => {
    const editor = AcpClient.start({ entry: CODEX_ACP_ENTRY as string, env: ws.env, cwd: ws.cwd });
    await editor.initialize();
    const { sessionId } = await editor.newSession(ws.cwd);
    mock.enqueue(responses.turn(responses.message("Hello from the mock model.")));
    expect((await editor.prompt(sessionId, "Say hello")).result?.stopReason).toBe("end_turn");
    // The title is generated after the turn, in the background; the editor hears it as a session_info_update.
    await vi.waitFor(
      () =>
        expect(
          editor
            .updates(sessionId)
            .filter((u) => u.sessionUpdate === "session_info_update")
            .map((u) => u.title),
        ).toContain("Greeting the mock model"),
      { timeout: 30_000, interval: 50 },
    );

    // The title request: the adapter's model and schema, as text.format.
    const titleRequest = mock.requests.find((r) => r.answeredBy === "route:title");
    const body = titleRequest?.body as { model: string; text?: { format?: unknown } };
    expect(body.model).toBe("gpt-5.6-luna");
    expect(body.text?.format).toEqual({
      type: "json_schema",
      strict: true,
      schema: TITLE_SCHEMA,
      name: "codex_output_schema",
    });
    // The session's own turn had none.
    const own = mock.requests.find((r) => r.answeredBy !== "route:title")?.body as {
      text?: { format?: unknown };
    };
    expect(own.text?.format).toBeUndefined();
    expect((await editor.stop()).code).toBe(0);

    // What the adapter asked: an ephemeral thread, the schema turn, the rename of the session's thread.
    const tee = await readTeeLog(ws.log);
    const asked = tee.filter((e) => e.dir === "c2s");
    const ephemeral = asked.find(
      (e) => e.msg.method === "thread/start" && (e.msg.params as { ephemeral?: boolean }).ephemeral,
    );
    const answer = tee.find(
      (e) => e.dir === "s2c" && e.msg.id === ephemeral?.msg.id && e.msg.method === undefined,
    );
    if (!answer) throw new Error("no answer to the ephemeral thread/start");
    const { thread: ephemeralThread } = answer.msg.result as { thread: { id: string; path: unknown } };
    const ephemeralId = ephemeralThread.id;
    expect(ephemeralThread.path).toBeNull();
    const schemaTurn = asked.find(
      (e) => e.msg.method === "turn/start" && e.msg.params && "outputSchema" in (e.msg.params as object),
    );
    expect(schemaTurn?.msg.params).toMatchObject({
      threadId: ephemeralId,
      outputSchema: TITLE_SCHEMA,
      model: "gpt-5.6-luna",
    });
    const rename = asked.find((e) => e.msg.method === "thread/name/set");
    expect(rename?.msg.params).toEqual({ threadId: sessionId, name: "Greeting the mock model" });
    const refused = tee.filter((e) => e.dir === "s2c" && e.msg.error && e.msg.method === undefined);
    expect(
      refused.filter((e) => asked.find((a) => a.msg.id === e.msg.id)?.msg.method === "thread/name/set"),
    ).toEqual([]);

    // Only the session's thread is stored; the title thread left nothing.
    const stored = await rolloutFiles(ws.home);
    expect(stored.some((f) => f.includes(sessionId))).toBe(true);
    expect(stored.filter((f) => f.includes(ephemeralId))).toEqual([]);
    expect(proxy.attempts).toEqual([]);
  });
});
