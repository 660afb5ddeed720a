import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import readline from "node:readline";
import { type MockModelServer, responses, startMockModelServer, tempDir } from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOLS } from "../src/index.js";
import { CLI_MAIN, type CodexEvent, isCodexEvent, REFERENCE_BIN, TestClient } from "./helpers.js";

let home: string;
let work: string;
let mock: MockModelServer;
let codex: TestClient;

const env = (codexHome: string) => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: process.env.HOME ?? tmpdir(),
  CODEX_HOME: codexHome,
  // The model's commands run as login shells, which read this HOME's shell init: keep scripts/test-all.sh's bound
  // on pyenv's rehash lock (without it a lock left by another shell stalls each command for 60 s).
  ...(process.env.PYENV_REHASH_TIMEOUT ? { PYENV_REHASH_TIMEOUT: process.env.PYENV_REHASH_TIMEOUT } : {}),
});

beforeAll(async () => {
  home = await tempDir("codex-mcp-home-");
  work = await tempDir("codex-mcp-work-");
  mock = await startMockModelServer();
  await writeFile(
    join(home, "config.toml"),
    [
      'model_provider = "mock"',
      "",
      "[model_providers.mock]",
      'name = "Mock"',
      `base_url = "${mock.baseUrl}"`,
      'wire_api = "responses"',
      "request_max_retries = 0",
      "stream_max_retries = 0",
      "",
      "[profiles.fast]",
      'model = "o4-mini"',
      "",
    ].join("\n"),
  );
  codex = await TestClient.start(process.execPath, [CLI_MAIN, "mcp-server"], env(home), work);
});

afterAll(async () => {
  await codex?.close();
  await mock?.close();
});

/** The JSON body of the last request the mock model server received. */
function lastRequestBody<T>(): T {
  const last = mock.requests.at(-1);
  if (!last) throw new Error("the mock model server received no request");
  return last.body as T;
}

/** Runs a tools/call and returns its raw result plus the `codex/event` notifications it produced. */
async function call(name: string, args?: Record<string, unknown>) {
  const from = codex.events.length;
  const result = await codex.rawCall(name, args);
  const events = codex.events.slice(from);
  return { result, events, types: events.map((e) => e.msg.type) };
}

/** Bad tool calls and the error text Codex 0.58.0 answers each with. */
const BAD_CALLS: [string, Record<string, unknown> | undefined, string][] = [
  ["codex", undefined, "Missing arguments for codex tool-call; the `prompt` field is required."],
  ["codex", {}, "Failed to parse configuration for Codex tool: missing field `prompt`"],
  [
    "codex",
    { prompt: "x", "approval-policy": "bogus" },
    "Failed to parse configuration for Codex tool: unknown variant `bogus`, expected one of `untrusted`, `on-failure`, `on-request`, `never`",
  ],
  [
    "codex",
    { prompt: 3 },
    "Failed to parse configuration for Codex tool: invalid type: integer `3`, expected a string",
  ],
  [
    "codex",
    { prompt: "x", config: "str" },
    'Failed to parse configuration for Codex tool: invalid type: string "str", expected a map',
  ],
  [
    "codex",
    { prompt: "x", profile: "nope" },
    "Failed to load Codex configuration from overrides: config profile `nope` not found",
  ],
  [
    "codex-reply",
    undefined,
    "Missing arguments for codex-reply tool-call; the `conversation_id` and `prompt` fields are required.",
  ],
  [
    "codex-reply",
    { prompt: "x" },
    "Failed to parse configuration for Codex tool: missing field `conversationId`",
  ],
  [
    "codex-reply",
    { conversationId: "nope", prompt: "x" },
    "Failed to parse conversation_id: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1",
  ],
  [
    "codex-reply",
    { conversationId: "0199A0A0-0000-7000-8000-000000000000", prompt: "x" },
    "Session not found for conversation_id: 0199a0a0-0000-7000-8000-000000000000",
  ],
  ["zzz", {}, "Unknown tool 'zzz'"],
];

describe("codex mcp-server over the MCP SDK's stdio client", () => {
  it("initializes as codex-mcp-server with the tools capability", () => {
    expect(codex.client.getServerVersion()).toMatchObject({
      name: "codex-mcp-server",
      title: "Codex",
      version: "0.58.0",
    });
    expect(codex.client.getServerCapabilities()).toEqual({ tools: { listChanged: true } });
  });

  it("lists the codex and codex-reply tools with Codex's input schemas", async () => {
    const listed = await codex.rawListTools();
    expect(listed).toEqual({ tools: TOOLS });
    const tools = (await codex.client.listTools()).tools;
    expect(tools.map((t) => [t.name, t.inputSchema.required])).toEqual([
      ["codex", ["prompt"]],
      ["codex-reply", ["conversationId", "prompt"]],
    ]);
  });

  it("runs a turn, asks for approval of an untrusted command by elicitation, then continues with codex-reply", async () => {
    mock.enqueue(
      responses.turn(
        responses.functionCall("shell", { command: ["bash", "-lc", "touch made.txt"] }, "call_sh1"),
      ),
      responses.turn(responses.message("Created made.txt.")),
    );
    codex.answer = () => ({ decision: "approved" });
    const elicited = codex.elicitations.length;
    const first = await call("codex", {
      prompt: "make a file",
      "approval-policy": "untrusted",
      sandbox: "danger-full-access",
    });
    expect(first.result).toEqual({ content: [{ type: "text", text: "Created made.txt." }] });
    expect(existsSync(join(work, "made.txt"))).toBe(true);

    // Every event carries the tools/call id; the session is announced first, with an empty event id.
    const requestId = first.events[0]?._meta.requestId;
    expect(first.events.every((e) => e._meta.requestId === requestId)).toBe(true);
    const configured = first.events[0];
    expect(configured?.id).toBe("");
    expect(configured?.msg).toMatchObject({ type: "session_configured", model: "gpt-5-codex" });
    expect(configured?.msg).not.toHaveProperty("reasoning_effort");
    const conversationId = String(configured?.msg.session_id);
    // The turn's events use the request id as their submission id, as Codex does.
    expect(first.events.slice(1).every((e) => e.id === String(requestId))).toBe(true);
    expect(first.types).toEqual(
      expect.arrayContaining([
        "task_started",
        "exec_command_begin",
        "exec_approval_request",
        "exec_command_end",
      ]),
    );
    expect(first.types.at(-1)).toBe("task_complete");

    expect(codex.elicitations.slice(elicited)).toEqual([
      {
        message: `Allow Codex to run \`bash -lc 'touch made.txt'\` in \`${work}\`?`,
        requestedSchema: { properties: {}, type: "object" },
        codex_elicitation: "exec-approval",
        codex_mcp_tool_call_id: String(requestId),
        codex_event_id: String(requestId),
        codex_call_id: "call_sh1",
        codex_command: ["bash", "-lc", "touch made.txt"],
        codex_cwd: work,
        codex_parsed_cmd: [{ type: "unknown", cmd: "touch made.txt" }],
      },
    ]);

    // The rollout is recorded with source "mcp".
    const rolloutPath = String(configured?.msg.rollout_path);
    const meta = JSON.parse((await readFile(rolloutPath, "utf8")).split("\n")[0] ?? "{}");
    expect(meta.payload).toMatchObject({ id: conversationId, source: "mcp", cwd: work });

    mock.enqueue(responses.turn(responses.message("Second answer.")));
    const second = await call("codex-reply", { conversationId, prompt: "and now?" });
    expect(second.result).toEqual({ content: [{ type: "text", text: "Second answer." }] });
    expect(second.types[0]).toBe("task_started");
    expect(second.types.at(-1)).toBe("task_complete");
    // The reply continues the same history: the model sees the first prompt and the command's output.
    const body = JSON.stringify(mock.requests.at(-1)?.body);
    expect(body).toContain("make a file");
    expect(body).toContain("call_sh1");
    expect(body).toContain("and now?");
  });

  it("asks for approval of a patch with its changes and applies it once approved", async () => {
    const patch = "*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch\n";
    mock.enqueue(
      responses.turn(responses.customToolCall("apply_patch", patch, "call_ap1")),
      responses.turn(responses.message("Patched.")),
    );
    codex.answer = () => ({ decision: "approved" });
    const elicited = codex.elicitations.length;
    const { result, events, types } = await call("codex", {
      prompt: "patch it",
      "approval-policy": "untrusted",
    });
    expect(result).toEqual({ content: [{ type: "text", text: "Patched." }] });
    expect(await readFile(join(work, "hello.txt"), "utf8")).toBe("hi\n");
    expect(types).toEqual(expect.arrayContaining(["apply_patch_approval_request", "patch_apply_end"]));
    const requestId = String(events[0]?._meta.requestId);
    expect(codex.elicitations.slice(elicited)).toEqual([
      {
        message: "Allow Codex to apply proposed code changes?",
        requestedSchema: { properties: {}, type: "object" },
        codex_elicitation: "patch-approval",
        codex_mcp_tool_call_id: requestId,
        codex_event_id: requestId,
        codex_call_id: "call_ap1",
        codex_changes: { [join(work, "hello.txt")]: { add: { content: "hi\n" } } },
      },
    ]);
  });

  it("interrupts the turn when the client cancels the tool call", async () => {
    // A stream that would take minutes: only an interrupt ends this turn in time. The cancel waits for the
    // first delta, so the model request has surely taken this slow response off the mock's queue.
    const slow = responses.turn(responses.message("slow ".repeat(200), undefined, 200));
    if (slow.kind !== "sse") throw new Error("responses.turn builds an SSE stream");
    mock.enqueue({ ...slow, delayMs: 1_500 });
    const from = codex.events.length;
    const cancel = new AbortController();
    const pending = codex.rawCall("codex", { prompt: "take your time" }, cancel.signal);
    const streaming = await codex.waitForEvent(
      (e) => codex.events.indexOf(e) >= from && e.msg.type === "agent_message_delta",
    );
    cancel.abort("user pressed stop");
    await expect(pending).rejects.toThrow();
    // As with 0.58.0, the cancelled call is not answered but its turn's events go on to `turn_aborted`.
    await codex.waitForEvent(
      (e) => e._meta.requestId === streaming._meta.requestId && e.msg.type === "turn_aborted",
    );
    const configured = codex.events.slice(from).find((e) => e.msg.type === "session_configured");
    expect(configured?._meta.requestId).toBe(streaming._meta.requestId);
    // The conversation is free again: its next turn runs (turns are queued, so it waits for the aborted one).
    mock.enqueue(responses.turn(responses.message("Back.")));
    const reply = await call("codex-reply", {
      conversationId: String(configured?.msg.session_id),
      prompt: "still there?",
    });
    expect(reply.result).toEqual({ content: [{ type: "text", text: "Back." }] });
    const rollout = await readFile(String(configured?.msg.rollout_path), "utf8");
    expect(rollout).toContain('"type":"turn_aborted"');
  });

  it("treats a declined elicitation as a denied command", async () => {
    mock.enqueue(
      responses.turn(
        responses.functionCall("shell", { command: ["bash", "-lc", "touch nope.txt"] }, "call_no"),
      ),
      responses.turn(responses.message("Understood, not running it.")),
    );
    codex.answer = () => ({ action: "decline" });
    const { result } = await call("codex", { prompt: "try", "approval-policy": "untrusted" });
    expect(result).toEqual({ content: [{ type: "text", text: "Understood, not running it." }] });
    expect(existsSync(join(work, "nope.txt"))).toBe(false);
    const output = lastRequestBody<{ input: Record<string, unknown>[] }>().input.find(
      (i) => i.type === "function_call_output" && i.call_id === "call_no",
    );
    expect(output?.output).toBe("exec command rejected by user");
  });

  it("answers a failed turn with Codex's bare {error} result", async () => {
    mock.enqueue({ kind: "http", status: 400, body: '{"error":{"message":"bad thing"}}' });
    const { result, types } = await call("codex", { prompt: "fail please" });
    expect(Object.keys(result)).toEqual(["error"]);
    expect(String(result.error)).toContain("bad thing");
    expect(types.at(-1)).toBe("error");
  });

  it("applies tool arguments and profiles to the conversation's config", async () => {
    const { result, events } = await call("codex", { prompt: "hi", profile: "fast", cwd: "." });
    expect(result).toEqual({ content: [{ type: "text", text: "ok" }] });
    expect(events[0]?.msg).toMatchObject({ type: "session_configured", model: "o4-mini" });
    expect(lastRequestBody<{ model: string }>().model).toBe("o4-mini");
  });

  it("reports bad arguments as tool errors worded like Codex", async () => {
    for (const [name, args, text] of BAD_CALLS) {
      const { result, events } = await call(name, args);
      expect(result, `${name} ${JSON.stringify(args)}`).toEqual({
        content: [{ type: "text", text }],
        isError: true,
      });
      expect(events).toEqual([]);
    }
  });
});

describe("codex mcp-server startup", () => {
  it("reports Codex's user agent, naming the client, in serverInfo", () => {
    const initialize = {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "raw client", version: "9.9" },
      },
    };
    // stdin ends right after the request: the server answers, then shuts down and exits 0.
    const r = spawnSync(process.execPath, [CLI_MAIN, "mcp-server"], {
      env: env(home),
      input: `${JSON.stringify(initialize)}\n`,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    const answer = JSON.parse(r.stdout.split("\n")[0] ?? "{}");
    expect(answer.id).toBe(0);
    expect(answer.result.protocolVersion).toBe("2025-06-18");
    expect(answer.result.serverInfo.user_agent).toMatch(
      /^codex_cli_rs\/0\.58\.0 \(.+; .+\) \S+ \(raw client; 9\.9\)$/,
    );
  });

  it("shuts down cleanly when stdin ends while an approval is pending: turn aborted, rollout flushed, exit 0", async () => {
    mock.enqueue(
      responses.turn(
        responses.functionCall("shell", { command: ["bash", "-lc", "touch never.txt"] }, "call_eof"),
      ),
    );
    const child = spawn(process.execPath, [CLI_MAIN, "mcp-server"], { env: env(home), cwd: work });
    const send = (m: Record<string, unknown>) =>
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...m })}\n`);
    const lines: Record<string, unknown>[] = [];
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      const message = JSON.parse(line) as Record<string, unknown>;
      lines.push(message);
      if (message.method === "elicitation/create") child.stdin.end();
    });
    send({
      id: 0,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: { elicitation: {} },
        clientInfo: { name: "t", version: "1" },
      },
    });
    send({ method: "notifications/initialized" });
    send({
      id: 1,
      method: "tools/call",
      params: { name: "codex", arguments: { prompt: "go", "approval-policy": "untrusted" } },
    });
    expect(await exited).toBe(0);
    expect(lines.some((m) => m.method === "elicitation/create")).toBe(true);
    const configured = lines
      .filter((m) => m.method === "codex/event")
      .map((m) => m.params)
      .filter(isCodexEvent)
      .find((e) => e.msg.type === "session_configured");
    const rolloutPath = String(configured?.msg.rollout_path);
    const rollout = (await readFile(rolloutPath, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rollout.some((l) => l.type === "event_msg" && l.payload.type === "turn_aborted")).toBe(true);
    expect(existsSync(join(work, "never.txt"))).toBe(false);
  });

  it("stops on SIGTERM with stdin still open: the running turn is aborted and the process exits 0", async () => {
    const slow = responses.turn(responses.message("slow ".repeat(200), undefined, 200));
    if (slow.kind !== "sse") throw new Error("responses.turn builds an SSE stream");
    mock.enqueue({ ...slow, delayMs: 1_500 });
    const child = spawn(process.execPath, [CLI_MAIN, "mcp-server"], { env: env(home), cwd: work });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    const events: CodexEvent[] = [];
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      const message = JSON.parse(line) as Record<string, unknown>;
      if (message.method !== "codex/event" || !isCodexEvent(message.params)) return;
      events.push(message.params);
      if (message.params.msg.type === "agent_message_delta" && child.exitCode === null && !child.killed)
        child.kill("SIGTERM");
    });
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "codex", arguments: { prompt: "slow" } } })}\n`,
    );
    expect(await exited).toBe(0);
    const configured = events.find((e) => e.msg.type === "session_configured");
    const rollout = await readFile(String(configured?.msg.rollout_path), "utf8");
    expect(rollout).toContain('"type":"turn_aborted"');
  });

  it("refuses a broken config.toml with a clear error and exit code 1", async () => {
    const badHome = await tempDir("codex-mcp-bad-");
    await writeFile(join(badHome, "config.toml"), "model = \n");
    const r = spawnSync(process.execPath, [CLI_MAIN, "mcp-server"], {
      env: env(badHome),
      input: "",
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^Error: .*config\.toml/);
  });
});

describe.skipIf(!REFERENCE_BIN)("compared with the real Codex 0.58.0 (CODEX_REFERENCE_BIN)", () => {
  let refHome: string;
  let reference: TestClient;
  beforeAll(async () => {
    // The real binary gets its own CODEX_HOME with the same config (same mock model server).
    refHome = await tempDir("codex-mcp-ref-");
    await writeFile(join(refHome, "config.toml"), await readFile(join(home, "config.toml"), "utf8"));
    reference = await TestClient.start(REFERENCE_BIN as string, ["mcp-server"], env(refHome), work);
  });
  afterAll(async () => {
    await reference?.close();
  });

  it("lists byte-identical tools", async () => {
    const theirs = await reference.rawListTools();
    const ours = await codex.rawListTools();
    expect(JSON.stringify(ours)).toBe(JSON.stringify(theirs));
  });

  it("answers bad calls with the same results", async () => {
    for (const [name, args] of BAD_CALLS) {
      expect(await codex.rawCall(name, args), `${name} ${JSON.stringify(args)}`).toEqual(
        await reference.rawCall(name, args),
      );
    }
  });

  /** The approval scenario on one server: what the client sees, with the server's own request ids abstracted. */
  async function approvalScenario(client: TestClient) {
    const file = join(work, "same.txt");
    await rm(file, { force: true });
    mock.enqueue(
      responses.turn(responses.functionCall("shell", { command: ["touch", "same.txt"] }, "call_same")),
      responses.turn(responses.message("Touched.")),
      responses.turn(responses.message("Replied.")),
    );
    client.answer = () => ({ decision: "approved" });
    const from = client.events.length;
    const elicited = client.elicitations.length;
    const result = await client.rawCall("codex", {
      prompt: "touch it",
      "approval-policy": "untrusted",
      sandbox: "danger-full-access",
    });
    const configured = client.events.slice(from).find((e) => e.msg.type === "session_configured");
    const requestId = String(configured?._meta.requestId);
    const elicitations = client.elicitations
      .slice(elicited)
      .map((p) => JSON.stringify(p).replaceAll(`"${requestId}"`, '"<request id>"'));
    const replyFrom = client.events.length;
    const reply = await client.rawCall("codex-reply", {
      conversationId: String(configured?.msg.session_id),
      prompt: "again",
    });
    const replyEvents = client.events.slice(replyFrom);
    return {
      result,
      elicitations,
      created: existsSync(file),
      sessionConfiguredKeys: Object.keys(configured?.msg ?? {}),
      sessionConfiguredEventId: configured?.id,
      reply,
      replyEventIds: [...new Set(replyEvents.map((e) => e.id))],
      approvalEvent: client.events.find(
        (e) => e.msg.type === "exec_approval_request" && e.msg.call_id === "call_same",
      )?.msg.command,
    };
  }

  it("runs the approval scenario with the same elicitation, results and event ids", async () => {
    const theirs = await approvalScenario(reference);
    expect(theirs.elicitations).toHaveLength(1);
    expect(theirs.created).toBe(true);
    expect(theirs.replyEventIds).toEqual(["1"]);
    const ours = await approvalScenario(codex);
    expect(ours).toEqual(theirs);
  });
});

if (!REFERENCE_BIN)
  console.warn(
    "skipping the comparison with the real Codex: set CODEX_REFERENCE_BIN to a codex 0.58.0 binary",
  );
