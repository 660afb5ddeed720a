import {
  mockCodexHome,
  responses,
  type ScriptedResponse,
  type SeededRandom,
  seededRandom,
  startMockModelServer,
  tempDir,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { CLI_MAIN, TestClient } from "./helpers.js";

/**
 * Random but seeded `codex` / `codex-reply` calls, up to 12 at once, some cancelled by the client (the SDK sends
 * `notifications/cancelled`) and some on a conversation whose turn still runs, against a model that answers at
 * random (messages, commands, patches asking for approval, failures), with approvals answered at random. Every call
 * the client did not cancel must be answered, and the server must go on serving. Interleavings differ from run to
 * run; the invariant holds in each.
 */

const CALLS = 120;
const MAX_IN_FLIGHT = 12;

function modelAnswer(r: SeededRandom): ScriptedResponse {
  const x = r.next();
  if (x < 0.45) return responses.turn(responses.message("hello"));
  if (x < 0.65) return responses.turn(responses.functionCall("shell", { command: ["echo", "hi"] }));
  if (x < 0.8) {
    const input = "*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\n";
    return responses.turn(responses.functionCall("apply_patch", { input }));
  }
  return { kind: "http", status: 500, body: "boom" };
}

describe("codex and codex-reply calls in random order", () => {
  it("every call the client did not cancel is answered, and the server keeps serving", async () => {
    const r = seededRandom(11);
    const mock = await startMockModelServer([], {
      routes: [{ name: "random", match: () => true, answer: () => modelAnswer(r) }],
    });
    const home = await mockCodexHome(mock.baseUrl);
    const work = await tempDir("codex-mcp-sequence-");
    const env = { PATH: process.env.PATH ?? "", HOME: home, CODEX_HOME: home };
    const codex = await TestClient.start(process.execPath, [CLI_MAIN, "mcp-server"], env, work);
    try {
      codex.answer = () => ({ decision: r.pick(["approved", "approved_for_session", "denied", "abort"]) });
      const sessions = () =>
        codex.events.filter((e) => e.msg.type === "session_configured").map((e) => String(e.msg.session_id));
      const problems: string[] = [];
      const inFlight = new Set<Promise<unknown>>();
      const call = (name: string, args: Record<string, unknown>) => {
        const cancel = r.next() < 0.2 ? new AbortController() : undefined;
        const answered = codex.rawCall(name, args, cancel?.signal).then(
          (result) => result,
          (err: Error) => {
            if (!cancel?.signal.aborted) problems.push(`${name} ${JSON.stringify(args)}: ${err.message}`);
          },
        );
        if (cancel) setTimeout(() => cancel.abort(), Math.floor(r.next() * 300));
        inFlight.add(answered);
        void answered.finally(() => inFlight.delete(answered));
      };
      const operations = [
        () =>
          call("codex", {
            prompt: r.pick(["hi", "run", "patch"]),
            cwd: work,
            "approval-policy": "on-request",
          }),
        () => call("codex", { prompt: "go", cwd: work, "approval-policy": r.pick(["never", "untrusted"]) }),
        () => {
          const known = sessions();
          if (known.length > 0) call("codex-reply", { conversationId: r.pick(known), prompt: "again" });
        },
        () => call("codex-reply", { conversationId: "00000000-0000-0000-0000-000000000000", prompt: "x" }),
        () => call("codex", { prompt: 5 }),
        () => call("nope", {}),
      ];
      for (let i = 0; i < CALLS; i++) {
        r.pick(operations)();
        if (r.next() < 0.5) await new Promise((done) => setTimeout(done, Math.floor(r.next() * 50)));
        if (inFlight.size > MAX_IN_FLIGHT) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      expect(problems).toEqual([]);
      expect(sessions().length).toBeGreaterThan(3);
      // Still serving.
      expect((await codex.rawListTools()).tools).toHaveLength(2);
      expect(codex.stderr).not.toMatch(/Uncaught|unhandled|TypeError/i);
    } finally {
      await codex.close();
      await mock.close();
    }
  }, 600_000);
});
