import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { sandboxSupport } from "@codex-ts/core";
import {
  type AppServerBinary,
  expectTurnOrder,
  expectWireShapes,
  type Item,
  type Message,
  REFERENCE_CODEX_BIN,
  responses,
  tempDir,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * Sandbox command assessment through the built CLI: a command the real sandbox (bubblewrap) refuses makes the
 * server ask to re-run it unconfined, and with `experimental_sandbox_command_assessment` on, that approval carries
 * the model's verdict from one extra request — or `risk: null` when the verdict cannot be had.
 */
const suite = useAppServerSuite();

/**
 * A server with its own CODEX_HOME and mock model; `features` (and any other TOML) goes into config.toml, `args`
 * onto the CLI. With `bin`, that executable (the real Codex) is started instead of ours.
 */
async function start(o: { features?: string; args?: string[]; bin?: AppServerBinary } = {}) {
  const mock = await suite.newMock();
  const home = await suite.home({ mock, toml: o.features ?? "", prefix: "codex-e2e-assess-" });
  const c = await suite.start({ bin: o.bin ?? "ours", home, args: o.args ?? [] });
  return { c, mock };
}

const params = (m: Message) => m.params as Record<string, unknown>;
/** Writing here needs more than workspace-write gives: not the workspace, not /tmp. */
const outsideDir = () => tempDir("codex-e2e-outside-", { base: "/var/tmp" });

/** The model's first request of a turn asks the shell to write outside the workspace. */
function writeOutside(file: string, callId: string) {
  return responses.turn(
    responses.functionCall("shell", { command: ["bash", "-lc", `echo x > ${file}`] }, callId),
  );
}

const verdict = (description: string, risk_level: string) =>
  responses.turn(responses.message(JSON.stringify({ description, risk_level })));

type Body = {
  tools: unknown[];
  instructions: string;
  input: { content: { text: string }[] }[];
  text?: unknown;
};

describe.skipIf(sandboxSupport() !== "bubblewrap")(
  "sandbox command assessment through the app-server",
  () => {
    it("v2 thread, `--enable`: the retry approval carries the verdict; the extra request stays out of items, history and rollout", {
      timeout: 90_000,
    }, async () => {
      const { c, mock } = await start({ args: ["--enable", "experimental_sandbox_command_assessment"] });
      const cwd = await suite.workdir();
      const outside = await outsideDir();
      const file = path.join(outside, "f.txt");
      mock.enqueue(
        writeOutside(file, "call_w"),
        verdict("Writes a file outside the workspace.", "medium"),
        responses.turn(responses.message("Written.")),
      );
      const thread = (
        await c.request("thread/start", { cwd, approvalPolicy: "onFailure", sandbox: "workspaceWrite" })
      ).thread as { id: string; path: string };
      await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "write it" }] });
      const approval = await c.waitFor((m) => m.method === "execCommandApproval", "execCommandApproval");
      expect(params(approval)).toEqual({
        conversationId: thread.id,
        callId: "call_w",
        command: ["bash", "-lc", `echo x > ${file}`],
        cwd,
        reason: "command failed; retry without sandbox?",
        risk: { description: "Writes a file outside the workspace.", risk_level: "medium" },
        parsedCmd: [{ type: "unknown", cmd: `echo x > ${file}` }],
      });
      // The sandbox really refused: nothing was written before the approval.
      expect(existsSync(file)).toBe(false);
      c.answer(approval, { decision: "approved" });
      await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
      expect(await fs.readFile(file, "utf8")).toBe("x\n");

      expect(mock.requests).toHaveLength(3);
      const assessment = mock.requests[1]!.body as Body;
      expect(mock.requests[1]!.headers.conversation_id).toBe(thread.id);
      expect(assessment.tools).toEqual([]);
      expect(assessment.instructions).toMatch(
        /^You are a security analyst evaluating shell commands that were blocked by a sandbox/,
      );
      expect(assessment.text).toMatchObject({ format: { type: "json_schema", name: "codex_output_schema" } });
      const metadata = assessment.input[0]!.content[0]!.text;
      expect(metadata).toMatch(
        new RegExp(
          `^Command metadata:\\nPlatform: linux\\nSandbox policy: workspace-write \\(network_access=no-network\\)\\n\\nFilesystem roots: ${cwd}\\n\\nWorking directory: ${cwd}\\n`,
        ),
      );
      expect(metadata).toContain(
        `\nCommand (joined): bash -lc 'echo x > ${file}'\n\nSandbox failure message: failed in sandbox: `,
      );
      expect(metadata).toMatch(/Read-only file system|Permission denied/);
      // The follow-up request continues the conversation as if the assessment never happened.
      const followUp = JSON.stringify(mock.requests[2]!.body);
      expect(followUp).not.toContain("Command metadata");
      expect(followUp).not.toContain("Writes a file outside the workspace.");
      // No agent message (v1 event or v2 item) came from the assessment.
      const agentTexts = c.messages
        .filter((m) => m.method === "item/completed" && (params(m).item as Item).type === "agentMessage")
        .map((m) => (params(m).item as Item).text);
      expect(agentTexts).toEqual(["Written."]);
      const v1Messages = c.messages
        .filter((m) => m.method === "codex/event/agent_message")
        .map((m) => (params(m).msg as { message: string }).message);
      expect(v1Messages).toEqual(["Written."]);
      expectWireShapes(c.messages);
      expectTurnOrder(c.messages);
      expect((await c.close()).code).toBe(0);
      const rollout = await fs.readFile(thread.path, "utf8");
      expect(rollout).not.toContain("Command metadata");
      expect(rollout).not.toContain("Writes a file outside the workspace.");
    });

    it("v2 thread, unlessTrusted: the first approval is assessed too (no failure message); once approved, the refused command re-runs unconfined without a second question", {
      timeout: 90_000,
    }, async () => {
      const { c, mock } = await start({ args: ["--enable", "experimental_sandbox_command_assessment"] });
      const cwd = await suite.workdir();
      const file = path.join(await outsideDir(), "u.txt");
      mock.enqueue(
        writeOutside(file, "call_u"),
        verdict("Writes one file.", "low"),
        responses.turn(responses.message("Done.")),
      );
      const thread = (
        await c.request("thread/start", { cwd, approvalPolicy: "unlessTrusted", sandbox: "workspaceWrite" })
      ).thread as { id: string };
      await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "write" }] });
      const approval = await c.waitFor((m) => m.method === "execCommandApproval", "execCommandApproval");
      expect(params(approval)).toMatchObject({
        callId: "call_u",
        reason: null,
        risk: { description: "Writes one file.", risk_level: "low" },
      });
      const metadata = (mock.requests[1]!.body as Body).input[0]!.content[0]!.text;
      expect(metadata.endsWith(`\nCommand (joined): bash -lc 'echo x > ${file}'`)).toBe(true);
      c.answer(approval, { decision: "approved" });
      await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
      expect(await fs.readFile(file, "utf8")).toBe("x\n");
      expect(c.messages.filter((m) => m.method === "execCommandApproval")).toHaveLength(1);
      expect(mock.requests).toHaveLength(3);
      expectWireShapes(c.messages);
      expect((await c.close()).code).toBe(0);
    });

    it("v1, `[features]` in config.toml: garbage, HTTP 500 and a 5 s timeout all give `risk: null`, and the turns go on", {
      timeout: 120_000,
    }, async () => {
      const { c, mock } = await start({
        features: "[features]\nexperimental_sandbox_command_assessment = true\n",
      });
      const cwd = await suite.workdir();
      const outside = await outsideDir();
      const created = await c.request("newConversation", {
        cwd,
        approvalPolicy: "on-failure",
        sandbox: "workspace-write",
      });
      const id = String(created.conversationId);
      await c.request("addConversationListener", { conversationId: id });

      const late = verdict("Too late.", "low");
      const cases = [
        { name: "garbage", answer: responses.turn(responses.message("This looks fine to me!")) },
        { name: "http500", answer: { kind: "http" as const, status: 500, body: '{"error":"boom"}' } },
        // The verdict only arrives after 6 s; the approval must not wait for it past 5 s.
        { name: "timeout", answer: late.kind === "sse" ? { ...late, delayMs: 6_000 } : late },
      ];
      for (const t of cases) {
        const callId = `call_${t.name}`;
        mock.enqueue(writeOutside(path.join(outside, `${t.name}.txt`), callId), t.answer);
        mock.enqueue(responses.turn(responses.message(`Not written (${t.name}).`)));
        const requestsBefore = mock.requests.length;
        await c.request("sendUserMessage", {
          conversationId: id,
          items: [{ type: "text", data: { text: `write ${t.name}` } }],
        });
        const begin = await c.waitFor(
          (m) => m.method === "codex/event/exec_command_begin" && (params(m).msg as Item).call_id === callId,
          `exec_command_begin ${callId}`,
        );
        expect(begin).toBeDefined();
        const approval = await c.waitFor(
          (m) => m.method === "execCommandApproval" && params(m).callId === callId,
          `execCommandApproval ${callId}`,
        );
        // Counted from the assessment request's arrival, not from the command's start: the sandboxed login shell
        // that fails first can take seconds on a loaded machine.
        const waited = Date.now() - mock.requests[requestsBefore + 1]!.at;
        expect(params(approval)).toMatchObject({
          reason: "command failed; retry without sandbox?",
          risk: null,
        });
        if (t.name === "timeout") {
          expect(waited).toBeGreaterThanOrEqual(4_500);
          expect(waited).toBeLessThan(9_000);
        }
        c.answer(approval, { decision: "denied" });
        const done = await c.waitFor(
          (m) =>
            m.method === "codex/event/task_complete" &&
            (params(m).msg as { last_agent_message: string }).last_agent_message ===
              `Not written (${t.name}).`,
          `task_complete ${t.name}`,
        );
        expect(done).toBeDefined();
        // One assessment request, then the follow-up; HTTP 500 is not retried past the provider's budget.
        expect(mock.requests.length - requestsBefore).toBe(3);
        expect(existsSync(path.join(outside, `${t.name}.txt`))).toBe(false);
      }
      // A failed assessment is silent: no error, no reconnect notice, no message from it.
      const types = c.messages.filter((m) => m.method?.startsWith("codex/event/")).map((m) => m.method);
      expect(types).not.toContain("codex/event/error");
      expect(types).not.toContain("codex/event/stream_error");
      expect(
        c.messages
          .filter((m) => m.method === "codex/event/agent_message")
          .map((m) => (params(m).msg as { message: string }).message),
      ).toEqual(["Not written (garbage).", "Not written (http500).", "Not written (timeout)."]);
      expect((await c.close()).code).toBe(0);
    });
  },
);

const reference = REFERENCE_CODEX_BIN;

/**
 * One v1 turn whose command writes outside the workspace, answered `decision` at every approval, against a server
 * started by `start(bin)`; everything the comparison looks at, with the run's own ids and paths normalised.
 */
async function assessedTurn(
  bin: AppServerBinary,
  policy: "on-failure" | "untrusted",
  decision: "approved" | "denied" | "abort",
) {
  const cwd = await suite.workdir();
  const extra = await tempDir("codex-extra-");
  const file = path.join(await outsideDir(), "f.txt");
  const { c, mock } = await start({
    features: `[features]\nexperimental_sandbox_command_assessment = true\n[sandbox_workspace_write]\nwritable_roots = ["${extra}"]\n`,
    bin,
  });
  mock.enqueue(writeOutside(file, "call_cmp"), verdict("Writes a file outside the workspace.", "high"));
  mock.enqueue(responses.turn(responses.message("Finished.")));
  const created = await c.request("newConversation", {
    cwd,
    approvalPolicy: policy,
    sandbox: "workspace-write",
  });
  const id = String(created.conversationId);
  await c.request("addConversationListener", { conversationId: id });
  await c.request("sendUserMessage", {
    conversationId: id,
    items: [{ type: "text", data: { text: "write" } }],
  });
  const approvals: Record<string, unknown>[] = [];
  for (;;) {
    const next = await c.waitFor(
      (m) =>
        (m.method === "execCommandApproval" && !approvals.includes(params(m))) ||
        m.method === "codex/event/task_complete" ||
        m.method === "codex/event/turn_aborted",
      "approval or the end of the turn",
    );
    if (next.method === "codex/event/turn_aborted") {
      // 0.58.0 closes the aborted command concurrently with the abort: its exec_command_end may come just after.
      await new Promise((r) => setTimeout(r, 1_000));
    }
    if (next.method !== "execCommandApproval") break;
    approvals.push(params(next));
    c.answer(next, { decision });
  }
  await c.close();
  const normalise = (text: string) =>
    text
      .replaceAll(id, "<conversation>")
      .replaceAll(cwd, "<cwd>")
      .replaceAll(extra, "<extra>")
      .replaceAll(path.dirname(file), "<outside>")
      // The sandboxes word their refusal differently (bubblewrap: read-only mount; Landlock: permission denied).
      .replace(/(Sandbox failure message: failed in sandbox: )[\s\S]*$/, "$1<sandbox output>");
  const bodies = mock.requests.map((r) => r.body as Body & Record<string, unknown>);
  const assessment = bodies[1]!;
  const end = c.messages.find((m) => m.method === "codex/event/exec_command_end");
  return {
    requests: bodies.length,
    approvals: approvals.map((a) => JSON.parse(normalise(JSON.stringify(a)))),
    assessment: {
      keys: Object.keys(assessment),
      conversationHeader: mock.requests[1]!.headers.conversation_id === id,
      cacheKey: assessment.prompt_cache_key === id,
      ...Object.fromEntries(
        [
          "model",
          "tools",
          "tool_choice",
          "parallel_tool_calls",
          "reasoning",
          "store",
          "stream",
          "include",
          "text",
        ].map((k) => [k, assessment[k]]),
      ),
      opening: assessment.instructions.split(".")[0],
      input: JSON.parse(
        JSON.stringify(assessment.input, (_k, v) => (typeof v === "string" ? normalise(v) : v)),
      ),
    },
    lastInputSentAfter: JSON.parse(
      JSON.stringify(bodies[2]?.input.at(-1) ?? null).replace(
        /Wall time: [\d.]+ seconds/,
        "Wall time: <s> seconds",
      ),
    ),
    end: end ? { ...(params(end).msg as Record<string, unknown>), duration: null, stdout: null } : null,
    turnEnd: c.messages
      .filter((m) => m.method === "codex/event/task_complete" || m.method === "codex/event/turn_aborted")
      .map((m) => params(m).msg),
    written: existsSync(file),
  };
}

describe.skipIf(!reference || sandboxSupport() !== "bubblewrap")(
  "the same assessment as the real codex app-server 0.58.0",
  () => {
    it("on-failure, retry denied: same approval, same assessment request, same rejection", {
      timeout: 120_000,
    }, async () => {
      const ours = await assessedTurn("ours", "on-failure", "denied");
      const real = await assessedTurn("reference", "on-failure", "denied");
      expect(ours.approvals[0]).toMatchObject({ risk: { risk_level: "high" } });
      expect(ours.assessment.input[0].content[0].text).toContain("Filesystem roots: ");
      expect(ours).toEqual(real);
    });

    it("on-failure, retry aborted: the command closed as rejected, then the turn aborted", {
      timeout: 120_000,
    }, async () => {
      const ours = await assessedTurn("ours", "on-failure", "abort");
      const real = await assessedTurn("reference", "on-failure", "abort");
      expect(ours.turnEnd).toEqual([{ type: "turn_aborted", reason: "interrupted" }]);
      expect(ours.end).toMatchObject({ exit_code: -1 });
      // 0.58.0 closes the refused command concurrently with the abort; under load its exec_command_end may come
      // too late to be seen at all, so it is compared only when it came. It can also have sent the next model
      // request (the refusal as its input) before it notices the abort; ours never does.
      expect(ours.requests).toBe(2);
      expect(ours.lastInputSentAfter).toBeNull();
      expect([2, 3]).toContain(real.requests);
      const raced = { requests: null, lastInputSentAfter: null };
      expect({ ...ours, ...raced, end: real.end ? ours.end : null }).toEqual({ ...real, ...raced });
    });

    it("untrusted, approved: the first approval is assessed and the refused command re-runs unconfined", {
      timeout: 120_000,
    }, async () => {
      const ours = await assessedTurn("ours", "untrusted", "approved");
      const real = await assessedTurn("reference", "untrusted", "approved");
      expect(ours.approvals).toHaveLength(1);
      expect(ours.written).toBe(true);
      // The commands' own output (and timing) differ by sandbox; the outcome does not.
      expect({ ...ours, end: null }).toEqual({ ...real, end: null });
      expect(ours.end).toMatchObject({ exit_code: 0 });
      expect(real.end).toMatchObject({ exit_code: 0 });
    });
  },
);
