import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  CODEX_0166_BIN,
  mockCodexHome,
  responses,
  type ScriptedResponse,
  startMockModelServer,
} from "@codex-ts/test-support";
import { beforeAll, describe, expect, it } from "vitest";
import { ModernClient, OURS } from "./helpers/modern-client.js";
import { threadTranscript } from "./helpers/transcript.js";

/**
 * A model stream cut mid-message and sent again (`stream_max_retries = 1`), on a 0.166 connection, against this
 * server and (when installed) codex 0.166.0 with the same script. The core drops the failed request's message
 * (`stream_items_discarded`); this server completes it at once with what streamed of it, where 0.166.0 leaves it
 * started for good (README, differences); otherwise both take the same steps.
 */
const reference = CODEX_0166_BIN;

interface Run {
  steps: string[];
  /** Per agent message id: what the client saw of it (`started`, `completed:<text>`). */
  items: Record<string, string[]>;
  /** The agent messages `turn/completed` lists. */
  answer: string[];
  schemaProblems: string[];
}

function script(): ScriptedResponse[] {
  const partial = responses.message("partial text", "msg_failed", 2);
  return [
    { kind: "sse", events: [responses.created(), partial[0]!, partial[1]!], cutAfter: 3 },
    responses.turn(responses.message("final answer", "msg_retry")),
  ];
}

async function scenario(command: string[]): Promise<Run> {
  const tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-0166-retries-")));
  const mock = await startMockModelServer(script());
  try {
    const home = await mockCodexHome(mock.baseUrl, {
      modern: true,
      dir: path.join(tmp, "home"),
      retries: { request: 0, stream: 1 },
    });
    const cwd = path.join(tmp, "project");
    await fs.mkdir(cwd);
    const c = await ModernClient.start(command, { codexHome: home, cwd });
    const { thread } = await c.call("thread/start", { cwd });
    await c.waitFor((m) => m.method === "thread/started");
    const from = c.mark();
    await c.turn(thread.id, "go");
    const log = c.tee().slice(from);
    const items: Record<string, string[]> = {};
    let answer: string[] = [];
    for (const e of log) {
      if (e.msg.method === "turn/completed") {
        const turn = (e.msg.params as { turn: { items: { type: string; text?: string }[] } }).turn;
        answer = turn.items.flatMap((i) => (i.type === "agentMessage" ? [i.text ?? ""] : []));
      }
      if (e.msg.method !== "item/started" && e.msg.method !== "item/completed") continue;
      const item = (e.msg.params as { item: { id: string; type: string; text?: string } }).item;
      if (item.type !== "agentMessage") continue;
      const seen = items[item.id] ?? [];
      seen.push(e.msg.method === "item/started" ? "started" : `completed:${item.text}`);
      items[item.id] = seen;
    }
    const steps = threadTranscript(log, thread.id).steps;
    const run = { steps, items, answer, schemaProblems: c.schemaProblems() };
    await c.close();
    return run;
  } finally {
    await mock.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** Steps without the one only this server takes: our discarded item's completion. */
function comparable(steps: string[]): string[] {
  return steps.filter((s, i) => !(s === "⇐ item/completed agentMessage" && steps[i + 1] === "⇐ error"));
}

describe("0.166: a model stream cut mid-message and retried", () => {
  let ours: Run;
  let theirs: Run | null = null;

  beforeAll(async () => {
    ours = await scenario(OURS);
    if (reference) theirs = await scenario([reference]);
  }, 120_000);

  it("completes the failed attempt's message with what streamed, before the retry notice; the retry's message is the answer", () => {
    expect(ours.schemaProblems).toEqual([]);
    expect(ours.items).toEqual({
      msg_failed: ["started", "completed:partia"],
      msg_retry: ["started", "completed:final answer"],
    });
    expect(ours.answer).toEqual(["final answer"]);
    const error = ours.steps.indexOf("⇐ error");
    expect(ours.steps.slice(error - 3, error + 1)).toEqual([
      "⇐ item/started agentMessage",
      "⇐ item/agentMessage/delta",
      "⇐ item/completed agentMessage",
      "⇐ error",
    ]);
  });

  it.skipIf(!reference)("takes 0.166.0's steps otherwise (0.166.0 leaves the failed message open)", () => {
    const t = theirs as Run;
    expect(t.schemaProblems).toEqual([]);
    expect(t.items.msg_failed).toEqual(["started"]);
    expect(t.answer).toEqual(["final answer"]);
    expect(comparable(ours.steps)).toEqual(comparable(t.steps));
  });
});
