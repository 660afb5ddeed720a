import { type MockModelServer, responses, startMockModelServer, tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ModelClient } from "../src/client/model-client.js";
import {
  type GuardianAction,
  guardianRejectionMessage,
  guardianTimeoutMs,
  guardianWarningMessage,
  parseGuardianDecision,
  plannedActionJson,
  runGuardianReview,
  transcriptEntries,
} from "../src/guardian/index.js";
import { mockConfig } from "./helpers/mock-conversations.js";

const COMMAND: GuardianAction = {
  type: "command",
  source: "unifiedExec",
  argv: ["/bin/bash", "-lc", "echo one > one.txt"],
  cwd: "/work",
  justification: "need it",
  tool: "exec_command",
};

const HISTORY = [
  {
    type: "message",
    role: "user",
    content: [{ type: "input_text", text: "<environment_context>x</environment_context>" }],
  },
  { type: "message", role: "user", content: [{ type: "input_text", text: "run one" }] },
  { type: "function_call", name: "exec_command", arguments: '{"cmd":"ls"}', call_id: "c1" },
  { type: "function_call_output", call_id: "c1", output: "a.txt" },
  { type: "message", role: "assistant", content: [{ type: "output_text", text: "listed" }] },
];

describe("guardian decision", () => {
  it("reads a full assessment and the short low-risk form", () => {
    expect(
      parseGuardianDecision(
        '{"risk_level":"high","user_authorization":"low","outcome":"deny","rationale":"too risky"}',
      ),
    ).toEqual({ status: "denied", riskLevel: "high", userAuthorization: "low", rationale: "too risky" });
    expect(parseGuardianDecision('```json\n{"outcome":"allow"}\n```')).toEqual({
      status: "approved",
      riskLevel: null,
      userAuthorization: null,
      rationale: null,
    });
  });

  it("refuses what is not a decision", () => {
    expect(() => parseGuardianDecision("not json at all")).toThrow("guardian assessment was not valid JSON");
    expect(() => parseGuardianDecision("[1]")).toThrow("not a JSON object");
    expect(() => parseGuardianDecision('{"outcome":"maybe"}')).toThrow("no valid outcome");
    expect(() => parseGuardianDecision(null)).toThrow("empty");
  });

  it("words the warning and the model's rejection as 0.166.0 does", () => {
    const denied = parseGuardianDecision(
      '{"risk_level":"high","user_authorization":"low","outcome":"deny","rationale":"too risky"}',
    );
    expect(guardianWarningMessage(denied)).toBe(
      "Automatic approval review denied (risk: high, authorization: low): too risky",
    );
    expect(guardianRejectionMessage(denied)).toMatch(
      /^This action was rejected due to unacceptable risk\.\nReason: too risky\nThe agent must not attempt/,
    );
  });

  it("reads the test-only timeout knob, ignoring nonsense", () => {
    expect(guardianTimeoutMs({})).toBe(90_000);
    expect(guardianTimeoutMs({ CODEX_TS_TEST_GUARDIAN_TIMEOUT_MS: "250" })).toBe(250);
    expect(guardianTimeoutMs({ CODEX_TS_TEST_GUARDIAN_TIMEOUT_MS: "-1" })).toBe(90_000);
    expect(guardianTimeoutMs({ CODEX_TS_TEST_GUARDIAN_TIMEOUT_MS: "soon" })).toBe(90_000);
  });
});

describe("guardian request", () => {
  it("numbers the transcript without the context messages", () => {
    expect(transcriptEntries(HISTORY)).toEqual([
      "user: run one",
      'tool exec_command call: {"cmd":"ls"}',
      "tool exec_command result: a.txt",
      "assistant: listed",
    ]);
  });

  it("shows the planned action as 0.166.0's sorted JSON", () => {
    expect(JSON.parse(plannedActionJson(COMMAND))).toEqual({
      command: ["/bin/bash", "-lc", "echo one > one.txt"],
      cwd: "/work",
      environment_id: "local",
      justification: "need it",
      sandbox_permissions: "require_escalated",
      tool: "exec_command",
      tty: false,
    });
    expect(Object.keys(JSON.parse(plannedActionJson(COMMAND)))).toEqual([
      "command",
      "cwd",
      "environment_id",
      "justification",
      "sandbox_permissions",
      "tool",
      "tty",
    ]);
  });
});

describe("guardian review against the mock model server", () => {
  let mock: MockModelServer;
  let home: string;
  beforeEach(async () => {
    mock = await startMockModelServer();
    home = await tempDir("codex-guardian-home-");
  });
  afterEach(async () => {
    await mock.close();
  });

  async function review(signal = new AbortController().signal, timeoutMs?: number) {
    const config = await mockConfig({ home, baseUrl: mock.baseUrl });
    const client = new ModelClient({
      provider: config.modelProvider,
      originator: "codex_cli_rs",
      userAgent: () => "codex_cli_rs/0.166.0 (test)",
    });
    return runGuardianReview({
      client,
      model: "gpt-5.5",
      sessionId: "thread-1",
      history: HISTORY,
      action: COMMAND,
      signal,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
  }

  it("sends the policy, the transcript and the action, schema-constrained, and returns the verdict", async () => {
    mock.enqueue(
      responses.turn(
        responses.message(
          '{"risk_level":"low","user_authorization":"high","outcome":"allow","rationale":"fine"}',
        ),
      ),
    );
    expect(await review()).toEqual({
      status: "approved",
      riskLevel: "low",
      userAuthorization: "high",
      rationale: "fine",
    });
    const body = mock.requests[0]!.body as {
      input: { role: string; content: { text: string }[] }[];
      text: { format: { name: string; strict: boolean } };
      reasoning: { effort: string };
      prompt_cache_key: string;
      tools?: unknown;
    };
    expect(body.input[0]!.role).toBe("developer");
    expect(body.input[0]!.content[0]!.text).toMatch(/^You are judging one planned coding-agent action\./);
    const ask = body.input[1]!.content.map((c) => c.text).join("");
    expect(ask).toContain("[1] user: run one\n");
    expect(ask).toContain('"tool": "exec_command"');
    expect(body.text.format).toMatchObject({ name: "codex_output_schema", strict: false });
    expect(body.reasoning.effort).toBe("low");
    expect(body.prompt_cache_key).toBe("guardian:thread-1");
    expect(body.tools).toBeUndefined();
  });

  it("asks three times in all, then fails closed on answers that are not decisions", async () => {
    mock.enqueue(
      responses.turn(responses.message("not json")),
      responses.turn(responses.message("still not")),
      responses.turn(responses.message("nope")),
    );
    const verdict = await review();
    expect(verdict).toEqual({
      status: "denied",
      riskLevel: null,
      userAuthorization: null,
      rationale: "Automatic approval review failed: guardian assessment was not valid JSON",
      failed: true,
    });
    expect(mock.requests).toHaveLength(3);
    expect(guardianRejectionMessage(verdict)).toContain("This is a review failure");
  });

  it("a second try that answers is taken", async () => {
    mock.enqueue(
      responses.turn(responses.message("hmm")),
      responses.turn(responses.message('{"outcome":"deny"}')),
    );
    expect((await review()).status).toBe("denied");
    const second = mock.requests[1]!.body as { input: { role: string }[] };
    expect(second.input.map((i) => i.role)).toEqual(["developer", "user", "assistant", "user"]);
  });

  it("fails closed on a model error", async () => {
    mock.enqueue({ kind: "http", status: 400, body: JSON.stringify({ error: { message: "bad" } }) });
    const verdict = await review();
    expect(verdict.status).toBe("denied");
    expect(verdict.rationale).toMatch(/^Automatic approval review failed: /);
  });

  it("times out closed when the reviewer does not answer in time", async () => {
    mock.enqueue({ kind: "hang" });
    expect(await review(undefined, 200)).toEqual({
      status: "timedOut",
      riskLevel: null,
      userAuthorization: null,
      rationale: "Automatic approval review timed out while evaluating the requested approval.",
    });
  });

  it("an interrupt aborts the review", async () => {
    mock.enqueue({ kind: "hang" });
    const abort = new AbortController();
    const pending = review(abort.signal);
    await vi.waitFor(() => expect(mock.requests).toHaveLength(1));
    abort.abort();
    expect((await pending).status).toBe("aborted");
  });
});
