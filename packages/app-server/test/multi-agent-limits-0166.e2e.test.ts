import { CODEX_0166_BIN, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type MockServer0166, startMockServer0166 } from "./helpers/mock-server-0166.js";
import {
  type AgentStep,
  CHILD_TASK,
  collabTranscript,
  runAgentTurn,
  toolOutputs,
  UNKNOWN_AGENT,
} from "./helpers/multi-agent.js";

/**
 * The multi-agent tools' limits and refusals, on this server and (where it is installed) on the native codex
 * 0.166.0 with the same script: six agents open at once (the seventh spawn fails until one is closed; a completed
 * agent stays open), and the answers to bad calls — no targets, an id that is not a UUID, a spawn without a task, an
 * unknown agent, a closed one. Compared: every tool output the model gets and the parent's `collabAgentToolCall`
 * items (a refused argument gets no item; an unknown agent a failed one).
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("multi-agent limits: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const server = (impl: Impl): Promise<MockServer0166> =>
  startMockServer0166(suite, impl, {
    client: { name: "agents_client", version: "1.0" },
    prefix: "codex-0166-agent-limits-",
  });

const spawn: AgentStep = () => ["spawn_agent", { message: CHILD_TASK }];

const STEPS: AgentStep[] = [
  spawn,
  spawn,
  spawn,
  spawn,
  spawn,
  spawn,
  // The seventh open agent: refused.
  spawn,
  // The first agent done, then closed: there is room again.
  (id) => ["wait_agent", { targets: [id] }],
  (id) => ["close_agent", { target: id }],
  spawn,
  // Refused arguments.
  () => ["wait_agent", { targets: [] }],
  () => ["wait_agent", { targets: ["nope"] }],
  () => ["spawn_agent", {}],
  // Unknown and closed agents.
  () => ["close_agent", { target: UNKNOWN_AGENT }],
  (id) => ["send_input", { target: id, message: "more" }],
  (id) => ["wait_agent", { targets: [id] }],
];

async function limits(impl: Impl) {
  const s = await server(impl);
  const { threadId, from } = await runAgentTurn(s, "my-model", STEPS);
  return { outputs: toolOutputs(s), transcript: collabTranscript(s.c, threadId, from) };
}

const EXPECTED_OUTPUTS = {
  call_s0: '{"agent_id":"agent1","nickname":"<nickname>"}',
  call_s1: '{"agent_id":"agent2","nickname":"<nickname>"}',
  call_s2: '{"agent_id":"agent3","nickname":"<nickname>"}',
  call_s3: '{"agent_id":"agent4","nickname":"<nickname>"}',
  call_s4: '{"agent_id":"agent5","nickname":"<nickname>"}',
  call_s5: '{"agent_id":"agent6","nickname":"<nickname>"}',
  call_s6: "collab spawn failed: agent thread limit reached",
  call_s7: '{"status":{"agent1":{"completed":"child done"}},"timed_out":false}',
  call_s8: '{"previous_status":{"completed":"child done"}}',
  call_s9: '{"agent_id":"agent7","nickname":"<nickname>"}',
  call_s10: "agent ids must be non-empty",
  call_s11: "invalid agent id nope: Error(ParseChar { character: 'n', index: 1 })",
  call_s12: "Provide one of: message or items",
  call_s13: `agent with id ${UNKNOWN_AGENT} not found`,
  call_s14: "agent with id agent1 not found",
  call_s15: '{"status":{"agent1":"not_found"},"timed_out":false}',
};

describe("multi-agent limits (0.166)", () => {
  it.each(IMPLS)("%s: six open agents at most, and the refusals' words", async (impl) => {
    const { outputs, transcript } = await limits(impl);
    expect(outputs).toEqual(EXPECTED_OUTPUTS);
    const summary = transcript.map((t) => {
      const i = t as { method: string; tool: string; status: string };
      return `${i.method === "item/started" ? "started" : "completed"} ${i.tool} ${i.status}`;
    });
    // The seventh spawn has a failed item, with no agent; refused arguments have none.
    expect(summary.slice(12, 14)).toEqual(["started spawnAgent inProgress", "completed spawnAgent failed"]);
    expect(transcript[13]).toMatchObject({ receiverThreadIds: [], agentsStates: {} });
    expect(summary.slice(-6)).toEqual([
      "started closeAgent inProgress",
      "completed closeAgent failed",
      "started sendInput inProgress",
      "completed sendInput failed",
      "started wait inProgress",
      "completed wait failed",
    ]);
    expect(transcript.at(-1)).toMatchObject({
      agentsStates: { agent1: { status: "notFound", message: null } },
    });
  });

  it.runIf(IMPLS.length === 2)("the parent's collabAgentToolCall items are 0.166.0's", async () => {
    const ours = await limits("ours");
    const real = await limits("real");
    expect(ours.transcript).toEqual(real.transcript);
  });
});
