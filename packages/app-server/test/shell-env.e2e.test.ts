import fs from "node:fs/promises";
import { sandboxSupport } from "@codex-ts/core";
import {
  type AppServerBinary,
  REFERENCE_CODEX_BIN,
  responses,
  type TestAppServer,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * `shell_environment_policy` through the built `codex app-server`: the environment of commands the model runs
 * (seen by the model and stored in the rollout) and of `execOneOffCommand`.
 */
const suite = useAppServerSuite();

const POLICY = `[shell_environment_policy]
exclude = ["probe_drop*"]
set = { ADDED = "yes", PROBE_SET_TOKEN = "set-wins" }
include_only = ["PATH", "probe_*", "ADDED", "CODEX_SANDBOX*"]
`;

/** The app-server's own environment: one variable of each kind the policy treats differently. */
const SERVER_ENV = {
  PROBE_KEEP: "keep",
  PROBE_API_KEY: "default-excluded",
  PROBE_DROP_ME: "excluded",
  PROBE_OTHER_SECRET: "default-excluded",
  UNLISTED: "not-in-include-only",
};

/** What `env` prints under POLICY (sorted), plus any extra lines. */
const expected = (...extra: string[]) =>
  ["ADDED=yes", `PATH=${process.env.PATH}`, "PROBE_KEEP=keep", "PROBE_SET_TOKEN=set-wins", ...extra].sort();

const home = () => suite.home({ toml: POLICY, prefix: "codex-env-" });
const start = async (codexHome: string, bin: AppServerBinary = "ours"): Promise<TestAppServer> =>
  suite.start({ bin, home: codexHome, env: SERVER_ENV });

/** The `NAME=value` lines of a tool output, whether it is the JSON-string form or plain text. */
function envLines(output: string): string[] {
  let text = output;
  try {
    text = String((JSON.parse(output) as { output: string }).output);
  } catch {
    // plain text
  }
  return text
    .split("\n")
    .filter((l) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(l))
    .sort();
}

describe("shell_environment_policy", () => {
  it("applies to the shell tool: the model and the rollout see the filtered environment", async () => {
    const codexHome = await home();
    const cwd = await suite.workdir("codex-env-work-");
    suite.mock.enqueue(
      responses.turn(responses.functionCall("shell", { command: ["env"] }, "call_env")),
      responses.turn(responses.message("Looked.")),
    );
    const c = await start(codexHome);
    const thread = (
      await c.request("thread/start", { cwd, approvalPolicy: "never", sandbox: "dangerFullAccess" })
    ).thread as { id: string; path: string };
    await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "show env" }] });
    await c.waitFor((m) => m.method === "turn/completed", "turn/completed");

    const last = suite.mock.requests.at(-1)?.body as { input: Record<string, unknown>[] } | undefined;
    const sent = last?.input.find((i) => i.type === "function_call_output" && i.call_id === "call_env");
    expect(envLines(String(sent?.output))).toEqual(expected());

    const rollout = (await fs.readFile(thread.path, "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; payload: Record<string, unknown> });
    const stored = rollout.find(
      (l) => l.type === "response_item" && l.payload.type === "function_call_output",
    )?.payload;
    expect(stored?.call_id).toBe("call_env");
    expect(envLines(String(stored?.output))).toEqual(expected());
    await c.close();
  });

  it("applies to execOneOffCommand, with the no-network marker when the sandbox policy has no network", async () => {
    const c = await start(await home());
    const open = await c.request("execOneOffCommand", {
      command: ["env"],
      sandboxPolicy: { mode: "danger-full-access" },
    });
    expect(open.exitCode).toBe(0);
    expect(envLines(String(open.stdout))).toEqual(expected());
    if (sandboxSupport() === "bubblewrap") {
      const confined = await c.request("execOneOffCommand", {
        command: ["env"],
        sandboxPolicy: { mode: "read-only" },
      });
      // bubblewrap itself sets PWD for the command it starts (0.58.0's own Linux sandbox does not).
      const lines = envLines(String(confined.stdout)).filter((l) => !l.startsWith("PWD="));
      expect(lines).toEqual(expected("CODEX_SANDBOX_NETWORK_DISABLED=1"));
    }
    await c.close();
  });
});

const reference = REFERENCE_CODEX_BIN;
if (!reference) console.warn("skipping the comparison with the real codex 0.58.0: binary not found");

describe.skipIf(!reference)("shell_environment_policy compared with the real codex 0.58.0", () => {
  it("execOneOffCommand gets the same environment (PATH aside: 0.58.0's npm launcher extends it)", async () => {
    const run = async (c: TestAppServer) => {
      const res = await c.request("execOneOffCommand", {
        command: ["env"],
        sandboxPolicy: { mode: "danger-full-access" },
      });
      await c.close();
      return envLines(String(res.stdout)).filter((l) => !l.startsWith("PATH="));
    };
    const ours = await run(await start(await home()));
    const theirs = await run(await start(await home(), "reference"));
    expect(ours).toEqual(["ADDED=yes", "PROBE_KEEP=keep", "PROBE_SET_TOKEN=set-wins"]);
    expect(ours).toEqual(theirs);
  });
});
