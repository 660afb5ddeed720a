import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "@codex-ts/config-loader";
import { type MockModelServer, responses, startMockModelServer, tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ModelClient } from "../src/client/model-client.js";
import {
  ASSESSMENT_INSTRUCTIONS,
  assessmentRoots,
  assessSandboxCommand,
  commandMetadataMessage,
  parseAssessment,
  platformName,
  sandboxFailureMessage,
  sandboxPolicySummary,
} from "../src/conversation/sandbox-assessment.js";
import { shlexJoin, shlexQuote } from "../src/exec/shell-words.js";
import { type ConversationManager, sandboxSupport } from "../src/index.js";
import { mockConfig, testConversationManager } from "./helpers/mock-conversations.js";
import { watchEvents } from "./helpers/watch-events.js";

const workspace = (writable_roots: string[], network_access = false) =>
  ({
    mode: "workspace-write",
    writable_roots,
    network_access,
    exclude_tmpdir_env_var: false,
    exclude_slash_tmp: false,
  }) as const;

describe("the Command metadata message", () => {
  it("is laid out exactly as Codex 0.58.0 sends it", () => {
    expect(
      commandMetadataMessage({
        platform: "linux",
        policy: workspace([]),
        cwd: "/home/user/project",
        command: ["bash", "-lc", "touch /usr/local/made_by_codex"],
        failureMessage:
          "failed in sandbox: touch: cannot touch '/usr/local/made_by_codex': Read-only file system\n",
      }),
    ).toBe(
      [
        "Command metadata:",
        "Platform: linux",
        "Sandbox policy: workspace-write (network_access=no-network)",
        "",
        "Filesystem roots: /home/user/project",
        "",
        "Working directory: /home/user/project",
        'Command argv: ["bash","-lc","touch /usr/local/made_by_codex"]',
        "Command (joined): bash -lc 'touch /usr/local/made_by_codex'",
        "",
        "Sandbox failure message: failed in sandbox: touch: cannot touch '/usr/local/made_by_codex': Read-only file system",
      ].join("\n"),
    );
  });

  it("lists the working directory and writable roots sorted (path order) without duplicates", () => {
    const message = commandMetadataMessage({
      platform: "macos",
      policy: workspace(["/w/z", "/w/a-b", "/w/a/b", "/w/cwd"], true),
      cwd: "/w/cwd",
      command: ["ls"],
    });
    expect(message).toContain("Platform: macos\nSandbox policy: workspace-write (network_access=network)\n");
    // Rust orders paths by component, so `/w/a/b` comes before `/w/a-b` (a plain string sort says otherwise).
    expect(message).toContain("\nFilesystem roots: /w/a/b, /w/a-b, /w/cwd, /w/z\n");
    // Without a failure message the block ends at the joined command.
    expect(message.endsWith('Command argv: ["ls"]\nCommand (joined): ls')).toBe(true);
  });

  it("summarises every sandbox policy and names the platform like Rust", () => {
    expect(sandboxPolicySummary({ mode: "read-only" })).toBe("read-only");
    expect(sandboxPolicySummary({ mode: "danger-full-access" })).toBe("danger-full-access");
    expect(sandboxPolicySummary(workspace([], true))).toBe("workspace-write (network_access=network)");
    expect(assessmentRoots({ mode: "read-only" }, "/p")).toEqual(["/p"]);
    expect(platformName("linux")).toBe("linux");
    expect(platformName("darwin")).toBe("macos");
    expect(platformName("win32")).toBe("windows");
  });

  it("joins argv with Rust shlex quoting", () => {
    expect(shlexJoin(["bash", "-lc", "touch /usr/local/x"])).toBe("bash -lc 'touch /usr/local/x'");
    // Observed from 0.58.0: a single quote inside switches to double quotes.
    expect(shlexJoin(["bash", "-lc", "touch /tmp/x && echo it's done"])).toBe(
      `bash -lc "touch /tmp/x && echo it's done"`,
    );
    expect(shlexQuote("")).toBe("''");
    expect(shlexQuote("a=b,c")).toBe("'a=b,c'");
    expect(shlexQuote("$HOME")).toBe("'$HOME'");
    expect(shlexQuote("it's $HOME")).toBe(`"it's "'$HOME'`);
    expect(shlexQuote(`'"`)).toBe(`"'\\""`);
    expect(shlexQuote("a\\b")).toBe(`"a\\\\b"`);
    expect(shlexQuote("^x")).toBe("'^x'");
    expect(shlexQuote("héllo")).toBe("'héllo'");
    expect(shlexQuote("-n:1,200p")).toBe("'-n:1,200p'");
    expect(shlexJoin(["a\0b", "c d"])).toBe("a\0b c d");
  });

  it("describes the sandbox failure from the command's output", () => {
    const base = { aggregatedOutput: "", stdout: "", stderr: "", exitCode: 1 };
    expect(sandboxFailureMessage({ ...base, aggregatedOutput: "out\nerr\n", stderr: "err\n" })).toBe(
      "failed in sandbox: out\nerr\n",
    );
    expect(sandboxFailureMessage({ ...base, aggregatedOutput: "  \n", stderr: " e \n", stdout: " o " })).toBe(
      "failed in sandbox: e\no",
    );
    expect(sandboxFailureMessage({ ...base, aggregatedOutput: " ", stderr: "e\n" })).toBe(
      "failed in sandbox: e\n",
    );
    expect(sandboxFailureMessage({ ...base, exitCode: 13 })).toBe(
      "failed in sandbox: command failed inside sandbox with exit code 13",
    );
  });
});

describe("parsing the assessment answer", () => {
  it("accepts the two keys (extra keys ignored, surrounding blanks trimmed)", () => {
    expect(parseAssessment(' {"description":"Lists files.","risk_level":"low","extra":1}\n')).toEqual({
      description: "Lists files.",
      risk_level: "low",
    });
  });

  it("rejects anything else", () => {
    for (const bad of [
      null,
      "",
      "not json",
      '```json\n{"description":"x","risk_level":"low"}\n```',
      '{"description":"x","risk_level":"critical"}',
      '{"description":"x"}',
      '{"description":3,"risk_level":"low"}',
      '[{"description":"x","risk_level":"low"}]',
      "null",
    ]) {
      expect(parseAssessment(bad)).toBeNull();
    }
  });
});

describe("the assessment request against the mock model server", () => {
  let mock: MockModelServer;
  let home: string;
  const retries: string[] = [];

  beforeEach(async () => {
    mock = await startMockModelServer();
    home = await tempDir("codex-assess-home-");
    retries.length = 0;
  });
  afterEach(async () => {
    await mock.close();
  });

  async function client(): Promise<ModelClient> {
    const config = await mockConfig({
      home,
      baseUrl: mock.baseUrl,
      overrides: ["model_providers.mock.request_max_retries=1"],
    });
    return new ModelClient({
      provider: config.modelProvider,
      originator: "codex_cli_rs",
      userAgent: () => "codex_cli_rs/0.58.0 (test)",
      onRetry: (m) => retries.push(m),
    });
  }

  const request = async (signal = new AbortController().signal, timeoutMs?: number) =>
    assessSandboxCommand({
      client: await client(),
      conversationId: "conv-1",
      model: "gpt-5-codex",
      reasoning: { summary: "auto" },
      command: ["bash", "-lc", "touch /usr/local/x"],
      cwd: "/work",
      policy: workspace([]),
      failureMessage: "failed in sandbox: touch: Read-only file system",
      platform: "linux",
      signal,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });

  it("sends one tool-less, schema-constrained request and returns the verdict", async () => {
    mock.enqueue(
      responses.turn(
        responses.reasoning("thinking"),
        responses.message('{"description":"Creates a file under /usr/local.","risk_level":"medium"}'),
      ),
    );
    expect(await request()).toEqual({
      description: "Creates a file under /usr/local.",
      risk_level: "medium",
    });
    expect(mock.requests).toHaveLength(1);
    const r = mock.requests[0]!;
    expect(r.headers.conversation_id).toBe("conv-1");
    expect(r.headers.session_id).toBe("conv-1");
    const body = r.body as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([
      "model",
      "instructions",
      "input",
      "tools",
      "tool_choice",
      "parallel_tool_calls",
      "reasoning",
      "store",
      "stream",
      "include",
      "prompt_cache_key",
      "text",
    ]);
    expect(body).toMatchObject({
      model: "gpt-5-codex",
      instructions: ASSESSMENT_INSTRUCTIONS,
      tools: [],
      tool_choice: "auto",
      parallel_tool_calls: false,
      reasoning: { summary: "auto" },
      prompt_cache_key: "conv-1",
      text: {
        format: {
          type: "json_schema",
          strict: true,
          name: "codex_output_schema",
          schema: {
            type: "object",
            required: ["description", "risk_level"],
            properties: {
              description: { type: "string", minLength: 1, maxLength: 500 },
              risk_level: { type: "string", enum: ["low", "medium", "high"] },
            },
            additionalProperties: false,
          },
        },
      },
    });
    expect(String(body.instructions)).toMatch(
      /^You are a security analyst evaluating shell commands that were blocked by a sandbox/,
    );
    const input = body.input as { type: string; role: string; content: { type: string; text: string }[] }[];
    expect(input).toHaveLength(1);
    expect(input[0]).toMatchObject({ type: "message", role: "user" });
    expect(input[0]!.content).toEqual([
      {
        type: "input_text",
        text: commandMetadataMessage({
          platform: "linux",
          policy: workspace([]),
          cwd: "/work",
          command: ["bash", "-lc", "touch /usr/local/x"],
          failureMessage: "failed in sandbox: touch: Read-only file system",
        }),
      },
    ]);
  });

  it("uses the last message of the answer", async () => {
    mock.enqueue(
      responses.turn(
        responses.message('{"description":"first","risk_level":"low"}'),
        responses.message('{"description":"second","risk_level":"high"}'),
      ),
    );
    expect(await request()).toEqual({ description: "second", risk_level: "high" });
  });

  it("is null for garbage, an answer without a message, HTTP errors (retried silently) and timeouts", async () => {
    mock.enqueue(responses.turn(responses.message("I think this is fine.")));
    expect(await request()).toBeNull();

    mock.enqueue(responses.turn(responses.reasoning("only thinking")));
    expect(await request()).toBeNull();

    const before = mock.requests.length;
    mock.enqueue(
      { kind: "http", status: 500, body: "boom" },
      { kind: "http", status: 500, body: "boom again" },
    );
    expect(await request()).toBeNull();
    expect(mock.requests.length - before).toBe(2); // the provider's retry budget still applies
    expect(retries).toEqual([]); // but no "Reconnecting..." notice reaches the conversation

    // The production limit is 5 s; a shorter one here keeps the test quick.
    const late = responses.turn(responses.message('{"description":"late","risk_level":"low"}'));
    if (late.kind === "sse") mock.enqueue({ ...late, delayMs: 400 });
    const started = Date.now();
    expect(await request(undefined, 300)).toBeNull();
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("is null at once when the turn is interrupted", async () => {
    const abort = new AbortController();
    abort.abort();
    expect(await request(abort.signal)).toBeNull();
    expect(mock.requests).toHaveLength(0);
  });
});

describe.skipIf(sandboxSupport() !== "bubblewrap")(
  "assessment in the conversation runtime (bubblewrap)",
  () => {
    let mock: MockModelServer;
    let home: string;
    let work: string;
    let manager: ConversationManager;

    beforeEach(async () => {
      mock = await startMockModelServer();
      home = await tempDir("codex-assess-home-");
      work = await tempDir("codex-assess-work-");
      manager = testConversationManager(home);
    });
    afterEach(async () => {
      await manager.shutdownAll();
      await mock.close();
    });

    const config = (...overrides: string[]): Promise<Config> =>
      mockConfig({
        home,
        baseUrl: mock.baseUrl,
        cwd: work,
        overrides: ["approval_policy=on-failure", "sandbox_mode=workspace-write", ...overrides],
      });

    /** A turn whose command the sandbox refuses (a write outside every writable root), then denied by the user. */
    async function deniedRetry(features: string[]) {
      const outside = await tempDir("codex-assess-outside-", { base: "/var/tmp" });
      mock.enqueue(
        responses.turn(
          responses.functionCall("shell", { command: ["bash", "-lc", `echo x > ${outside}/f`] }, "call_a"),
        ),
      );
      if (features.length) {
        mock.enqueue(
          responses.turn(
            responses.message('{"description":"Writes a file outside the workspace.","risk_level":"high"}'),
          ),
        );
      }
      mock.enqueue(responses.turn(responses.message("ok, not writing")));
      const { conversation, rolloutPath } = await manager.newConversation(await config(...features));
      const w = watchEvents(conversation);
      await conversation.submit({ type: "user_input", items: [{ type: "text", data: { text: "write" } }] });
      const approval = await w.until("exec_approval_request");
      await conversation.submit({ type: "exec_approval", id: "call_a", decision: "denied" });
      await w.until("task_complete");
      return { approval, w, rolloutPath };
    }

    it("puts the model's verdict in the retry approval and keeps the request out of history, rollout and events", async () => {
      const { approval, w, rolloutPath } = await deniedRetry([
        "features.experimental_sandbox_command_assessment=true",
      ]);
      expect(approval.msg).toMatchObject({
        reason: "command failed; retry without sandbox?",
        risk: { description: "Writes a file outside the workspace.", risk_level: "high" },
      });
      expect(mock.requests).toHaveLength(3);
      const assessment = mock.requests[1]!.body as {
        tools: unknown[];
        input: { content: { text: string }[] }[];
      };
      expect(assessment.tools).toEqual([]);
      const metadata = assessment.input[0]!.content[0]!.text;
      expect(metadata).toContain(`\nWorking directory: ${work}\n`);
      expect(metadata).toMatch(
        /\nSandbox failure message: failed in sandbox: [\s\S]*(Read-only file system|Permission denied)/,
      );
      // Refusing the unconfined re-run is reported like any rejection (0.58.0): exit code -1, the model told so.
      expect((await w.until("exec_command_end")).msg).toMatchObject({
        exit_code: -1,
        aggregated_output: "exec command rejected by user",
      });
      const followUpInput = (mock.requests[2]!.body as { input: { output?: string }[] }).input;
      expect(followUpInput.at(-1)!.output).toBe("exec command rejected by user");
      const followUp = JSON.stringify(mock.requests[2]!.body);
      expect(followUp).not.toContain("Command metadata");
      expect(followUp).not.toContain("Writes a file outside the workspace.");
      const messages = w.events.filter((e) => e.msg.type === "agent_message").map((e) => e.msg);
      expect(messages).toEqual([expect.objectContaining({ message: "ok, not writing" })]);
      const rollout = await readFile(rolloutPath, "utf8");
      expect(rollout).not.toContain("Command metadata");
      expect(rollout).not.toContain("Writes a file outside the workspace.");
    });

    it("assesses the first approval under untrusted (no failure message); once approved, a sandbox failure re-runs the command unconfined without asking again", async () => {
      const outside = await tempDir("codex-assess-outside-", { base: "/var/tmp" });
      mock.enqueue(
        responses.turn(
          responses.functionCall("shell", { command: ["bash", "-lc", `echo x > ${outside}/f`] }, "call_u"),
        ),
        responses.turn(responses.message('{"description":"Writes a file.","risk_level":"medium"}')),
        responses.turn(responses.message("written")),
      );
      const { conversation } = await manager.newConversation(
        await config("approval_policy=untrusted", "features.experimental_sandbox_command_assessment=true"),
      );
      const w = watchEvents(conversation);
      await conversation.submit({ type: "user_input", items: [{ type: "text", data: { text: "write" } }] });
      const approval = await w.until("exec_approval_request");
      expect(approval.msg).toMatchObject({ risk: { description: "Writes a file.", risk_level: "medium" } });
      // No reason: the key is left out, as 0.58.0 sends the event.
      expect(approval.msg).not.toHaveProperty("reason");
      const metadata = (mock.requests[1]!.body as { input: { content: { text: string }[] }[] }).input[0]!
        .content[0]!.text;
      expect(metadata.endsWith(`Command (joined): bash -lc 'echo x > ${outside}/f'`)).toBe(true);
      await conversation.submit({ type: "exec_approval", id: "call_u", decision: "approved" });
      const end = await w.until("exec_command_end");
      expect(end.msg).toMatchObject({ exit_code: 0 });
      await w.until("task_complete");
      expect(w.events.filter((e) => e.msg.type === "exec_approval_request")).toHaveLength(1);
      expect(await readFile(join(outside, "f"), "utf8")).toBe("x\n");
      expect(mock.requests).toHaveLength(3);
    });

    it("sends no assessment request while the feature is off", async () => {
      const { approval } = await deniedRetry([]);
      expect(approval.msg).toMatchObject({ reason: "command failed; retry without sandbox?" });
      expect(approval.msg).not.toHaveProperty("risk");
      expect(mock.requests).toHaveLength(2);
    });
  },
);
