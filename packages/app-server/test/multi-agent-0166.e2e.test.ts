import { readFile } from "node:fs/promises";
import path from "node:path";
import { CODEX_0166_BIN, rolloutFiles, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type MockServer0166, startMockServer0166 } from "./helpers/mock-server-0166.js";
import {
  type AgentStep,
  CHILD_TASK,
  collabTranscript,
  runAgentTurn,
  toolOutputs,
} from "./helpers/multi-agent.js";

/**
 * 0.166.0's multi-agent tools on a 0.166 connection, on this server and (where it is installed) on the native codex
 * 0.166.0 with the same script: a model outside its catalogue is offered the `multi_agent_v1` namespace, spawns an
 * agent (a thread of its own that answers), waits for it, sends it more input, waits again and closes it. Compared:
 * the parent's `collabAgentToolCall` items, the tool outputs the model gets, the agent's rollout source and its
 * `thread/list` row under its parent, and the agent's own request (no multi-agent tools at depth 1).
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("multi-agent: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

type Item = Record<string, unknown>;
const MODEL = "my-model";

const server = (impl: Impl): Promise<MockServer0166> =>
  startMockServer0166(suite, impl, {
    client: { name: "agents_client", version: "1.0" },
    prefix: "codex-0166-agents-",
  });

const FLOW: AgentStep[] = [
  () => ["spawn_agent", { message: CHILD_TASK }],
  (id) => ["wait_agent", { targets: [id], timeout_ms: 30_000 }],
  (id) => ["send_input", { target: id, message: `${CHILD_TASK} 2` }],
  (id) => ["wait_agent", { targets: [id], timeout_ms: 30_000 }],
  (id) => ["close_agent", { target: id }],
];

/** The multi-agent namespace of a request's tools: each function's name, parameters and required ones. */
function agentTools(body: Item): unknown {
  const ns = ((body.tools as Item[]) ?? []).find(
    (t) => t.type === "namespace" && t.name === "multi_agent_v1",
  );
  if (!ns) return null;
  return {
    description: ns.description,
    tools: (ns.tools as Item[]).map((f) => {
      const params = f.parameters as { properties: Item; required?: string[] };
      return { name: f.name, params: Object.keys(params.properties), required: params.required ?? [] };
    }),
  };
}

const isAgentRequest = (body: Item) => JSON.stringify(body.input).includes(`"text":"${CHILD_TASK}"`);

async function flow(impl: Impl) {
  const s = await server(impl);
  const { threadId, from } = await runAgentTurn(s, MODEL, FLOW);
  const transcript = collabTranscript(s.c, threadId, from);
  const spawned = s.c.messages
    .slice(from)
    .map((m) => m.params as { item?: Item } | undefined)
    .find(
      (p) =>
        p?.item?.type === "collabAgentToolCall" &&
        p.item.tool === "spawnAgent" &&
        p.item.status === "completed",
    );
  const childId = ((spawned?.item?.receiverThreadIds ?? []) as string[])[0] ?? "";
  const parentRequest = (s.mock.requests.find((r) => !isAgentRequest(r.body as Item))?.body ?? {}) as Item;
  const childRequest = (s.mock.requests.find((r) => isAgentRequest(r.body as Item))?.body ?? {}) as Item;
  const list = await s.c.request("thread/list", { parentThreadId: threadId });
  const read = await s.c.request("thread/read", { threadId, includeTurns: true });
  // The parent's stored collabAgentToolCall items, the agent's id as `agent1`, without times.
  const stored = read.thread.turns
    .flatMap((t) => t.items as Item[])
    .filter((i) => i.type === "collabAgentToolCall")
    .map(({ startedAtMs: _s, completedAtMs: _c, ...i }) =>
      JSON.parse(JSON.stringify(i).replaceAll(childId, "agent1").replaceAll(threadId, "parent")),
    );
  const rollouts = await rolloutFiles(path.join(s.root, "codex-home"));
  const childRollout = rollouts.find((f) => f.includes(childId));
  const meta = childRollout
    ? (JSON.parse((await readFile(childRollout, "utf8")).split("\n")[0] ?? "{}") as { payload: Item }).payload
    : null;
  return { s, threadId, childId, transcript, stored, parentRequest, childRequest, list, meta };
}

describe("multi-agent tools (0.166)", () => {
  it.each(IMPLS)("%s: spawn → the agent answers → wait → send input → wait → close", async (impl) => {
    const r = await flow(impl);
    // The namespace as 0.166.0 offers it to a model outside its catalogue; an agent at depth 1 gets none.
    expect(agentTools(r.parentRequest)).toEqual({
      description: "Tools for spawning and managing sub-agents.",
      tools: [
        { name: "close_agent", params: ["target"], required: ["target"] },
        { name: "resume_agent", params: ["id"], required: ["id"] },
        { name: "send_input", params: ["interrupt", "items", "message", "target"], required: ["target"] },
        {
          name: "spawn_agent",
          params: ["fork_context", "items", "message", "model", "reasoning_effort"],
          required: [],
        },
        { name: "wait_agent", params: ["targets", "timeout_ms"], required: ["targets"] },
      ],
    });
    const names = ((r.parentRequest.tools as Item[]) ?? []).map((t) => t.name ?? t.type);
    expect(names.indexOf("multi_agent_v1")).toBe(names.indexOf("view_image") + 1);
    expect(agentTools(r.childRequest)).toBeNull();
    // The agent's rollout: a thread of its own, spawned by the parent at depth 1.
    expect(r.meta?.source).toMatchObject({
      subagent: {
        thread_spawn: { parent_thread_id: r.threadId, depth: 1, agent_path: null, agent_role: null },
      },
    });
    expect(r.meta?.thread_source).toBe("subagent");
    // thread/list by parent: the agent, with its parent and source.
    expect(r.list.data.map((t) => ({ id: t.id, parentThreadId: t.parentThreadId }))).toEqual([
      { id: r.childId, parentThreadId: r.threadId },
    ]);
    expect(r.list.data[0]?.source).toMatchObject({
      subAgent: { thread_spawn: { parent_thread_id: r.threadId, depth: 1 } },
    });
    // Its nickname, the one the spawn answered, from its source.
    type Spawned = { subagent?: { thread_spawn?: { agent_nickname?: string } } };
    const nickname = (r.meta?.source as Spawned | undefined)?.subagent?.thread_spawn?.agent_nickname;
    expect(typeof nickname).toBe("string");
    expect(r.list.data[0]?.agentNickname).toBe(nickname);
    expect(toolOutputs(r.s)).toEqual({
      call_s0: '{"agent_id":"agent1","nickname":"<nickname>"}',
      call_s1: '{"status":{"agent1":{"completed":"child done"}},"timed_out":false}',
      call_s2: '{"submission_id":"<submission>"}',
      call_s3: '{"status":{"agent1":{"completed":"child done"}},"timed_out":false}',
      call_s4: '{"previous_status":{"completed":"child done"}}',
    });
  });

  it.runIf(IMPLS.length === 2)("the parent's collabAgentToolCall items are 0.166.0's", async () => {
    const [ours, real] = await Promise.all([flow("ours"), flow("real")]);
    expect(ours.transcript).toEqual(real.transcript);
    // Stored in the rollout as 0.166.0 stores them: thread/read shows the same items.
    expect(ours.stored).toEqual(real.stored);
    expect(ours.stored).toHaveLength(5);
    expect(
      ours.transcript.map((t) => `${(t as Item).method} ${(t as Item).tool} ${(t as Item).status}`),
    ).toEqual([
      "item/started spawnAgent inProgress",
      "item/completed spawnAgent completed",
      "item/started wait inProgress",
      "item/completed wait completed",
      "item/started sendInput inProgress",
      "item/completed sendInput completed",
      "item/started wait inProgress",
      "item/completed wait completed",
      "item/started closeAgent inProgress",
      "item/completed closeAgent completed",
    ]);
  });

  it.each(IMPLS)(
    "%s: `features.multi_agent = false` (the thread's config) offers no multi-agent tools",
    async (impl) => {
      const s = await server(impl);
      await runAgentTurn(s, MODEL, [], { "features.multi_agent": false });
      expect(agentTools(s.mock.requests.at(-1)?.body as Item)).toBeNull();
    },
  );
});
