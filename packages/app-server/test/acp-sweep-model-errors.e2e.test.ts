import fs from "node:fs/promises";
import path from "node:path";
import {
  CODEX_0166_BIN,
  CODEX_ACP_ENTRY,
  type PromptOutcome,
  responses,
  type ScriptedResponse,
} from "@codex-ts/test-support";
import { beforeAll, describe, expect, it } from "vitest";
import { editorView, runSweepFlow, type SweepRun, sweepBoth } from "./helpers/acp-sweep.js";

/**
 * Model failures as the editor sees them, through codex-acp 2.6.0 against codex 0.166.0 and this server (one
 * request retry allowed): an HTTP 500 the retry gets past, a 500 on every attempt, and a 400 context-window error.
 * The prompts must end the same way with the same updates (or the same error).
 */
const reference = CODEX_0166_BIN;

const serverError: ScriptedResponse = {
  kind: "http",
  status: 500,
  body: JSON.stringify({ error: { message: "The server had an error", type: "server_error" } }),
};
const contextWindow: ScriptedResponse = {
  kind: "http",
  status: 400,
  body: JSON.stringify({
    error: {
      message: "Your input exceeds the context window of this model.",
      type: "invalid_request_error",
      code: "context_length_exceeded",
    },
  }),
};

type Prompts = Record<"retried" | "failed" | "tooLong" | "after", PromptOutcome>;

async function errorsFlow(command: string[]): Promise<SweepRun<Prompts>> {
  return runSweepFlow<Prompts>({
    command,
    prepare: async (_cwd, home) => {
      const file = path.join(home, "config.toml");
      const config = await fs.readFile(file, "utf8");
      await fs.writeFile(file, config.replace("request_max_retries = 0", "request_max_retries = 1"));
    },
    flow: async ({ acp, mock, sessionId, quiet }) => {
      const step = async (prompt: string, ...queued: ScriptedResponse[]) => {
        mock.enqueue(...queued);
        const out = await acp.prompt(sessionId, prompt);
        await quiet();
        return out;
      };
      return {
        retried: await step("First", serverError, responses.turn(responses.message("After a retry."))),
        failed: await step("Second", serverError, serverError),
        tooLong: await step("Third", contextWindow),
        after: await step("Fourth", responses.turn(responses.message("Back to normal."))),
      };
    },
  });
}

describe.skipIf(!CODEX_ACP_ENTRY || !reference)(
  "codex-acp 2.6.0: model errors, as with codex 0.166.0",
  () => {
    let ours: SweepRun<Prompts>;
    let theirs: SweepRun<Prompts>;

    beforeAll(async () => {
      ({ ours, theirs } = await sweepBoth(reference as string, errorsFlow));
    }, 300_000);

    it("the editor sees the same for each failure", () => {
      for (const name of ["retried", "failed", "tooLong", "after"] as const)
        expect.soft({ name, ...(editorView(ours.result[name], ours) as object) }).toEqual({
          name,
          ...(editorView(theirs.result[name], theirs) as object),
        });
      expect(ours.internetAttempts).toEqual([]);
    });

    it("sends the same turn errors (message and codexErrorInfo)", () => {
      const errors = (run: SweepRun<Prompts>) =>
        run.tee
          .filter((e) => e.dir === "s2c" && e.msg.method === "error")
          .map((e) => (e.msg.params as { error: unknown; willRetry: boolean }).error);
      expect(errors(ours)).toEqual(errors(theirs));
      expect(errors(ours)).toHaveLength(2);
    });
  },
);
