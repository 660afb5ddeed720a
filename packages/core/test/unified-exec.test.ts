import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseCommand } from "../src/exec/parse-command.js";
import { sandboxSupport } from "../src/exec/run-command.js";
import { isKnownSafeCommand } from "../src/exec/safe-command.js";
import {
  decodeExecCommandArgs,
  decodeWriteStdinArgs,
  type ExecCommandArgs,
  escalationRefusal,
  terminalKind,
  UNIFIED_EXEC_TOOLS,
  UnifiedExecManager,
  type UnifiedExecOutcome,
} from "../src/unified-exec/index.js";
import { truncateToTokens } from "../src/unified-exec/output-text.js";
import recordedApprovals from "./fixtures/058/unified-exec-approvals.json" with { type: "json" };
import recordedRepl from "./fixtures/058/unified-exec-repl.json" with { type: "json" };
import recordedRequest from "./fixtures/058/unified-exec-request.json" with { type: "json" };

/**
 * Unified exec against real processes on real PTYs. Expected texts come from codex 0.58.0 (fixtures recorded by
 * test/fixtures/058/record.mjs, and the argument errors below, observed the same way).
 */

const managers: UnifiedExecManager[] = [];
let cwd: string;

beforeAll(async () => {
  cwd = await tempDir("codex-uexec-");
});
afterEach(async () => {
  for (const m of managers.splice(0)) await m.terminateAll();
});

function manager(o: ConstructorParameters<typeof UnifiedExecManager>[0] = {}): UnifiedExecManager {
  const m = new UnifiedExecManager(o);
  managers.push(m);
  return m;
}

const env = (): Record<string, string> =>
  Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));

function execArgs(over: Partial<ExecCommandArgs> & { cmd: string }): ExecCommandArgs {
  return {
    workdir: null,
    shell: "/bin/bash",
    login: false,
    yieldTimeMs: null,
    maxOutputTokens: null,
    withEscalatedPermissions: null,
    justification: null,
    tty: null,
    ...over,
  };
}

/** The response text with what 0.58.0's fixtures mask masked the same way. */
const masked = (text: string) =>
  text.replace(
    /^Chunk ID: [0-9a-f]{6}\nWall time: \d+\.\d{4} seconds/,
    "Chunk ID: <CHUNK>\nWall time: <SECS> seconds",
  );

const maskedEvents = (o: UnifiedExecOutcome) =>
  o.events.map((e) => (e.type === "exec_command_end" ? { ...e, duration: "<DURATION>" } : e));

/** Whether `pid` is a running process (a zombie waiting for its reaper counts as gone). */
async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Resolves once `pid` is not running (a kill takes effect when the process is next scheduled: on a loaded machine
 * that is no fixed time later); the test's timeout bounds the wait. */
async function exited(pid: number): Promise<void> {
  while (await alive(pid)) await new Promise((r) => setTimeout(r, 50));
}

/**
 * The python3 interpreter itself (not a version manager's shim, which runs several shell scripts per start: seconds
 * on a loaded CI machine, longer than a REPL's first yield), or null without one.
 */
const python3 = (() => {
  try {
    return (
      execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim() ||
      null
    );
  } catch {
    return null;
  }
})();
const hasPython = python3 !== null;

/**
 * An environment for a login shell that starts quickly whatever the machine's profile does: HOME is the test's
 * folder (no ~/.profile to read) and the real python3's folder comes first on PATH.
 */
const quickLoginEnv = (): Record<string, string> => {
  const e = env();
  const dir = python3 ? path.dirname(python3) : null;
  return { ...e, HOME: cwd, PATH: dir ? `${dir}${path.delimiter}${e.PATH ?? ""}` : (e.PATH ?? "") };
};

describe("tool specs", () => {
  it("are the two tools 0.58.0 sends first under [features] unified_exec, byte for byte", () => {
    expect(JSON.stringify(UNIFIED_EXEC_TOOLS)).toBe(JSON.stringify(recordedRequest.tools.slice(0, 2)));
  });

  it("refuse escalation outside on-request with 0.58.0's words", () => {
    expect(escalationRefusal("untrusted", true)).toBe(recordedApprovals.refusal);
    expect(escalationRefusal("on-request", true)).toBeNull();
    expect(escalationRefusal("never", null)).toBeNull();
  });
});

describe("what approvals see", () => {
  it("the shell argv and parsed commands 0.58.0 asked with; a known-safe command is not asked about", () => {
    const touch = execArgs({ cmd: "touch inside.txt", login: true });
    const [asked] = recordedApprovals.approvalRequests;
    expect(UnifiedExecManager.shellCommand(touch)).toEqual(asked?.params.command);
    expect(parseCommand(UnifiedExecManager.shellCommand(touch))).toEqual(asked?.params.parsedCmd);
    expect(isKnownSafeCommand(UnifiedExecManager.shellCommand(touch))).toBe(false);
    // 0.58.0 ran `ls` under untrusted without asking: only call_touch has an approval request.
    expect(recordedApprovals.sequence).toEqual([
      "exec_command_begin call_touch",
      "exec_approval_request call_touch",
      "exec_command_end call_touch",
      "exec_command_begin call_ls",
      "exec_command_end call_ls",
    ]);
    expect(isKnownSafeCommand(UnifiedExecManager.shellCommand(execArgs({ cmd: "ls", login: true })))).toBe(
      true,
    );
  });
});

describe("arguments", () => {
  // Each answer was observed from codex 0.58.0 for the same raw arguments.
  const cases: Array<[string, "exec" | "stdin", string]> = [
    [
      '{"cmd":"echo a","yield_time_ms":1000.5}',
      "exec",
      'Error("invalid type: floating point `1000.5`, expected u64", line: 1, column: 38)',
    ],
    ['{"cmd":null}', "exec", 'Error("invalid type: null, expected a string", line: 1, column: 11)'],
    ['{"cmd":"a","cmd":"b"}', "exec", 'Error("duplicate field `cmd`", line: 1, column: 16)'],
    [
      '{"cmd":"a","max_output_tokens":-1}',
      "exec",
      'Error("invalid value: integer `-1`, expected usize", line: 1, column: 33)',
    ],
    [
      '{"cmd":"a","login":"yes"}',
      "exec",
      'Error("invalid type: string \\"yes\\", expected a boolean", line: 1, column: 24)',
    ],
    [
      '{"cmd": "a", "shell": 5}',
      "exec",
      'Error("invalid type: integer `5`, expected a string", line: 1, column: 23)',
    ],
    [
      '{"cmd":"a",\n "workdir": true}',
      "exec",
      'Error("invalid type: boolean `true`, expected a string", line: 2, column: 16)',
    ],
    ['{"yield_time_ms":5}', "exec", 'Error("missing field `cmd`", line: 1, column: 19)'],
    [
      '{"cmd":"x","yield_time_ms":-5}',
      "exec",
      'Error("invalid value: integer `-5`, expected u64", line: 1, column: 29)',
    ],
    [
      '{"cmd":"a","yield_time_ms":null,"max_output_tokens":null,"workdir":null,"shell":null}',
      "exec",
      'Error("invalid type: null, expected a string", line: 1, column: 84)',
    ],
    ['{"cmd":"x","unknown":1', "exec", 'Error("EOF while parsing an object", line: 1, column: 22)'],
    [
      '{"session_id":1.5}',
      "stdin",
      'Error("invalid type: floating point `1.5`, expected i32", line: 1, column: 17)',
    ],
    [
      '{"session_id":3000000000}',
      "stdin",
      'Error("invalid value: integer `3000000000`, expected i32", line: 1, column: 24)',
    ],
    ['{"chars":"x"}', "stdin", 'Error("missing field `session_id`", line: 1, column: 13)'],
    [
      '{"session_id":"0","chars":""}',
      "stdin",
      'Error("invalid type: string \\"0\\", expected i32", line: 1, column: 17)',
    ],
    [
      '{"session_id":0,"chars":5}',
      "stdin",
      'Error("invalid type: integer `5`, expected a string", line: 1, column: 25)',
    ],
  ];
  it.each(cases)("%s", (raw, tool, error) => {
    const decoded = tool === "exec" ? decodeExecCommandArgs(raw) : decodeWriteStdinArgs(raw);
    const prefix =
      tool === "exec"
        ? "failed to parse exec_command arguments: "
        : "failed to parse write_stdin arguments: ";
    expect(decoded).toEqual({ ok: false, error: prefix + error });
  });

  it("fills 0.58.0's defaults and ignores unknown fields", () => {
    expect(decodeExecCommandArgs('{"cmd":"ls","extra":[1,{"a":2}],"workdir":null}')).toEqual({
      ok: true,
      args: execArgs({ cmd: "ls", login: true }),
    });
    expect(decodeWriteStdinArgs('{"session_id":3}')).toEqual({
      ok: true,
      args: { sessionId: 3, chars: "", yieldTimeMs: null, maxOutputTokens: null },
    });
  });
});

describe("output truncation (tokens are characters, as 0.58.0 counts them)", () => {
  const whole = (text: string) => ({ head: text, tail: "", totalChars: [...text].length, dropped: false });
  // Observed from 0.58.0: `printf` output and max_output_tokens → (original count, output).
  const cases: Array<[string, number, number | null, string]> = [
    ["abcdefgh", 1, 8, "…7 tokens truncated…"],
    ["abcdefgh", 2, 8, "a…6 tokens truncated…h"],
    ["abcdefgh", 3, 8, "a…6 tokens truncated…h"],
    ["abcdefgh", 7, 8, "abc…2 tokens truncated…fgh"],
    ["abcdefgh", 8, null, "abcdefgh"],
    ["日本日本日本日本", 6, 8, "日本日…2 tokens truncated…本日本"],
    ["ab\r\ncd\r\nef\r\ngh", 3, 14, "a…12 tokens truncated…h"],
    ["héllo wörld", 4, 11, "hé…7 tokens truncated…ld"],
    ["😀😀😀😀😀😀", 3, 6, "😀…4 tokens truncated…😀"],
    ["e\u0301e\u0301e\u0301e\u0301", 4, 8, "e\u0301…4 tokens truncated…e\u0301"],
    ["", 0, 0, "…0 tokens truncated…"],
    ["abc", 0, 3, "…3 tokens truncated…"],
  ];
  it.each(cases)("%j max %d", (text, max, count, output) => {
    expect(truncateToTokens(whole(text), max)).toEqual({ output, originalTokenCount: count });
  });

  it("keeps the same ends when the middle was dropped to bound memory", () => {
    const r = truncateToTokens({ head: "abcdef", tail: "uvwxyz", totalChars: 1000, dropped: true }, 6);
    expect(r).toEqual({ output: "abc…994 tokens truncated…xyz", originalTokenCount: 1000 });
  });
});

describe("sessions on a PTY", () => {
  it("runs on a PTY here (node-pty loads)", async () => {
    expect(await terminalKind()).toBe("pty");
  });

  it.skipIf(!hasPython)(
    "a python3 REPL fed two lines answers as 0.58.0 did (outputs and events)",
    async () => {
      const m = manager();
      const want = (id: string) => recordedRepl.outputs.find((o) => o.call_id === id)?.output;
      // A login shell, as 0.58.0 ran it, without the machine's profile (see quickLoginEnv).
      const ctx = { callId: "call_repl", cwd, env: quickLoginEnv(), sandbox: null };
      const begin = UnifiedExecManager.beginEvent(
        "call_repl",
        execArgs({ cmd: "python3 -q", login: true }),
        cwd,
      );
      expect({ ...begin, cwd: "<CWD>" }).toEqual(
        recordedRepl.events.find((e) => e.type === "exec_command_begin"),
      );

      const opened = await m.execCommand(
        execArgs({ cmd: "python3 -q", login: true, yieldTimeMs: 2000 }),
        ctx,
      );
      expect(masked(opened.output)).toBe(want("call_repl"));
      const line1 = await m.writeStdin({
        sessionId: 0,
        chars: "1+1\n",
        yieldTimeMs: 1000,
        maxOutputTokens: null,
      });
      expect(masked(line1.output)).toBe(want("call_line1"));
      expect(line1.interaction).toEqual({ callId: "call_repl", processId: "0", stdin: "1+1\n" });
      const line2 = await m.writeStdin({
        sessionId: 0,
        chars: "print('x' * 3)\n",
        yieldTimeMs: 1000,
        maxOutputTokens: null,
      });
      expect(masked(line2.output)).toBe(want("call_line2"));
      const exit = await m.writeStdin({
        sessionId: 0,
        chars: "exit()\n",
        yieldTimeMs: 1000,
        maxOutputTokens: null,
      });
      expect(masked(exit.output)).toBe(want("call_exit"));
      const gone = await m.writeStdin({ sessionId: 0, chars: "", yieldTimeMs: 250, maxOutputTokens: null });
      expect(gone.output).toBe(want("call_gone"));

      const recordedSessionEvents = recordedRepl.events.filter(
        (e) => e.call_id === "call_repl" && e.type !== "exec_command_begin",
      );
      expect([opened, line1, line2, exit, gone].flatMap(maskedEvents)).toEqual(recordedSessionEvents);
    },
  );

  it("a command that ends within the yield answers with its exit code at once, events end then delta", async () => {
    const m = manager();
    const started = Date.now();
    const short = await m.execCommand(
      execArgs({ cmd: "echo hi; exit 3", login: true, yieldTimeMs: 10_000 }),
      {
        callId: "call_short",
        cwd,
        env: env(),
        sandbox: null,
      },
    );
    expect(Date.now() - started).toBeLessThan(9_000);
    expect(masked(short.output)).toBe(recordedRepl.outputs.find((o) => o.call_id === "call_short")?.output);
    expect(maskedEvents(short)).toEqual(
      recordedRepl.events.filter((e) => e.call_id === "call_short" && e.type !== "exec_command_begin"),
    );
    const cut = await m.execCommand(
      execArgs({ cmd: "printf 'abcdefgh'", maxOutputTokens: 5, yieldTimeMs: 5000 }),
      {
        callId: "call_cut",
        cwd,
        env: env(),
        sandbox: null,
      },
    );
    expect(masked(cut.output)).toBe(recordedRepl.outputs.find((o) => o.call_id === "call_cut")?.output);
    expect(m.sessionIds).toEqual([]);
  });

  it("loses nothing of a long output and cuts it to 5 000 characters at each end by default", async () => {
    const m = manager();
    const r = await m.execCommand(execArgs({ cmd: "seq 1 100000", yieldTimeMs: 10_000 }), {
      callId: "c",
      cwd,
      env: env(),
      sandbox: null,
    });
    // 0.58.0 reported exactly this count for `seq 1 100000` (688 895 characters with the PTY's \r\n).
    expect(r.output).toContain(
      "Process exited with code 0\nOriginal token count: 688895\nOutput:\n1\r\n2\r\n",
    );
    expect(r.output).toContain("…678895 tokens truncated…");
    expect(r.output.endsWith("99999\r\n100000\r\n")).toBe(true);
  });

  it("numbers kept sessions 0, 1, 2 in the order they are kept; ended commands take no id", async () => {
    const m = manager();
    const ctx = { callId: "c", cwd, env: env(), sandbox: null };
    const a = await m.execCommand(execArgs({ cmd: "sleep 30" }), ctx);
    const quick = await m.execCommand(execArgs({ cmd: "true", yieldTimeMs: 5000 }), ctx);
    const b = await m.execCommand(execArgs({ cmd: "sleep 30" }), ctx);
    expect([a.sessionId, quick.sessionId, quick.exitCode, b.sessionId]).toEqual([0, null, 0, 1]);
    expect(a.output).toMatch(
      /^Chunk ID: [0-9a-f]{6}\nWall time: 0\.2\d{3} seconds\nProcess running with session ID 0\nOutput:\n$/,
    );
    const unknown = await m.writeStdin({
      sessionId: 7,
      chars: "x",
      yieldTimeMs: null,
      maxOutputTokens: null,
    });
    expect(unknown.output).toBe("write_stdin failed: UnknownSessionId { session_id: 7 }");
  });

  it("Ctrl-C ends a process with exit code 1, as 0.58.0 reports signals", async () => {
    const m = manager();
    await m.execCommand(execArgs({ cmd: "sleep 50" }), { callId: "c", cwd, env: env(), sandbox: null });
    const r = await m.writeStdin({ sessionId: 0, chars: "\u0003", yieldTimeMs: 5000, maxOutputTokens: null });
    expect(masked(r.output)).toBe(
      "Chunk ID: <CHUNK>\nWall time: <SECS> seconds\nProcess exited with code 1\nOutput:\n^C",
    );
  });

  it("terminateAll kills whole process groups, background jobs included", async () => {
    const m = manager();
    const r = await m.execCommand(execArgs({ cmd: "sleep 1000 & echo bg=$!; wait", yieldTimeMs: 1000 }), {
      callId: "c",
      cwd,
      env: env(),
      sandbox: null,
    });
    const pid = Number(/bg=(\d+)/.exec(r.output)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(await alive(pid)).toBe(true);
    await m.terminateAll();
    await exited(pid);
    const after = await m.execCommand(execArgs({ cmd: "true" }), {
      callId: "d",
      cwd,
      env: env(),
      sandbox: null,
    });
    expect(after.output).toContain("CreateSession");
  });

  it("an abort during the first yield kills the process and keeps no session", async () => {
    const m = manager();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const r = await m.execCommand(execArgs({ cmd: "sleep 1000 & echo bg=$!; wait", yieldTimeMs: 20_000 }), {
      callId: "c",
      cwd,
      env: env(),
      sandbox: null,
      signal: controller.signal,
    });
    expect(r.sessionId).toBeNull();
    expect(m.sessionIds).toEqual([]);
    const pid = Number(/bg=(\d+)/.exec(r.output)?.[1]);
    if (pid) await exited(pid);
  });

  it("keeps at most maxSessions, ending an ended or least recently used one", async () => {
    const m = manager({ maxSessions: 2 });
    const ctx = { callId: "c", cwd, env: env(), sandbox: null };
    for (let i = 0; i < 3; i++) await m.execCommand(execArgs({ cmd: "sleep 30" }), ctx);
    expect(m.sessionIds).toEqual([1, 2]);
  });

  it("reports the end of a background terminal ended to make room, so its item completes", async () => {
    const m = manager({ maxSessions: 2 });
    const ends: { callId: string; types: string[] }[] = [];
    for (let i = 0; i < 3; i++) {
      const callId = `c${i}`;
      await m.execCommand(execArgs({ cmd: "sleep 30", yieldTimeMs: 250 }), {
        callId,
        cwd,
        env: env(),
        sandbox: null,
        modern: true,
        onBackgroundEnd: (events) => ends.push({ callId, types: events.map((e) => e.type) }),
      });
    }
    await expect.poll(() => ends).toEqual([{ callId: "c0", types: ["exec_command_end"] }]);
    // Listed by process id, which 0.166.0 picks at random: compare as a set.
    expect(
      m.background
        .list()
        .map((t) => t.itemId)
        .sort(),
    ).toEqual(["c1", "c2"]);
  });

  it("refuses shells and directories with 0.58.0's CreateSession texts", async () => {
    const m = manager();
    const run = (o: Partial<ExecCommandArgs>) =>
      m.execCommand(execArgs({ cmd: "echo hi", ...o }), {
        callId: "c",
        cwd,
        env: { PATH: "/nonexistent-bin" },
        sandbox: null,
      });
    expect((await run({ shell: "/nonexistent/shell" })).output).toBe(
      'exec_command failed: CreateSession { message: "Rejected(\\"Failed to create unified exec session: Unable to spawn /nonexistent/shell because it doesn\'t exist on the filesystem (ENOENT: No such file or directory)\\")" }',
    );
    expect((await run({ shell: "/tmp" })).output).toBe(
      'exec_command failed: CreateSession { message: "Rejected(\\"Failed to create unified exec session: Unable to spawn /tmp because it is a directory\\")" }',
    );
    expect((await run({ shell: "/etc/passwd" })).output).toBe(
      'exec_command failed: CreateSession { message: "Rejected(\\"Failed to create unified exec session: Unable to spawn /etc/passwd because it is not executable (EACCES: Permission denied)\\")" }',
    );
    expect((await run({ shell: "nosuchshell" })).output).toBe(
      'exec_command failed: CreateSession { message: "Rejected(\\"Failed to create unified exec session: Unable to spawn nosuchshell because:\\\\nNo viable candidates found in PATH \\\\\\"/nonexistent-bin\\\\\\"\\")" }',
    );
    const missingDir = await run({ workdir: "no/such/dir" });
    expect(missingDir.output).toContain(`working directory ${cwd}/no/such/dir does not exist`);
    expect(missingDir.events).toEqual([]);
  });

  it("runs a relative workdir against the turn's cwd", async () => {
    await fs.mkdir(path.join(cwd, "sub"), { recursive: true });
    const m = manager();
    const args = execArgs({ cmd: "pwd", workdir: "sub", yieldTimeMs: 5000 });
    const r = await m.execCommand(args, { callId: "c", cwd, env: env(), sandbox: null });
    expect(r.output.endsWith(`Output:\n${cwd}/sub\r\n`)).toBe(true);
    expect(UnifiedExecManager.beginEvent("c", args, cwd).cwd).toBe(`${cwd}/sub`);
  });

  it("falls back to pipes when asked (what runs where node-pty cannot load)", async () => {
    const m = manager({ terminal: "pipes" });
    const r = await m.execCommand(execArgs({ cmd: "echo hi; echo err >&2", yieldTimeMs: 5000 }), {
      callId: "c",
      cwd,
      env: env(),
      sandbox: null,
    });
    expect(r.output).toMatch(/Process exited with code 0\nOutput:\n(hi\nerr\n|err\nhi\n)$/);
    await m.execCommand(execArgs({ cmd: "read line; echo got $line" }), {
      callId: "d",
      cwd,
      env: env(),
      sandbox: null,
    });
    const fed = await m.writeStdin({
      sessionId: 0,
      chars: "abc\n",
      yieldTimeMs: 5000,
      maxOutputTokens: null,
    });
    expect(fed.output.endsWith("Process exited with code 0\nOutput:\ngot abc\n")).toBe(true);
  });

  it("on pipes, bash reads no ~/.bashrc for a plain command, whatever SHLVL the environment lacks", async () => {
    const home = await tempDir("codex-uexec-home-");
    await fs.writeFile(path.join(home, ".bashrc"), "echo FROM_BASHRC\n");
    const { SHLVL: _shlvl, ...withoutLevel } = env();
    const r = await manager({ terminal: "pipes" }).execCommand(
      execArgs({ cmd: "echo hi", yieldTimeMs: 5000 }),
      { callId: "c", cwd, env: { ...withoutLevel, HOME: home }, sandbox: null },
    );
    expect(r.output).toMatch(/Process exited with code 0\nOutput:\nhi\n$/);
  });

  it.skipIf(sandboxSupport() !== "bubblewrap")(
    "runs inside the sandbox on a terminal of its own",
    async () => {
      const m = manager();
      const sandbox = {
        mode: "workspace-write" as const,
        writable_roots: [],
        network_access: false,
        exclude_tmpdir_env_var: true,
        exclude_slash_tmp: true,
      };
      const r = await m.execCommand(
        execArgs({
          cmd: "test -t 0 && echo on-a-tty; touch inside.txt && echo inside-ok; touch /etc/codex-uexec-denied; echo rc=$?",
          yieldTimeMs: 10_000,
        }),
        { callId: "c", cwd, env: env(), sandbox },
      );
      expect(r.output).toContain("on-a-tty\r\n");
      expect(r.output).toContain("inside-ok");
      expect(r.output).toContain("rc=1");
      await expect(fs.stat("/etc/codex-uexec-denied")).rejects.toThrow();
      const failed = await m.execCommand(
        execArgs({ cmd: "touch /etc/codex-uexec-denied", yieldTimeMs: 10_000 }),
        {
          callId: "d",
          cwd,
          env: env(),
          sandbox,
        },
      );
      expect(failed.exitCode).toBe(1);
      expect(failed.sandboxDenied).toBe(true);
    },
  );
});
