import { CODEX_0166_BIN, useAppServerSuite } from "@codex-ts/test-support";
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
 * 0.166.0's `[agents]` config table, on this server and (where it is installed) on the native codex 0.166.0 with the
 * same script: `max_threads` (and its canonical name `max_concurrent_threads_per_session`, which wins) limits the
 * open agents, a limit under 1 refuses the thread in 0.166.0's words, `max_depth` decides which threads are offered
 * the tools (0: none; 2: the agents too), `enabled = false` offers none, `default_subagent_model` /
 * `default_subagent_reasoning_effort` are what a spawn runs when it names neither, and a spawn's unknown model or
 * unsupported effort is refused.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("multi-agent config: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

type Item = Record<string, unknown>;

const server = (impl: Impl, toml?: string): Promise<MockServer0166> =>
  startMockServer0166(suite, impl, {
    client: { name: "agents_client", version: "1.0" },
    prefix: "codex-0166-agent-config-",
    ...(toml ? { toml } : {}),
  });

const spawn: AgentStep = () => ["spawn_agent", { message: CHILD_TASK }];
const isAgentRequest = (body: Item) => JSON.stringify(body.input).includes(`"text":"${CHILD_TASK}"`);
const hasAgentTools = (body: Item | undefined) =>
  ((body?.tools as Item[] | undefined) ?? []).some((t) => t.name === "multi_agent_v1");

/** The first request of the parent (`agent: false`) or of an agent. */
function firstRequest(s: MockServer0166, agent: boolean): Item | undefined {
  return s.mock.requests.find((r) => isAgentRequest(r.body as Item) === agent)?.body as Item | undefined;
}

const LIMIT_2 = {
  call_s0: '{"agent_id":"agent1","nickname":"<nickname>"}',
  call_s1: '{"agent_id":"agent2","nickname":"<nickname>"}',
  call_s2: "collab spawn failed: agent thread limit reached",
};

describe("multi-agent [agents] config (0.166)", () => {
  it.each(IMPLS)("%s: max_threads = 2 opens two agents at most", async (impl) => {
    const s = await server(impl, "[agents]\nmax_threads = 2\n");
    await runAgentTurn(s, "my-model", [spawn, spawn, spawn]);
    expect(toolOutputs(s)).toEqual(LIMIT_2);
  });

  it.each(IMPLS)("%s: max_concurrent_threads_per_session wins over max_threads", async (impl) => {
    const s = await server(impl, "[agents]\nmax_threads = 1\nmax_concurrent_threads_per_session = 2\n");
    await runAgentTurn(s, "my-model", [spawn, spawn, spawn]);
    expect(toolOutputs(s)).toEqual(LIMIT_2);
  });

  it.each(IMPLS)("%s: the thread's own config sets the limit too", async (impl) => {
    const s = await server(impl);
    await runAgentTurn(s, "my-model", [spawn, spawn, spawn], { "agents.max_threads": 2 });
    expect(toolOutputs(s)).toEqual(LIMIT_2);
  });

  it.each(IMPLS)("%s: a limit under 1 refuses the thread", async (impl) => {
    const s = await server(impl, "[agents]\nmax_threads = 0\n");
    await expect(s.c.request("thread/start", { cwd: s.root, model: "my-model" })).rejects.toMatchObject({
      code: -32600,
      message: "failed to load configuration: agents.max_concurrent_threads_per_session must be at least 1",
    });
  });

  it.each(IMPLS)("%s: max_depth = 0 and enabled = false offer no multi-agent tools", async (impl) => {
    for (const toml of ["[agents]\nmax_depth = 0\n", "[agents]\nenabled = false\n"]) {
      const s = await server(impl, toml);
      await runAgentTurn(s, "my-model", []);
      expect(hasAgentTools(firstRequest(s, false)), toml).toBe(false);
    }
  });

  it.each(IMPLS)(
    "%s: max_depth = 2 offers the tools to the agents, which run the default subagent model and effort",
    async (impl) => {
      const s = await server(
        impl,
        '[agents]\nmax_depth = 2\ndefault_subagent_model = "gpt-6-sol"\ndefault_subagent_reasoning_effort = "high"\n',
      );
      const { threadId, from } = await runAgentTurn(s, "my-model", [
        spawn,
        (id) => ["wait_agent", { targets: [id] }],
      ]);
      expect(toolOutputs(s)).toEqual({
        call_s0: '{"agent_id":"agent1","nickname":"<nickname>"}',
        call_s1: '{"status":{"agent1":{"completed":"child done"}},"timed_out":false}',
      });
      const agent = firstRequest(s, true);
      expect(agent?.model).toBe("gpt-6-sol");
      expect((agent?.reasoning as Item | undefined)?.effort).toBe("high");
      const spawned = collabTranscript(s.c, threadId, from)[1] as Item;
      expect(spawned).toMatchObject({ tool: "spawnAgent", model: "gpt-6-sol", reasoningEffort: "high" });
    },
  );

  it.each(IMPLS)("%s: a spawn's unknown model or unsupported effort is refused", async (impl) => {
    const s = await server(impl);
    const { threadId, from } = await runAgentTurn(s, "my-model", [
      () => ["spawn_agent", { message: CHILD_TASK, model: "my-model" }],
      () => ["spawn_agent", { message: CHILD_TASK, model: "gpt-5.5", reasoning_effort: "bogus" }],
      () => ["spawn_agent", { message: CHILD_TASK, reasoning_effort: "high" }],
    ]);
    expect(toolOutputs(s)).toEqual({
      call_s0:
        "Unknown model `my-model` for spawn_agent. Available models: gpt-6.1-sol, gpt-6-astra, gpt-6-sol, gpt-6-luna, gpt-5.6-sol",
      call_s1:
        "Reasoning effort `bogus` is not supported for model `gpt-5.5`. Supported reasoning efforts: low, medium, high, xhigh",
      call_s2: "Reasoning effort `high` is not supported for model `my-model`. Supported reasoning efforts: ",
    });
    // Each has a started item; 0.166.0 never completes it, this server completes it as failed.
    const items = collabTranscript(s.c, threadId, from) as Item[];
    const started = items.filter((i) => i.method === "item/started");
    expect(started.map((i) => [i.model, i.reasoningEffort, i.status])).toEqual([
      ["my-model", "medium", "inProgress"],
      ["gpt-5.5", "bogus", "inProgress"],
      ["", "high", "inProgress"],
    ]);
    const completed = items.filter((i) => i.method === "item/completed");
    expect(completed.map((i) => [i.status, i.receiverThreadIds])).toEqual(
      impl === "ours" ? started.map(() => ["failed", []]) : [],
    );
  });

  it.runIf(IMPLS.length === 2)("the default subagent model's spawn items are 0.166.0's", async () => {
    const run = async (impl: Impl) => {
      const s = await server(impl, '[agents]\ndefault_subagent_model = "gpt-6-sol"\n');
      const { threadId, from } = await runAgentTurn(s, "my-model", [
        spawn,
        () => ["spawn_agent", { message: CHILD_TASK, model: "gpt-6-luna", reasoning_effort: "low" }],
      ]);
      return collabTranscript(s.c, threadId, from);
    };
    const [ours, real] = await Promise.all([run("ours"), run("real")]);
    expect(ours).toEqual(real);
  });
});
