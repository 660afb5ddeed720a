import { CODEX_0166_BIN, type ScriptedResponse, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type MockServer0166, startMockServer0166 } from "./helpers/mock-server-0166.js";
import { type AgentStep, agentScript, CHILD_TASK, runAgentTurn } from "./helpers/multi-agent.js";

/**
 * The `<subagent_notification>` 0.166.0 adds to a parent's history when an agent it spawned first reaches a final
 * status, on this server and (where it is installed) on the native codex 0.166.0 with the same script: during the
 * parent's turn (it comes after the tool outputs of the step in which the agent finished, once per spawn: a second
 * turn of the agent, after `send_input`, adds none), and while the parent is idle (no turn starts; its next turn's
 * request has it before the new user message). Compared: the parent's last request, as a list of its items.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN)
  console.warn("multi-agent notification: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

type Item = Record<string, unknown>;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

const server = (impl: Impl): Promise<MockServer0166> =>
  startMockServer0166(suite, impl, {
    client: { name: "agents_client", version: "1.0" },
    prefix: "codex-0166-agent-notification-",
  });

const isAgentRequest = (body: unknown) =>
  JSON.stringify((body as Item).input).includes(`"text":"${CHILD_TASK}"`);

/**
 * The parent's last request after its environment context: each user message's text, each call's name and each
 * output, agent ids as `agent1`…, nicknames and submission ids as `<nickname>` / `<submission>`.
 */
function parentHistory(s: MockServer0166): string[] {
  const body = s.mock.requests.filter((r) => !isAgentRequest(r.body)).at(-1)?.body as Item | undefined;
  const ids = new Map<string, string>();
  const name = (text: string) =>
    text.replace(UUID, (id) => {
      if (!ids.has(id)) ids.set(id, `agent${ids.size + 1}`);
      return ids.get(id) as string;
    });
  return ((body?.input as Item[]) ?? [])
    .filter((i) => i.role !== "developer")
    .map((i) => {
      if (i.type === "message") {
        const text = (i.content as { text?: string }[]).map((c) => c.text ?? "").join("");
        return `${i.role}: ${text.startsWith("<environment_context>") ? "<environment_context>" : name(text)}`;
      }
      if (i.type === "function_call") return `call ${String(i.name)}`;
      if (i.type === "function_call_output")
        return `output ${name(String(i.output))
          .replace(/"submission_id":"[^"]*"/, '"submission_id":"<submission>"')
          .replace(/"nickname":"[^"]*"/, '"nickname":"<nickname>"')}`;
      return String(i.type);
    });
}

const FLOW: AgentStep[] = [
  () => ["spawn_agent", { message: CHILD_TASK }],
  (id) => ["wait_agent", { targets: [id], timeout_ms: 30_000 }],
  (id) => ["send_input", { target: id, message: `${CHILD_TASK} 2` }],
  (id) => ["wait_agent", { targets: [id], timeout_ms: 30_000 }],
  (id) => ["close_agent", { target: id }],
];

const NOTIFIED =
  'user: <subagent_notification>\n{"agent_path":"agent1","status":{"completed":"child done"}}\n</subagent_notification>';

/** A root whose turn spawns an agent and ends; the agent answers once `release` is called, then the root runs again. */
async function idleParent(impl: Impl): Promise<string[]> {
  const s = await server(impl);
  let release = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  const script = agentScript([() => ["spawn_agent", { message: CHILD_TASK }]]);
  const answer = (body: unknown): ScriptedResponse =>
    isAgentRequest(body) ? { kind: "held", until: held, answer: script(body) } : script(body);
  for (let i = 0; i < 5; i++) s.mock.enqueue(answer);
  const { thread } = await s.c.request("thread/start", {
    cwd: s.root,
    model: "my-model",
    approvalPolicy: "never",
    sandbox: "danger-full-access",
  });
  const turnDone = (threadId: string, n: number) =>
    s.c.waitFor(
      () =>
        s.c.messages.filter(
          (m) => m.method === "turn/completed" && (m.params as { threadId: string }).threadId === threadId,
        ).length >= n,
      `turn ${n} of ${threadId}`,
      60_000,
    );
  await s.c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "hi" }] });
  await turnDone(thread.id, 1);
  const agentStarted = s.c.messages.find(
    (m) => m.method === "thread/status/changed" && (m.params as { threadId: string }).threadId !== thread.id,
  );
  const agent = (agentStarted?.params as { threadId?: string } | undefined)?.threadId ?? "";
  release();
  await turnDone(agent, 1);
  await s.c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "again" }] });
  await turnDone(thread.id, 2);
  // No turn of the parent's own started for the notification.
  expect(
    s.c.messages.filter(
      (m) => m.method === "turn/started" && (m.params as { threadId: string }).threadId === thread.id,
    ),
  ).toHaveLength(2);
  return parentHistory(s);
}

describe("multi-agent: <subagent_notification> (0.166)", () => {
  it.each(IMPLS)("%s: once per spawn, after the step in which the agent finished", async (impl) => {
    const s = await server(impl);
    await runAgentTurn(s, "my-model", FLOW);
    expect(parentHistory(s)).toEqual([
      "user: <environment_context>",
      "user: hi",
      "call spawn_agent",
      'output {"agent_id":"agent1","nickname":"<nickname>"}',
      "call wait_agent",
      'output {"status":{"agent1":{"completed":"child done"}},"timed_out":false}',
      NOTIFIED,
      "call send_input",
      'output {"submission_id":"<submission>"}',
      "call wait_agent",
      'output {"status":{"agent1":{"completed":"child done"}},"timed_out":false}',
      "call close_agent",
      'output {"previous_status":{"completed":"child done"}}',
    ]);
  });

  it.each(IMPLS)("%s: an idle parent gets it in its history, without a turn", async (impl) => {
    const history = await idleParent(impl);
    expect(history.slice(-3)).toEqual(["assistant: all done", NOTIFIED, "user: again"]);
  });
});
