import { readFileSync } from "node:fs";
import fs from "node:fs/promises";
import type { ReviewDecision } from "@codex-ts/app-server-protocol";
import {
  type Message,
  mockCodexHome,
  REFERENCE_CODEX_BIN,
  type ScriptedResponse,
  startAppServer,
  startMockModelServer,
  tempDir,
} from "@codex-ts/test-support";

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
  /**
   * What the run holds once it is over, waited for (polled) after the last turn: what 0.58.0 records or sends on a
   * schedule of its own (a ghost snapshot when git finishes, its snapshot notice), rather than a fixed wait that CI
   * load outlasts.
   */
  settled?: (run: { rollout: RolloutLine[]; events: Rec[] }) => boolean;
}

/** The rollout's lines as written so far (a line being written is left out). */
async function rolloutLines(file: string): Promise<RolloutLine[]> {
  const text = await fs.readFile(file, "utf8").catch(() => "");
  return text.split("\n").flatMap((l) => {
    try {
      return [JSON.parse(l) as RolloutLine];
    } catch {
      return [];
    }
  });
}

/** The v1 events (`codex/event/*` payloads) among `messages`, in order. */
const eventsOf = (messages: Message[]): Rec[] =>
  messages.flatMap((m) =>
    String(m.method).startsWith("codex/event/") ? [(m.params as { msg: Rec }).msg] : [],
  );

/** Polls until `settled` holds (or 60 s passed: the comparison then shows what is missing). */
async function untilSettled(settled: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await settled()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
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
 * Runs the scenario through a fresh server — ours or the real 0.58.0 (`reference`) — with the same environment, a
 * mock model of its own, a temp CODEX_HOME and a temp working directory (test-support's `tempDir`, removed after the
 * file). Answers every approval with `decide`, waits for each turn's `task_complete` / `turn_aborted`, then closes
 * the server.
 */
export async function runV1Turns(bin: "ours" | "reference", s: V1Scenario): Promise<V1Run> {
  const mock = await startMockModelServer(s.script());
  try {
    const codexHome = await mockCodexHome(mock.baseUrl, {
      prefix: "codex-e2e-v1-",
      toml: `approval_policy = "${s.approvalPolicy ?? "never"}"\nsandbox_mode = "${s.sandboxMode ?? "danger-full-access"}"\n${s.toml ?? ""}`,
    });
    const cwd = await tempDir("codex-e2e-v1-work-");
    await s.setup?.(cwd);
    // HOME is the temp CODEX_HOME, so the login shells exec_command and the shell tool start (`bash -lc`) read no
    // profile of the machine's: a profile that runs slow tools (pyenv's init rehashes its shims under a lock, up to
    // 5 s per shell under CI load; a shell killed in the middle leaves the lock held, and every later login shell
    // then waits 60 s for it) made a command's first line miss its yield, on either side.
    const c = await startAppServer({ bin, home: codexHome, env: { HOME: codexHome } });
    const decide = (callId: string) => ({ decision: (s.decide?.(callId) ?? "approved") as ReviewDecision });
    c.onServerRequest("execCommandApproval", (p) => decide(p.callId));
    c.onServerRequest("applyPatchApproval", (p) => decide(p.callId));
    await c.initialize();
    const created = await c.request("newConversation", { cwd });
    const conversationId = created.conversationId;
    await c.request("addConversationListener", { conversationId });
    const from = c.messages.length;
    for (let turn = 0; turn < (s.turns ?? 1); turn++) {
      const start = c.messages.length;
      const since = (m: Message) => c.messages.indexOf(m) >= start;
      c.fire("sendUserMessage", {
        conversationId,
        items: [{ type: "text", data: { text: `turn ${turn}` } }],
      });
      if (s.interrupt?.turn === turn) {
        const after = `codex/event/${s.interrupt.after}`;
        await c.waitFor((m) => since(m) && m.method === after, after);
        await new Promise((r) => setTimeout(r, s.interrupt?.delayMs));
        c.fire("interruptConversation", { conversationId });
      }
      await c.waitFor(
        (m) => since(m) && /^codex\/event\/(task_complete|turn_aborted)$/.test(String(m.method)),
        `the end of turn ${turn}`,
      );
    }
    const { settled } = s;
    if (settled)
      await untilSettled(async () =>
        settled({
          rollout: await rolloutLines(created.rolloutPath),
          events: eventsOf(c.messages.slice(from)),
        }),
      );
    if (s.settleMs) await new Promise((r) => setTimeout(r, s.settleMs));
    const messages = c.messages.slice(from);
    await c.close();
    const rollout = (await fs.readFile(created.rolloutPath, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as RolloutLine);
    return {
      cwd,
      codexHome,
      requests: mock.requests.map((r) => r.body as Rec),
      messages,
      events: eventsOf(messages),
      serverRequests: messages.filter((m) => m.id !== undefined && m.method !== undefined),
      rollout,
    };
  } finally {
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
export async function runOursAndTheirs(s: V1Scenario): Promise<{ ours: V1Run; theirs: V1Run | null }> {
  const ours = await runV1Turns("ours", s);
  const theirs = REFERENCE_CODEX_BIN ? await runV1Turns("reference", s) : null;
  return { ours, theirs };
}

/** A fixture recorded from the real 0.58.0 (core's `test/fixtures/058/<name>`, masked as `masked` does). */
// biome-ignore lint/suspicious/noExplicitAny: recorded JSON, read field by field by the tests
export function recorded058(name: string): any {
  return JSON.parse(
    readFileSync(new URL(`../../../core/test/fixtures/058/${name}`, import.meta.url), "utf8"),
  );
}
