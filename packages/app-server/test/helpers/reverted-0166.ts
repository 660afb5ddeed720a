import fs from "node:fs";
import path from "node:path";
import { responses } from "@codex-ts/test-support";
import type { MockServer0166 } from "./mock-server-0166.js";

/** Helpers for stores codex 0.166.0 wrote with reverted threads (continuation rollouts, continuations.ts). */

type Any = (m: string, p: unknown) => Promise<Record<string, unknown>>;
export type TurnView = {
  id: string;
  items: { type: string; text?: string; content?: { text: string }[] }[];
};

/** Runs one turn whose user text is `text` and whose answer is `re <text>`; resolves with the turn id. */
export async function runTurn(s: MockServer0166, threadId: string, text: string): Promise<string> {
  s.mock.enqueue({
    kind: "sse",
    events: [responses.created(), ...responses.message(`re ${text}`), responses.completed()],
  });
  const { turn } = await s.c.request("turn/start", { threadId, input: [{ type: "text", text }] });
  await s.c.waitFor(
    (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
    "turn/completed",
  );
  return turn.id;
}

/** `thread/revert` (experimental; not in the generated request map of every client). */
export const revert = (s: MockServer0166, threadId: string, beforeTurnId: string) =>
  (s.c.request as Any)("thread/revert", { threadId, beforeTurnId });

/** Each turn as its user text and the answer's. */
export const turnTexts = (turns: TurnView[]) =>
  turns.map((t) =>
    t.items
      .map((i) =>
        i.type === "userMessage" ? i.content?.[0]?.text : i.type === "agentMessage" ? i.text : null,
      )
      .filter((x) => x != null)
      .join(" → "),
  );

/** The rollout files (plain and compressed) under a CODEX_HOME, relative to it, sorted. */
export const rolloutFiles = (home: string) =>
  (fs.readdirSync(home, { recursive: true }) as string[])
    .filter((f) => /rollout-.*\.jsonl(\.zst)?$/.test(f))
    .sort();

/** The continuation rollouts of thread `id` (`…-<id>_<history id>.jsonl`), oldest first. */
export const continuationFiles = (home: string, id: string) =>
  rolloutFiles(home)
    .filter((f) => f.includes(`${id}_`))
    .sort((a, b) => (path.basename(a) < path.basename(b) ? -1 : 1));
