import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CODEX_0166_BIN, mockCodexHome, responses, startMockModelServer } from "@codex-ts/test-support";
import { beforeAll, describe, expect, it } from "vitest";
import { ModernClient, OURS } from "./helpers/modern-client.js";

/**
 * The user's rules (CODEX_HOME/rules/*.rules, 0.166.0's exec policy) on a 0.166 connection, run against this server
 * and codex 0.166.0 with the same script: "always allow" (`acceptWithExecpolicyAmendment`) writes the rule to
 * default.rules and later commands it covers run unasked, in the same thread, a new one and a new process; a
 * forbidden command never runs; a command a rule prompts for is asked about without an amendment.
 */
const reference = CODEX_0166_BIN;

const execCall = (cmd: string, id: string) =>
  responses.turn(
    responses.functionCall(
      "exec_command",
      { cmd, sandbox_permissions: "require_escalated", justification: "why", yield_time_ms: 2000 },
      id,
    ),
  );

interface Asked {
  reason: unknown;
  proposedExecpolicyAmendment: unknown;
  availableDecisions: unknown;
  commandActions: unknown;
}
interface Run {
  asked: Record<string, Asked[]>;
  rulesAfterAllow: string;
  forbiddenOutput: string;
  files: string[];
}

async function scenario(command: string[]): Promise<Run> {
  const tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "codex-execpolicy-")));
  const mock = await startMockModelServer();
  try {
    const home = await mockCodexHome(mock.baseUrl, { modern: true, dir: path.join(tmp, "home") });
    const cwd = path.join(tmp, "project");
    await fs.mkdir(cwd);
    const asked: Record<string, Asked[]> = {};
    let step = "";
    const follow = (c: ModernClient) =>
      c.server.onMessage((_dir, m) => {
        const msg = m as { method?: string; params?: Asked };
        if (msg.method !== "item/commandExecution/requestApproval" || !msg.params) return;
        const { reason, proposedExecpolicyAmendment, availableDecisions, commandActions } = msg.params;
        asked[step]?.push({
          reason,
          proposedExecpolicyAmendment,
          availableDecisions,
          commandActions,
        });
      });
    const settings = { cwd, approvalPolicy: "on-request", sandbox: "read-only" } as const;
    const run = async (c: ModernClient, threadId: string, name: string, cmd: string) => {
      step = name;
      asked[name] = [];
      mock.enqueue(execCall(cmd, `call_${name}`), responses.turn(responses.message("ok")));
      await c.turn(threadId, name);
    };

    const c = await ModernClient.start(command, { codexHome: home, cwd });
    follow(c);
    const a = (await c.call("thread/start", settings)).thread.id;
    c.answers.push({ decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["touch"] } } });
    await run(c, a, "allowForGood", "touch first.txt");
    const rulesAfterAllow = await fs.readFile(path.join(home, "rules", "default.rules"), "utf8");
    await run(c, a, "sameThread", "touch second.txt");
    const b = (await c.call("thread/start", settings)).thread.id;
    await run(c, b, "newThread", "touch third.txt");
    await c.close();

    await fs.appendFile(
      path.join(home, "rules", "default.rules"),
      '# added by hand\nprefix_rule(pattern=["rm"], decision="forbidden")\nprefix_rule(\n  pattern = ["ls", ["-a", "-l"]],\n  decision = "prompt",\n  match = ["ls -a", ["ls", "-l", "x"]],\n  not_match = ["ls"],\n)\n',
    );
    const d = await ModernClient.start(command, { codexHome: home, cwd });
    follow(d);
    const t = (await d.call("thread/start", settings)).thread.id;
    await run(d, t, "newProcess", "touch fourth.txt");
    await run(d, t, "forbidden", "rm -rf first.txt");
    const body = mock.requests.at(-1)!.body as { input: { type: string; output?: string }[] };
    const forbiddenOutput = body.input.findLast((i) => i.type === "function_call_output")?.output ?? "";
    await run(d, t, "prompted", "ls -a");
    await run(d, t, "unmatched", "mkdir made");
    await d.close();
    return { asked, rulesAfterAllow, forbiddenOutput, files: (await fs.readdir(cwd)).sort() };
  } finally {
    await mock.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

describe("0.166 exec policy rules", () => {
  let ours: Run;
  let theirs: Run | null = null;
  beforeAll(async () => {
    ours = await scenario(OURS);
    if (reference) theirs = await scenario([reference]);
  }, 300_000);

  it("always allow writes 0.166.0's rule and later matching commands run unasked and outside the sandbox", () => {
    expect(ours.rulesAfterAllow).toBe('prefix_rule(pattern=["touch"], decision="allow")\n');
    expect(ours.asked.allowForGood).toHaveLength(1);
    expect(ours.asked.allowForGood![0]!.proposedExecpolicyAmendment).toEqual(["touch", "first.txt"]);
    for (const step of ["sameThread", "newThread", "newProcess"]) expect(ours.asked[step], step).toEqual([]);
    // The read-only sandbox would have refused these writes: an allowed command runs unconfined.
    expect(ours.files).toEqual(["first.txt", "fourth.txt", "made", "second.txt", "third.txt"]);
  });

  it("a forbidden command never runs and the model is told the rule; a prompting rule asks without an amendment", () => {
    expect(ours.asked.forbidden).toEqual([]);
    expect(ours.forbiddenOutput).toBe(
      'exec_command failed: CreateProcess { message: "Rejected(\\"`/bin/bash -lc \'rm -rf first.txt\'` rejected: policy forbids commands starting with `rm`\\")" }',
    );
    expect(ours.asked.prompted).toEqual([
      expect.objectContaining({
        reason: "`/bin/bash -lc 'ls -a'` requires approval by policy",
        proposedExecpolicyAmendment: undefined,
        availableDecisions: ["accept", "cancel"],
      }),
    ]);
    expect(ours.asked.unmatched).toEqual([
      expect.objectContaining({ proposedExecpolicyAmendment: ["mkdir", "made"] }),
    ]);
  });

  it.skipIf(!reference)("does what codex 0.166.0 does at every step", () => {
    expect(ours.rulesAfterAllow).toBe(theirs!.rulesAfterAllow);
    expect(ours.forbiddenOutput).toBe(theirs!.forbiddenOutput);
    expect(ours.files).toEqual(theirs!.files);
    const view = (r: Run) =>
      Object.fromEntries(
        Object.entries(r.asked).map(([k, v]) => [
          k,
          v.map(({ reason, proposedExecpolicyAmendment, availableDecisions }) => ({
            reason,
            proposedExecpolicyAmendment,
            availableDecisions,
          })),
        ]),
      );
    expect(view(ours)).toEqual(view(theirs!));
  });
});
