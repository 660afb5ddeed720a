import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { CODEX_0166_BIN, responses, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { startMockServer0166 } from "./helpers/mock-server-0166.js";

/**
 * `thread/increment_elicitation` pauses a thread's timeout accounting, on this server and (where installed) on the
 * native codex 0.166.0: while a client's helper asks the user something out of band, a command's yield time does
 * not run and its output is not collected, even once it ended; after `thread/decrement_elicitation` the rest of the
 * yield runs. Here the command ends (once the test lets it) during the pause, long after its 250 ms yield would
 * have run out, and the model still gets its whole output and exit code instead of a background session.
 */
const suite = useAppServerSuite();
const IMPLS = CODEX_0166_BIN ? (["ours", "real"] as const) : (["ours"] as const);
if (!CODEX_0166_BIN) console.warn("elicitation pause: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

describe("out-of-band elicitations pause exec_command's yield time", () => {
  it.each(IMPLS)(
    "%s: a paused thread's command is collected only once the pause ends",
    { timeout: 60_000 },
    async (impl) => {
      const s = await startMockServer0166(suite, impl, {
        client: { name: "elicitation-pause", version: "1.0" },
        prefix: "codex-0166-elicitation-",
      });
      const go = path.join(s.root, "go");
      const ended = path.join(s.root, "ended");
      // The command ends only once the test creates `go`, and says so with `ended` as its last act.
      const cmd = `while [ ! -e ${go} ]; do sleep 0.05; done; echo released; : > ${ended}`;
      s.mock.enqueue(
        {
          kind: "sse",
          events: [
            responses.created(),
            ...responses.functionCall("exec_command", { cmd, yield_time_ms: 250 }, "call_wait"),
            responses.completed(),
          ],
        },
        { kind: "sse", events: [responses.created(), ...responses.message("ok"), responses.completed()] },
      );
      const { thread } = await s.c.request("thread/start", {
        cwd: s.root,
        model: "gpt-5.5",
        approvalPolicy: "never",
        sandbox: "danger-full-access",
      });
      expect(await s.c.request("thread/increment_elicitation", { threadId: thread.id })).toEqual({
        count: 1,
        paused: true,
      });
      const requestsAtStart = s.mock.requests.length;
      const { turn } = await s.c.request("turn/start", {
        threadId: thread.id,
        input: [{ type: "text", text: "run it" }],
      });
      await s.c.waitFor(
        (m) =>
          m.method === "item/started" &&
          (m.params as { item: { type: string } }).item.type === "commandExecution",
        "the command's start",
      );
      // Whenever this comes, the yield has not run out: the time is paused.
      await fs.writeFile(go, "");
      await s.c.waitUntil(() => existsSync(ended), "the command's end");
      // Still paused: the command's output is not taken (the model has not been asked again) until the pause ends.
      expect(s.mock.requests.length).toBe(requestsAtStart + 1);
      expect(await s.c.request("thread/decrement_elicitation", { threadId: thread.id })).toEqual({
        count: 0,
        paused: false,
      });
      await s.c.waitFor(
        (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
        "turn/completed",
      );
      const output = (
        s.mock.requests.at(-1)!.body as { input: { type: string; call_id?: string; output?: string }[] }
      ).input.find((i) => i.type === "function_call_output" && i.call_id === "call_wait")?.output;
      expect(output).toContain("released");
      expect(output).toContain("Process exited with code 0");
      expect(output).not.toContain("session ID");
    },
  );
});
