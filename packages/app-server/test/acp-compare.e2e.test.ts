import { CLI_MAIN, CODEX_0166_BIN, CODEX_ACP_ENTRY, type PromptOutcome } from "@codex-ts/test-support";
import { beforeAll, describe, expect, it } from "vitest";
import { type FlowRun, runAcpFlows, sameModelHigh } from "./helpers/acp-flows.js";
import { type Transcript, threadTranscript } from "./helpers/transcript.js";

/**
 * The same editor flows (helpers/acp-flows.ts) through codex-acp 2.6.0 against codex 0.166.0 and against this
 * server: the editor must see the same outcomes, the session's thread must go through the same steps, and every
 * payload this server sends must have 0.166.0's shape. What differs on purpose is listed in the app-server README
 * ("0.166 connections" → "Compared with codex 0.166.0") and normalized here, each with its reason.
 */
const reference = CODEX_0166_BIN;
if (!CODEX_ACP_ENTRY || !reference)
  console.warn(
    `skipping the comparison with codex 0.166.0: ${!reference ? "@openai/codex@0.166.0" : "@agentclientprotocol/codex-acp@2.6.0"} is not installed (scripts/test-all.sh installs both into .cache; or set CODEX_0166_BIN / CODEX_ACP_ENTRY)`,
  );

/** Steps this server does not take, by design or because another piece of work adds them (README). */
const NOT_HERE: string[] = [];
/** Steps both take, in places that differ for a reason (README), compared apart from the sequence. */
const PLACED_APART = [
  "⇐ thread/tokenUsage/updated", // 0.166.0 runs tools while the response streams and counts cut streams
  "⇐ item/commandExecution/outputDelta", // this server streams a command's output; 0.166.0 reports it at the end
];

/**
 * A message the steered input cut short: this server completes it with what streamed before announcing the input,
 * 0.166.0 leaves it open for good (README). Taken out on both sides.
 */
const cutShortCompletion = (steps: string[], i: number) =>
  steps[i] === "⇐ item/completed agentMessage" && steps[i + 1] === "⇐ item/started userMessage";

/**
 * The step sequence both must share: the steps above taken out, and the approval's status change put right before
 * its request (0.166.0 announces it before the command item, this server's core reports the command first).
 */
function comparable(t: Transcript): string[] {
  const kept = t.steps.filter((s) => !NOT_HERE.includes(s) && !PLACED_APART.includes(s));
  const steps = kept.filter((_, i) => !cutShortCompletion(kept, i));
  // 0.166.0 announces a turn's changed settings from another task than the one answering `turn/start`: usually
  // before the answer (as this server always does), on a loaded machine sometimes just after it.
  for (let i = 0; i + 1 < steps.length; i++)
    if (steps[i] === "← turn/start" && steps[i + 1] === "⇐ thread/settings/updated")
      [steps[i], steps[i + 1]] = [steps[i + 1] as string, steps[i] as string];
  const out: string[] = [];
  for (const s of steps) {
    if (s === "⇐ thread/status/changed active[waitingOnApproval]") continue;
    if (s.startsWith("⇒ item/") && s.endsWith("/requestApproval"))
      out.push("⇐ thread/status/changed active[waitingOnApproval]");
    out.push(s);
  }
  return out;
}

/** Every key path of a shape (`.a.b`, `.list[].c`). */
function paths(shape: unknown, prefix = "", out = new Set<string>()): Set<string> {
  if (Array.isArray(shape)) {
    if (shape.length === 0) out.add(`${prefix}[]`);
    for (const s of shape) paths(s, `${prefix}[]`, out);
  } else if (shape && typeof shape === "object") {
    for (const [k, v] of Object.entries(shape)) {
      out.add(`${prefix}.${k}`);
      paths(v, `${prefix}.${k}`, out);
    }
  }
  return out;
}

/**
 * Key paths a step's payloads differ in by value, not by contract: 0.166.0 trusts the project the adapter marks
 * trusted and starts the thread in a workspace-write sandbox, whose policy has more fields than read-only's.
 */
const VALUE_DEPENDENT: Record<string, string[]> = {
  "← thread/start": [".sandbox."],
};

const outcome = (p: PromptOutcome) => ({
  stopReason: p.result?.stopReason,
  text: p.updates
    .filter((u) => u.sessionUpdate === "agent_message_chunk")
    .map((u) => (u.content as { text: string }).text)
    .join(""),
  toolCalls: p.updates.filter((u) => u.sessionUpdate === "tool_call").length,
});

describe.skipIf(!CODEX_ACP_ENTRY || !reference)(
  "the codex-acp flows on this server and on codex 0.166.0",
  () => {
    let ours: FlowRun;
    let theirs: FlowRun;
    let oursT: Transcript;
    let theirsT: Transcript;

    beforeAll(async () => {
      // One after the other: the flows time a cancel and a steer against a streaming answer.
      theirs = await runAcpFlows({ command: [reference as string], switchModel: sameModelHigh });
      ours = await runAcpFlows({ command: [process.execPath, CLI_MAIN], switchModel: sameModelHigh });
      theirsT = threadTranscript(theirs.tee, theirs.sessionId);
      oursT = threadTranscript(ours.tee, ours.sessionId);
    }, 300_000);

    it("gives the editor the same outcomes", () => {
      for (const name of ["hello", "afterSettings", "shell", "cancel", "steer"] as const)
        expect({ name, ...outcome(ours.prompts[name]) }).toEqual({ name, ...outcome(theirs.prompts[name]) });
      expect(ours.steer).toEqual(theirs.steer);
      expect(ours.permissions.map((p) => p.params.options.map((o) => o.kind))).toEqual(
        theirs.permissions.map((p) => p.params.options.map((o) => o.kind)),
      );
      expect(ours.internetAttempts).toEqual([]);
      expect(theirs.internetAttempts).toEqual([]);
    });

    it("takes the session's thread through the same steps in the same order", () => {
      expect(comparable(oursT)).toEqual(comparable(theirsT));
      // The steps compared apart are there in both.
      for (const step of ["⇐ thread/tokenUsage/updated"]) {
        expect(oursT.steps).toContain(step);
        expect(theirsT.steps).toContain(step);
      }
    });

    it("sends every payload in 0.166.0's shape", () => {
      const differences: string[] = [];
      for (const [label, theirShapes] of theirsT.shapes) {
        const ourShapes = oursT.shapes.get(label);
        // Only what this server sends: its answers, notifications and requests.
        if (!ourShapes || label.startsWith("→")) continue;
        const ignored = VALUE_DEPENDENT[label] ?? [];
        const keep = (p: string) => !ignored.some((prefix) => p.startsWith(prefix));
        const mine = new Set<string>();
        for (const s of ourShapes) paths(JSON.parse(s), "", mine);
        const ref = new Set<string>();
        for (const s of theirShapes) paths(JSON.parse(s), "", ref);
        for (const p of ref) if (keep(p) && !mine.has(p)) differences.push(`${label}: missing ${p}`);
        for (const p of mine) if (keep(p) && !ref.has(p)) differences.push(`${label}: extra ${p}`);
      }
      expect(differences).toEqual([]);
      // Each notification, answer and request of the session's thread that 0.166.0 sent, this server sent too.
      const missing = [...theirsT.shapes.keys()].filter(
        (l) => !l.startsWith("→") && !NOT_HERE.includes(l) && !oursT.shapes.has(l),
      );
      expect(missing).toEqual([]);
    });
  },
);
