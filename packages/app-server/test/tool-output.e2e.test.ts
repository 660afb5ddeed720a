import fs from "node:fs/promises";
import path from "node:path";
import {
  REFERENCE_CODEX_BIN,
  responses,
  type TestAppServer,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * How shell and apply_patch results are stored and sent, through the built `codex app-server`: the rollout keeps
 * `{"output","metadata":{exit_code,duration_seconds}}` JSON strings; the next request re-renders them as
 * `Exit code / Wall time / Output` text only for models that get the freeform apply_patch tool (0.58.0's rule).
 */
const suite = useAppServerSuite();
const home = (model: string, toml = "") => suite.home({ model, toml, prefix: "codex-out-" });

type Item = Record<string, unknown>;

/** Runs one v2 turn in a fresh server; returns the request bodies it caused and the rollout's items. */
async function runTurn(model: string, cwd: string) {
  const c = await suite.start({ home: await home(model) });
  const first = suite.mock.requests.length;
  const thread = (
    await c.request("thread/start", { cwd, approvalPolicy: "never", sandbox: "dangerFullAccess" })
  ).thread as { id: string; path: string };
  await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "go" }] });
  await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
  await c.close();
  const bodies = suite.mock.requests.slice(first).map((r) => r.body as { input: Item[]; tools: Item[] });
  const rollout = (await fs.readFile(thread.path, "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; payload: Item })
    .filter((l) => l.type === "response_item")
    .map((l) => l.payload);
  return { bodies, rollout };
}

const outputOf = (items: Item[], callId: string) =>
  items.find((i) => String(i.type).endsWith("_output") && i.call_id === callId)?.output;

const STRUCTURED = /^\{"output":"(.*)","metadata":\{"exit_code":(-?\d+),"duration_seconds":(\d+\.\d+)\}\}$/s;

const workdir = () => suite.workdir("codex-out-work-");

describe("tool outputs in the rollout and in requests", () => {
  it("gpt-5-codex (freeform apply_patch offered): JSON strings stored, Exit code text sent", async () => {
    const cwd = await workdir();
    suite.mock.enqueue(
      responses.turn(responses.functionCall("shell", { command: ["printf", "hi\\n"] }, "call_sh")),
      responses.turn(
        responses.customToolCall(
          "apply_patch",
          "*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch",
          "call_ap",
        ),
      ),
      responses.turn(responses.functionCall("shell", { command: ["seq", "1", "300"] }, "call_seq")),
      responses.turn(responses.message("Done.")),
    );
    const { bodies, rollout } = await runTurn("gpt-5-codex", cwd);
    expect(bodies).toHaveLength(4);
    expect(bodies[0]?.tools).toContainEqual(expect.objectContaining({ type: "custom", name: "apply_patch" }));

    const storedShell = String(outputOf(rollout, "call_sh"));
    const [, out, code, secs] = STRUCTURED.exec(storedShell) ?? [];
    expect([out, code]).toEqual(["hi\\n", "0"]);
    expect(outputOf(bodies[1]?.input ?? [], "call_sh")).toBe(
      `Exit code: 0\nWall time: ${Number(secs)} seconds\nOutput:\nhi\n`,
    );

    const storedPatch = String(outputOf(rollout, "call_ap"));
    expect(storedPatch).toMatch(STRUCTURED);
    expect(JSON.parse(storedPatch)).toEqual({
      output: "Success. Updated the following files:\nA hello.txt\n",
      metadata: { exit_code: 0, duration_seconds: expect.any(Number) },
    });
    const patchSeconds = (JSON.parse(storedPatch) as { metadata: { duration_seconds: number } }).metadata
      .duration_seconds;
    expect(
      rollout.find((i) => i.call_id === "call_ap" && i.type === "custom_tool_call_output"),
    ).toBeDefined();
    expect(outputOf(bodies[2]?.input ?? [], "call_ap")).toBe(
      `Exit code: 0\nWall time: ${patchSeconds} seconds\nOutput:\nSuccess. Updated the following files:\nA hello.txt\n`,
    );

    // 300 lines: cut to the first and last 128 with a marker; the total moves to its own line when rendered.
    const storedSeq = JSON.parse(String(outputOf(rollout, "call_seq"))) as {
      output: string;
      metadata: { duration_seconds: number };
    };
    const header = "Total output lines: 300\n\n";
    expect(storedSeq.output.startsWith(`${header}1\n2\n`)).toBe(true);
    expect(storedSeq.output).toContain("128\n\n[... omitted 44 of 300 lines ...]\n\n173\n");
    expect(storedSeq.output.endsWith("299\n300\n")).toBe(true);
    expect(outputOf(bodies[3]?.input ?? [], "call_seq")).toBe(
      `Exit code: 0\nWall time: ${storedSeq.metadata.duration_seconds} seconds\nTotal output lines: 300\nOutput:\n${storedSeq.output.slice(header.length)}`,
    );
  });

  it("o3 (no freeform apply_patch): the stored JSON string is what the model gets", async () => {
    const cwd = await workdir();
    suite.mock.enqueue(
      responses.turn(
        responses.functionCall("shell", { command: ["sh", "-c", "echo out; exit 3"] }, "call_o3"),
      ),
      responses.turn(responses.message("Done.")),
    );
    const { bodies, rollout } = await runTurn("o3", cwd);
    expect(bodies[0]?.tools).not.toContainEqual(expect.objectContaining({ type: "custom" }));
    const stored = String(outputOf(rollout, "call_o3"));
    expect(stored).toMatch(
      /^\{"output":"out\\n","metadata":\{"exit_code":3,"duration_seconds":\d+\.\d+\}\}$/,
    );
    expect(outputOf(bodies[1]?.input ?? [], "call_o3")).toBe(stored);
  });
});

const reference = REFERENCE_CODEX_BIN;
if (!reference) console.warn("skipping the comparison with the real codex 0.58.0: binary not found");

describe.skipIf(!reference)(
  "tool outputs and command environments compared with the real codex 0.58.0",
  () => {
    const POLICY = `[shell_environment_policy]
exclude = ["probe_drop*"]
set = { ADDED = "yes", PROBE_SET_TOKEN = "set-wins" }
include_only = ["probe_*", "ADDED"]
`;
    const SERVER_ENV = {
      PROBE_KEEP: "keep",
      PROBE_API_KEY: "default-excluded",
      PROBE_DROP_ME: "excluded",
      UNLISTED: "not-in-include-only",
    };
    const awkLines = 'BEGIN{for(i=0;i<300;i++){s="";for(j=0;j<100;j++)s=s (i%10);print s}}';
    const script = () => [
      responses.turn(responses.functionCall("shell", { command: ["printf", "hi\\n"] }, "c_hi")),
      responses.turn(responses.functionCall("shell", { command: ["seq", "1", "300"] }, "c_seq")),
      responses.turn(
        responses.functionCall(
          "shell",
          { command: ["sh", "-c", "head -c 20000 /dev/zero | tr '\\0' x"] },
          "c_wide",
        ),
      ),
      responses.turn(responses.functionCall("shell", { command: ["awk", awkLines] }, "c_both")),
      responses.turn(
        responses.functionCall("shell", { command: ["sh", "-c", "echo out; exit 3"] }, "c_exit"),
      ),
      responses.turn(responses.functionCall("shell", { command: ["env"] }, "c_env")),
      responses.turn(
        responses.functionCall("shell", { command: ["definitely-not-a-command-xyz"] }, "c_missing"),
      ),
      responses.turn(
        responses.functionCall(
          "shell",
          { command: ["sh", "-c", "echo start; sleep 5"], timeout_ms: 300 },
          "c_timeout",
        ),
      ),
      responses.turn(
        responses.functionCall(
          "shell",
          { command: ["apply_patch", "*** Begin Patch\n*** Add File: via-argv.txt\n+x\n*** End Patch"] },
          "c_argv_patch",
        ),
      ),
      responses.turn(
        responses.functionCall(
          "shell",
          {
            command: [
              "bash",
              "-lc",
              "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: via-heredoc.txt\n+y\n*** End Patch\nEOF",
            ],
          },
          "c_heredoc_patch",
        ),
      ),
      responses.turn(
        responses.customToolCall(
          "apply_patch",
          "*** Begin Patch\n*** Add File: new.txt\n+hi\n*** End Patch",
          "c_ap",
        ),
      ),
      responses.turn(responses.customToolCall("apply_patch", "garbage", "c_bad")),
      responses.turn(
        responses.customToolCall("apply_patch", "*** Begin Patch\n*** Add File: b.txt\n+x", "c_open"),
      ),
      responses.turn(responses.customToolCall("apply_patch", "*** Begin Patch\n*** End Patch", "c_empty")),
      responses.turn(responses.message("Done.")),
    ];
    const CALLS = [
      "c_hi",
      "c_seq",
      "c_wide",
      "c_both",
      "c_exit",
      "c_env",
      "c_missing",
      "c_timeout",
      "c_argv_patch",
      "c_heredoc_patch",
      "c_ap",
      "c_bad",
      "c_open",
      "c_empty",
    ];

    /** Durations differ from run to run. */
    const normalize = (callId: string, output: unknown) => {
      let text = String(output)
        .replace(/Wall time: [\d.]+ seconds/, "Wall time: <t> seconds")
        .replace(/"duration_seconds":[\d.]+/, '"duration_seconds":<t>')
        .replace(/command timed out after \d+ milliseconds/, "command timed out after <ms> milliseconds");
      // The variables' order is a hash map's in 0.58.0; compare them sorted (escaped newlines in JSON, real ones in text).
      if (callId === "c_env") {
        text = text.replace(/(?:[A-Z_]+=[a-z-]+(?:\\n|\n))+/, (block) => {
          const sep = block.includes("\\n") ? "\\n" : "\n";
          return block
            .split(sep)
            .filter(Boolean)
            .sort()
            .map((v) => v + sep)
            .join("");
        });
      }
      return text;
    };

    async function observe(c: TestAppServer, cwd: string) {
      const mock = suite.mock;
      const first = mock.requests.length;
      suite.mock.enqueue(...script());
      await c.initialize();
      const thread = (
        await c.request("thread/start", { cwd, approvalPolicy: "never", sandbox: "dangerFullAccess" })
      ).thread as { id: string; path: string };
      await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "go" }] });
      // 0.58.0 does not always follow up with turn/completed; both send task_complete.
      await c.waitFor((m) => m.method === "codex/event/task_complete", "task_complete");
      await c.close();
      const body = mock.requests.at(-1)?.body as { input: Item[] } | undefined;
      const last = body?.input ?? [];
      expect(mock.requests.length - first).toBe(CALLS.length + 1);
      const rollout = (await fs.readFile(thread.path, "utf8"))
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string; payload: Item })
        .filter((l) => l.type === "response_item")
        .map((l) => l.payload);
      // The v1 end events of the commands whose output does not depend on the environment's order.
      const ends = c.messages
        .filter((m) => m.method === "codex/event/exec_command_end")
        .map((m) => (m.params as { msg: Item }).msg)
        .filter((e) => e.call_id !== "c_env")
        .map(({ duration, ...e }) => ({
          ...e,
          duration: e.exit_code === -1 ? duration : "<t>",
          formatted_output: normalize("", e.formatted_output),
        }));
      // Shell calls that are apply_patch invocations are applied as patches, with the patch events.
      const patchEnds = c.messages
        .filter((m) => m.method === "codex/event/patch_apply_end")
        .map((m) => (m.params as { msg: Item }).msg)
        .filter((e) => String(e.call_id).endsWith("_patch"));
      const patched = await Promise.all(
        ["via-argv.txt", "via-heredoc.txt"].map((f) =>
          fs.readFile(path.join(cwd, f), "utf8").catch(() => null),
        ),
      );
      return {
        patchEnds,
        patched,
        sent: CALLS.map((id) => normalize(id, outputOf(last, id))),
        stored: CALLS.map((id) => normalize(id, outputOf(rollout, id))),
        ends,
      };
    }

    for (const model of ["gpt-5-codex", "o3"]) {
      it(`${model}: the same outputs stored and sent`, { timeout: 120_000 }, async () => {
        const codexHome = () => home(model, POLICY);
        const oursCwd = await workdir();
        const start = async (bin: "ours" | "reference") =>
          suite.start({ bin, home: await codexHome(), env: SERVER_ENV, initialize: false });
        const ours = await observe(await start("ours"), oursCwd);
        const real = await start("reference");
        const realCwd = await workdir();
        const theirs = await observe(real, realCwd);
        // o3 is offered no apply_patch tool: both answer its custom calls "unsupported custom tool call: apply_patch".
        const sameCwd = (xs: string[], cwd: string) => xs.map((x) => x.replaceAll(cwd, "<cwd>"));
        expect(sameCwd(ours.stored, oursCwd)).toEqual(sameCwd(theirs.stored, realCwd));
        expect(sameCwd(ours.sent, oursCwd)).toEqual(sameCwd(theirs.sent, realCwd));
        expect(ours.ends).toHaveLength(7);
        expect(ours.ends).toEqual(theirs.ends);
        expect(ours.patched).toEqual(["x\n", "y\n"]);
        expect(ours.patched).toEqual(theirs.patched);
        expect(ours.patchEnds).toHaveLength(2);
        expect(ours.patchEnds).toEqual(theirs.patchEnds);
      });
    }
  },
);
