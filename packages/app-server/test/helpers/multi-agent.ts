import type { Protocol0166 } from "@codex-ts/app-server-protocol";
import {
  type Message,
  responses,
  type ScriptedResponse,
  type SseEvent,
  type TestAppServer,
} from "@codex-ts/test-support";
import type { MockServer0166 } from "./mock-server-0166.js";

type Item = Record<string, unknown>;

/** A well-formed thread id that names no agent. */
export const UNKNOWN_AGENT = "01a24c0c-0000-7000-8000-000000000000";

/** The text an agent's task starts with: a model request that carries it as a user message is an agent's. */
export const CHILD_TASK = "child task";

/** One multi-agent call of the parent's script: the tool and its arguments, given the first spawned agent's id. */
export type AgentStep = (firstAgent: string) => [tool: string, args: Item];

const sse = (...events: SseEvent[]): ScriptedResponse => ({
  kind: "sse",
  events: [responses.created(), ...events, responses.completed()],
});

/** A function call of the model to a `multi_agent_v1` tool. */
function agentCall(name: string, args: Item, callId: string): SseEvent {
  const item = {
    type: "function_call",
    id: `fc_${callId}`,
    name,
    namespace: "multi_agent_v1",
    arguments: JSON.stringify(args),
    call_id: callId,
  };
  return { event: "response.output_item.done", data: { type: "response.output_item.done", item } };
}

const userTextsOf = (body: Item) =>
  ((body.input as Item[]) ?? [])
    .filter((i) => i.type === "message" && i.role === "user")
    .map((i) => JSON.stringify(i.content));

/**
 * Answers every model request by its content, so that the parent's and its agents' requests, which interleave as
 * the agents run, each get their own answer whatever their order: an agent (its task among its user messages)
 * answers `child done`; the parent makes the call of `steps` its history has reached (one per tool output so
 * far), then answers `all done`. Calls are `call_s<n>`; the first agent's id is read from `call_s0`'s output.
 */
export function agentScript(steps: AgentStep[]): (body: unknown) => ScriptedResponse {
  return (raw) => {
    const body = raw as Item;
    if (userTextsOf(body).some((t) => t.includes(CHILD_TASK))) return sse(...responses.message("child done"));
    const input = (body.input as Item[]) ?? [];
    const outputs = input.filter((i) => i.type === "function_call_output");
    const first = outputs.find((i) => i.call_id === "call_s0");
    let firstAgent = "";
    try {
      firstAgent = first ? String((JSON.parse(String(first.output)) as Item).agent_id ?? "") : "";
    } catch {
      firstAgent = "";
    }
    const step = steps[outputs.length];
    if (!step) return sse(...responses.message("all done"));
    const [tool, args] = step(firstAgent);
    return sse(agentCall(tool, args, `call_s${outputs.length}`));
  };
}

/**
 * Starts a thread on `model` (with the request `config`, if any) and runs one turn of `steps`; resolves with the
 * parent thread id and the index of the turn's first message.
 */
export async function runAgentTurn(
  s: MockServer0166,
  model: string,
  steps: AgentStep[],
  config?: Record<string, unknown>,
): Promise<{ threadId: string; from: number }> {
  const script = agentScript(steps);
  // Enough answers for the parent's calls and every agent's turns (an unused one is never asked for).
  for (let i = 0; i < steps.length * 3 + 4; i++) s.mock.enqueue(script);
  const { thread } = await s.c.request("thread/start", {
    cwd: s.root,
    model,
    approvalPolicy: "never",
    sandbox: "danger-full-access",
    ...(config ? { config } : {}),
  });
  const from = s.c.messages.length;
  const { turn } = await s.c.request("turn/start", {
    threadId: thread.id,
    input: [{ type: "text", text: "hi" }],
  });
  await s.c.waitFor(
    (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
    "the parent's turn/completed",
    90_000,
  );
  return { threadId: thread.id, from };
}

/**
 * The parent's `collabAgentToolCall` notifications from message `from` on, without times, thread ids as `parent`
 * and `agent1`, `agent2`… in the order they appear (other UUIDs as `other`): comparable across implementations.
 */
export function collabTranscript(c: TestAppServer<Protocol0166>, parent: string, from = 0): unknown[] {
  const names = new Map<string, string>([[parent, "parent"]]);
  const name = (id: string) => {
    if (!names.has(id)) names.set(id, `agent${names.size}`);
    return names.get(id) as string;
  };
  return c.messages
    .slice(from)
    .filter(
      (m: Message) =>
        (m.method === "item/started" || m.method === "item/completed") &&
        (m.params as { threadId: string }).threadId === parent &&
        (m.params as { item: Item }).item.type === "collabAgentToolCall",
    )
    .map((m) => {
      const { startedAtMs: _s, completedAtMs: _c, ...item } = (m.params as { item: Item }).item;
      const states = item.agentsStates as Record<string, unknown>;
      return {
        method: m.method,
        ...item,
        senderThreadId: name(String(item.senderThreadId)),
        receiverThreadIds: (item.receiverThreadIds as string[]).map(name),
        agentsStates: Object.fromEntries(Object.entries(states).map(([id, s]) => [name(id), s])),
      };
    });
}

/**
 * The parent's tool outputs in its last model request, by call id: agent ids as `agent1`, `agent2`… (in order), the
 * nickname and submission id (each implementation's own) as `<nickname>` / `<submission>`.
 */
export function toolOutputs(s: MockServer0166): Record<string, string> {
  const parentRequests = s.mock.requests.filter(
    (r) => !userTextsOf(r.body as Item).some((t) => t.includes(CHILD_TASK)),
  );
  const last = parentRequests.at(-1)?.body as Item | undefined;
  const outputs = ((last?.input as Item[]) ?? []).filter((i) => i.type === "function_call_output");
  const ids = new Map<string, string>();
  const out: Record<string, string> = {};
  for (const o of outputs) {
    let text = String(o.output)
      .replace(/"nickname":"[^"]*"/, '"nickname":"<nickname>"')
      .replace(/"submission_id":"[^"]*"/, '"submission_id":"<submission>"');
    for (const id of text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? [])
      if (!ids.has(id) && id !== UNKNOWN_AGENT) ids.set(id, `agent${ids.size + 1}`);
    for (const [id, label] of ids) text = text.replaceAll(id, label);
    out[String(o.call_id)] = text;
  }
  return out;
}
