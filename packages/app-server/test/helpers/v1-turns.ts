import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  type MockModelServer,
  REFERENCE_CODEX_BIN,
  type ScriptedResponse,
  startMockModelServer,
} from "@codex-ts/test-support";
import { AppServerClient, CLI, type Message } from "./client.js";
import { mockCodexHome } from "./mock-home.js";

type Rec = Record<string, unknown>;
export type RolloutLine = { timestamp: string; type: string; payload: Rec };

/** Scripted v1 turns (newConversation, addConversationListener, sendUserMessage) for one conversation. */
export interface V1Scenario {
  script: () => ScriptedResponse[];
  /** config.toml lines above the provider's table. */
  toml?: string;
  approvalPolicy?: string;
  sandboxMode?: string;
  turns?: number;
  /** The answer to the approval request of each call (default `approved`). */
  decide?: (callId: string) => string;
  /** `interruptConversation` in turn `turn`, `delayMs` after its first v1 event of type `after`. */
  interrupt?: { turn: number; after: string; delayMs: number };
  /** Prepares the conversation's working directory. */
  setup?: (cwd: string) => Promise<void>;
  /** How long to keep listening after the last turn (for what 0.58.0 sends after `task_complete`). */
  settleMs?: number;
}

export interface V1Run {
  cwd: string;
  codexHome: string;
  /** Every model request body, in order. */
  requests: Rec[];
  /** Everything the server sent after the conversation was set up. */
  messages: Message[];
  /** The v1 events (`codex/event/*` payloads), in order. */
  events: Rec[];
  /** Server→client requests (approvals). */
  serverRequests: Message[];
  rollout: RolloutLine[];
}

/**
 * Runs the scenario through a fresh server — ours (`bin` undefined) or the executable `bin` (the real 0.58.0) — with
 * the same environment, a mock model of its own, a temp CODEX_HOME and a temp working directory (both pushed to
 * `dirs` for the caller to remove). Waits for each turn's `task_complete` / `turn_aborted`, then closes the server.
 */
export async function runV1Turns(bin: string | undefined, s: V1Scenario, dirs: string[]): Promise<V1Run> {
  const mock: MockModelServer = await startMockModelServer(s.script());
  const codexHome = await mockCodexHome(mock.baseUrl, {
    prefix: "codex-e2e-v1-",
    toml: `approval_policy = "${s.approvalPolicy ?? "never"}"\nsandbox_mode = "${s.sandboxMode ?? "danger-full-access"}"\n${s.toml ?? ""}`,
  });
  dirs.push(codexHome);
  const cwd = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-e2e-v1-work-")));
  dirs.push(cwd);
  await s.setup?.(cwd);
  const env = { ...process.env, CODEX_HOME: codexHome, RUST_LOG: "error", TERM: "xterm", TERM_PROGRAM: "" };
  const [command, args] = bin ? [bin, ["app-server"]] : [process.execPath, [CLI, "app-server"]];
  const c = new AppServerClient(spawn(command, args, { env, stdio: ["pipe", "pipe", "pipe"] }));
  try {
    await c.initialize();
    const created = (await c.call(1, "newConversation", { cwd })).result as Rec;
    const conversationId = String(created.conversationId);
    await c.call(2, "addConversationListener", { conversationId });
    const from = c.messages.length;
    const answered = new Set<Message>();
    for (let turn = 0; turn < (s.turns ?? 1); turn++) {
      const start = c.messages.length;
      const since = (m: Message) => c.messages.indexOf(m) >= start;
      c.send({
        id: `turn-${turn}`,
        method: "sendUserMessage",
        params: { conversationId, items: [{ type: "text", data: { text: `turn ${turn}` } }] },
      });
      if (s.interrupt?.turn === turn) {
        const after = `codex/event/${s.interrupt.after}`;
        await c.waitFor((m) => since(m) && m.method === after, after);
        await new Promise((r) => setTimeout(r, s.interrupt?.delayMs));
        c.send({ id: "interrupt", method: "interruptConversation", params: { conversationId } });
      }
      for (;;) {
        const next = await c.waitFor(
          (m) =>
            (since(m) && /^codex\/event\/(task_complete|turn_aborted)$/.test(String(m.method))) ||
            (m.id !== undefined && /Approval$/.test(String(m.method)) && !answered.has(m)),
          `the end of turn ${turn}`,
        );
        if (!/Approval$/.test(String(next.method))) break;
        answered.add(next);
        const callId = String((next.params as Rec).callId);
        c.send({ id: next.id, result: { decision: s.decide?.(callId) ?? "approved" } });
      }
    }
    if (s.settleMs) await new Promise((r) => setTimeout(r, s.settleMs));
    const messages = c.messages.slice(from);
    await c.close();
    const rollout = (await fs.readFile(String(created.rolloutPath), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as RolloutLine);
    return {
      cwd,
      codexHome,
      requests: mock.requests.map((r) => r.body as Rec),
      messages,
      events: messages.flatMap((m) =>
        String(m.method).startsWith("codex/event/") ? [(m.params as { msg: Rec }).msg] : [],
      ),
      serverRequests: messages.filter((m) => m.id !== undefined && m.method !== undefined),
      rollout,
    };
  } finally {
    if (c.child.exitCode === null) c.child.kill();
    await mock.close();
  }
}

/**
 * What differs run to run, replaced by placeholders (the masks of core's `test/fixtures/058/record.mjs`, so runs
 * compare with the recorded fixtures too): the working directory, CODEX_HOME, UUIDs, timestamps, unified exec
 * chunk ids and wall times, `aborted by user after N s`, event durations and commit hashes (numbered in order of
 * appearance).
 */
export function masked<T>(value: T, run: { cwd: string; codexHome: string }): T {
  const shas = new Map<string, string>();
  const text = JSON.stringify(value)
    .replaceAll(run.cwd, "<CWD>")
    .replaceAll(run.codexHome, "<CODEX_HOME>")
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<UUID>")
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<TS>")
    .replace(/Chunk ID: [0-9a-f]{6}/g, "Chunk ID: <CHUNK>")
    .replace(/Wall time: \d+\.\d{4} seconds/g, "Wall time: <SECS> seconds")
    .replace(/aborted by user after \d+\.\ds/g, "aborted by user after <SECS>s")
    .replace(/"duration":\{"secs":\d+,"nanos":\d+\}/g, '"duration":"<DURATION>"')
    .replace(/\b[0-9a-f]{40}\b/g, (sha) => {
      if (!shas.has(sha)) shas.set(sha, `<SHA${shas.size + 1}>`);
      return shas.get(sha) as string;
    });
  return JSON.parse(text) as T;
}

/** Runs the scenario through ours and, when it is installed, the real 0.58.0 (`theirs` null otherwise). */
export async function runOursAndTheirs(
  s: V1Scenario,
  dirs: string[],
): Promise<{ ours: V1Run; theirs: V1Run | null }> {
  const ours = await runV1Turns(undefined, s, dirs);
  const theirs = REFERENCE_CODEX_BIN ? await runV1Turns(REFERENCE_CODEX_BIN, s, dirs) : null;
  return { ours, theirs };
}

/** A fixture recorded from the real 0.58.0 (core's `test/fixtures/058/<name>`, masked as `masked` does). */
// biome-ignore lint/suspicious/noExplicitAny: recorded JSON, read field by field by the tests
export function recorded058(name: string): any {
  return JSON.parse(
    readFileSync(new URL(`../../../core/test/fixtures/058/${name}`, import.meta.url), "utf8"),
  );
}
