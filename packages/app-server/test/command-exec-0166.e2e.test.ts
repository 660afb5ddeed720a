import { mkdir, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { CODEX_0166_BIN, errorOf, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { COMMAND_EXEC_MAX_RUNNING } from "../src/handlers/command-exec-0166/index.js";
import { type MockServer0166, startMockServer0166 } from "./helpers/mock-server-0166.js";

/**
 * 0.166's `command/exec` (a standalone command in the server sandbox, no thread) and its follow-ups
 * `command/exec/write`, `resize` and `terminate`, over stdio with real processes in a temp dir, on this server and,
 * where installed, on the native codex 0.166.0 with the same steps: the same answers (exit codes of a timeout, a
 * signal and a terminate; each stream capped; base64 `command/exec/outputDelta` before the answer), the same
 * refusals of bad params, word for word, and a closed connection ends its commands.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("command/exec 0.166: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const FULL = { type: "dangerFullAccess" } as const;

const start = (impl: Impl) =>
  startMockServer0166(suite, impl, {
    client: { name: "command-exec", version: "1.0" },
    prefix: "codex-0166-command-exec-",
  });

/** The answer to one `command/exec`, or its error. */
async function outcome(s: MockServer0166, params: Record<string, unknown>): Promise<unknown> {
  const answer = s.c.request("command/exec", params as never);
  try {
    return await answer;
  } catch {
    return errorOf(answer);
  }
}

async function refusal(s: MockServer0166, method: string, params: Record<string, unknown>): Promise<unknown> {
  return errorOf(s.c.request(method as "command/exec", params as never));
}

interface Delta {
  processId: string;
  stream: string;
  deltaBase64: string;
  capReached: boolean;
}

/** The output deltas of `processId` since message `from`. */
function deltas(s: MockServer0166, processId: string, from = 0): Delta[] {
  return s.c.messages
    .slice(from)
    .filter((m) => m.method === "command/exec/outputDelta")
    .map((m) => m.params as Delta)
    .filter((d) => d.processId === processId);
}

/** What `processId` wrote to `stream` so far, decoded (a PTY's CRLF as LF). */
function streamed(s: MockServer0166, processId: string, stream = "stdout"): string {
  return deltas(s, processId)
    .filter((d) => d.stream === stream)
    .map((d) => Buffer.from(d.deltaBase64, "base64").toString("utf8"))
    .join("")
    .replace(/\r\n/g, "\n");
}

const waitOutput = (s: MockServer0166, processId: string, text: string) =>
  s.c.waitUntil(() => streamed(s, processId).includes(text), `${processId} to print ${JSON.stringify(text)}`);

const b64 = (text: string) => Buffer.from(text).toString("base64");

describe("command/exec compared with codex 0.166.0", () => {
  it.each(IMPLS)("%s: refuses bad params in 0.166.0's words", { timeout: 60_000 }, async (impl) => {
    const s = await start(impl);
    const cases: [string, Record<string, unknown>][] = [
      ["command/exec", { command: [] }],
      ["command/exec", { command: ["true"], timeoutMs: 5, disableTimeout: true }],
      ["command/exec", { command: ["true"], outputBytesCap: 5, disableOutputCap: true }],
      ["command/exec", { command: ["true"], tty: true }],
      ["command/exec", { command: ["true"], streamStdin: true }],
      ["command/exec", { command: ["true"], size: { rows: 10, cols: 10 } }],
      ["command/exec", { command: ["true"], timeoutMs: -1 }],
      ["command/exec", { command: ["true"], processId: "a", tty: true, size: { rows: 0, cols: 10 } }],
      ["command/exec", { command: ["true"], processId: 1 }],
      ["command/exec", { command: ["true"], permissionProfile: ":nope" }],
      ["command/exec", { command: ["true"], permissionProfile: ":read-only", sandboxPolicy: FULL }],
      ["command/exec", { command: ["true"], cwd: "no-such-dir", sandboxPolicy: FULL }],
      ["command/exec", { command: ["no-such-program-0166"], sandboxPolicy: FULL }],
      ["command/exec/terminate", { processId: "ghost" }],
      ["command/exec/write", { processId: "ghost" }],
      ["command/exec/write", { processId: "ghost", deltaBase64: "!!" }],
      ["command/exec/write", { processId: "ghost", deltaBase64: "eA==" }],
      ["command/exec/resize", { processId: "ghost", size: { rows: 0, cols: 1 } }],
      ["command/exec/resize", { processId: "ghost", size: { rows: 3, cols: 1 } }],
    ];
    const answers = [];
    for (const [method, params] of cases) {
      const { code, message } = (await refusal(s, method, params)) as { code: number; message: string };
      answers.push({ method, code, message });
    }
    expect(answers).toEqual([
      { method: "command/exec", code: -32600, message: "command must not be empty" },
      {
        method: "command/exec",
        code: -32602,
        message: "command/exec cannot set both timeoutMs and disableTimeout",
      },
      {
        method: "command/exec",
        code: -32602,
        message: "command/exec cannot set both outputBytesCap and disableOutputCap",
      },
      {
        method: "command/exec",
        code: -32600,
        message: "command/exec tty or streaming requires a client-supplied processId",
      },
      {
        method: "command/exec",
        code: -32600,
        message: "command/exec tty or streaming requires a client-supplied processId",
      },
      { method: "command/exec", code: -32602, message: "command/exec size requires tty: true" },
      {
        method: "command/exec",
        code: -32602,
        message: "command/exec timeoutMs must be non-negative, got -1",
      },
      {
        method: "command/exec",
        code: -32602,
        message: "command/exec size rows and cols must be greater than 0",
      },
      {
        method: "command/exec",
        code: -32600,
        message: "Invalid request: invalid type: integer `1`, expected a string",
      },
      {
        method: "command/exec",
        code: -32600,
        message: "invalid permission profile: default_permissions refers to unknown built-in profile `:nope`",
      },
      {
        method: "command/exec",
        code: -32600,
        message: "`permissionProfile` cannot be combined with `sandboxPolicy`",
      },
      {
        method: "command/exec",
        code: -32603,
        message: "failed to spawn command: No such file or directory (os error 2)",
      },
      {
        method: "command/exec",
        code: -32603,
        message: "failed to spawn command: No such file or directory (os error 2)",
      },
      {
        method: "command/exec/terminate",
        code: -32600,
        message: 'no active command/exec for process id "ghost"',
      },
      {
        method: "command/exec/write",
        code: -32602,
        message: "command/exec/write requires deltaBase64 or closeStdin",
      },
      {
        method: "command/exec/write",
        code: -32602,
        message: "invalid deltaBase64: Invalid symbol 33, offset 0.",
      },
      {
        method: "command/exec/write",
        code: -32600,
        message: 'no active command/exec for process id "ghost"',
      },
      {
        method: "command/exec/resize",
        code: -32602,
        message: "command/exec size rows and cols must be greater than 0",
      },
      {
        method: "command/exec/resize",
        code: -32600,
        message: 'no active command/exec for process id "ghost"',
      },
    ]);
  });

  it.each(IMPLS)(
    "%s: buffered runs: exit code, output, cwd, env overrides, caps, timeout, signals",
    { timeout: 60_000 },
    async (impl) => {
      const s = await start(impl);
      await mkdir(path.join(s.root, "sub"));
      const answers = [
        await outcome(s, { command: ["sh", "-c", "echo hi; echo err >&2; exit 3"], sandboxPolicy: FULL }),
        await outcome(s, {
          // HOME is in every server's environment: null takes it out of the command's.
          command: ["sh", "-c", 'pwd; echo "$FOO"; printenv HOME || echo unset'],
          cwd: "sub",
          env: { FOO: "bar", HOME: null },
          sandboxPolicy: FULL,
        }),
        await outcome(s, {
          command: ["sh", "-c", "printf 0123456789; printf abcdefghij >&2"],
          outputBytesCap: 4,
          sandboxPolicy: FULL,
        }),
        await outcome(s, { command: ["sh", "-c", "sleep 30"], timeoutMs: 200, sandboxPolicy: FULL }),
        await outcome(s, { command: ["sh", "-c", "sleep 30"], timeoutMs: 0, sandboxPolicy: FULL }),
        await outcome(s, { command: ["sh", "-c", "kill -9 $$"], sandboxPolicy: FULL }),
        await outcome(s, { command: ["sh", "-c", "kill -TERM $$"], sandboxPolicy: FULL }),
      ];
      expect(answers).toEqual([
        { exitCode: 3, stdout: "hi\n", stderr: "err\n" },
        { exitCode: 0, stdout: `${path.join(s.root, "sub")}\nbar\nunset\n`, stderr: "" },
        { exitCode: 0, stdout: "0123", stderr: "abcd" },
        { exitCode: 124, stdout: "", stderr: "" },
        { exitCode: 124, stdout: "", stderr: "" },
        { exitCode: 137, stdout: "", stderr: "" },
        { exitCode: 143, stdout: "", stderr: "" },
      ]);
      // Each stream is capped at 1 MiB unless the request says otherwise; `disableOutputCap` keeps it all.
      const big = "head -c 1500000 /dev/zero | tr '\\0' a; head -c 1200000 /dev/zero | tr '\\0' b >&2";
      const capped = (await outcome(s, { command: ["sh", "-c", big], sandboxPolicy: FULL })) as {
        stdout: string;
        stderr: string;
      };
      expect([capped.stdout.length, capped.stderr.length]).toEqual([1024 * 1024, 1024 * 1024]);
      const whole = (await outcome(s, {
        command: ["sh", "-c", big],
        disableOutputCap: true,
        sandboxPolicy: FULL,
      })) as { stdout: string; stderr: string };
      expect([whole.stdout.length, whole.stderr.length]).toEqual([1_500_000, 1_200_000]);
    },
  );

  it.each(IMPLS)(
    "%s: streams base64 output before the answer, capped per stream with capReached",
    { timeout: 60_000 },
    async (impl) => {
      const s = await start(impl);
      const from = s.c.messages.length;
      const answer = await s.c.request("command/exec", {
        command: ["sh", "-c", "printf 0123456789; printf abcdefghij >&2"],
        outputBytesCap: 4,
        processId: "capped",
        streamStdoutStderr: true,
        sandboxPolicy: FULL,
      });
      expect(answer).toEqual({ exitCode: 0, stdout: "", stderr: "" });
      // Every delta came before the answer, and the last of each stream says the cap was reached.
      const answeredAt = s.c.messages.findIndex((m, i) => i >= from && m.id !== undefined && !m.method);
      const all = deltas(s, "capped", from);
      expect(s.c.messages.slice(answeredAt).some((m) => m.method === "command/exec/outputDelta")).toBe(false);
      expect({ stdout: streamed(s, "capped"), stderr: streamed(s, "capped", "stderr") }).toEqual({
        stdout: "0123",
        stderr: "abcd",
      });
      for (const stream of ["stdout", "stderr"])
        expect(all.filter((d) => d.stream === stream).at(-1)?.capReached).toBe(true);
    },
  );

  it.each(IMPLS)(
    "%s: stdin by command/exec/write, closeStdin, terminate; duplicate ids and pipe-only refusals",
    { timeout: 60_000 },
    async (impl) => {
      const s = await start(impl);
      const reader = s.c.request("command/exec", {
        command: ["sh", "-c", "read x; echo got $x; read y; echo second $y; exec sleep 30"],
        processId: "reader",
        streamStdin: true,
        streamStdoutStderr: true,
        sandboxPolicy: FULL,
      });
      const quiet = s.c.request("command/exec", {
        command: ["sh", "-c", "exec sleep 30"],
        processId: "quiet",
        sandboxPolicy: FULL,
      });
      const refusals: unknown[] = [];
      // The quiet one runs once a duplicate of its id is refused (0.166.0 registers the id before it spawns).
      refusals.push(await refusal(s, "command/exec", { command: ["true"], processId: "quiet" }));
      expect(
        await s.c.request("command/exec/write", { processId: "reader", deltaBase64: b64("hello\n") }),
      ).toEqual({});
      await waitOutput(s, "reader", "got hello\n");
      expect(await s.c.request("command/exec/write", { processId: "reader", closeStdin: true })).toEqual({});
      // The second read sees the end of its input.
      await waitOutput(s, "reader", "second\n");
      refusals.push(
        await refusal(s, "command/exec/write", { processId: "reader", deltaBase64: b64("more\n") }),
      );
      refusals.push(
        await refusal(s, "command/exec/resize", { processId: "reader", size: { rows: 3, cols: 4 } }),
      );
      refusals.push(await refusal(s, "command/exec/write", { processId: "quiet", deltaBase64: "eA==" }));
      refusals.push(await refusal(s, "command/exec/write", { processId: "quiet", closeStdin: true }));
      expect(await s.c.request("command/exec/terminate", { processId: "reader" })).toEqual({});
      expect(await s.c.request("command/exec/terminate", { processId: "quiet" })).toEqual({});
      expect(await reader).toEqual({ exitCode: 137, stdout: "", stderr: "" });
      expect(await quiet).toEqual({ exitCode: 137, stdout: "", stderr: "" });
      refusals.push(await refusal(s, "command/exec/terminate", { processId: "quiet" }));
      expect(refusals).toEqual([
        { code: -32600, message: 'duplicate active command/exec process id: "quiet"' },
        { code: -32600, message: "stdin is already closed" },
        { code: -32600, message: "failed to resize PTY: process is not attached to a PTY" },
        { code: -32600, message: "stdin streaming is not enabled for this command/exec" },
        { code: -32600, message: "stdin streaming is not enabled for this command/exec" },
        { code: -32600, message: 'no active command/exec for process id "quiet"' },
      ]);
    },
  );

  it.each(IMPLS)(
    "%s: tty: a PTY of the requested size, resized, written to, timed out and terminated",
    { timeout: 60_000 },
    async (impl) => {
      const s = await start(impl);
      const sized = s.c.request("command/exec", {
        command: ["sh", "-c", "stty size; read x; stty size; exit 7"],
        processId: "pty",
        tty: true,
        size: { rows: 5, cols: 7 },
        sandboxPolicy: FULL,
      });
      await waitOutput(s, "pty", "5 7\n");
      expect(
        await s.c.request("command/exec/resize", { processId: "pty", size: { rows: 30, cols: 40 } }),
      ).toEqual({});
      expect(await s.c.request("command/exec/write", { processId: "pty", deltaBase64: b64("\n") })).toEqual(
        {},
      );
      expect(await sized).toEqual({ exitCode: 7, stdout: "", stderr: "" });
      expect(streamed(s, "pty")).toMatch(/^5 7\n(\n)?30 40\n$/);
      const timedOut = await s.c.request("command/exec", {
        command: ["sh", "-c", "sleep 30"],
        processId: "pty-timeout",
        tty: true,
        timeoutMs: 200,
        sandboxPolicy: FULL,
      });
      expect(timedOut).toEqual({ exitCode: 124, stdout: "", stderr: "" });
      // A timeout longer than a timer holds (2^31-1 ms) is not a timeout at once.
      const longTimeout = await s.c.request("command/exec", {
        command: ["sh", "-c", "exit 0"],
        processId: "pty-long",
        tty: true,
        timeoutMs: 3_000_000_000,
        sandboxPolicy: FULL,
      });
      expect(longTimeout).toEqual({ exitCode: 0, stdout: "", stderr: "" });
      const killed = s.c.request("command/exec", {
        command: ["sh", "-c", "echo ready; exec sleep 30"],
        processId: "pty-kill",
        tty: true,
        sandboxPolicy: FULL,
      });
      await waitOutput(s, "pty-kill", "ready\n");
      expect(await s.c.request("command/exec/terminate", { processId: "pty-kill" })).toEqual({});
      // A PTY command ended by a signal reports 1 (0.166.0's PTY runner), not 128 + the signal.
      expect(await killed).toEqual({ exitCode: 1, stdout: "", stderr: "" });
    },
  );

  it.each(IMPLS)("%s: a closed connection ends its commands", { timeout: 60_000 }, async (impl) => {
    const s = await start(impl);
    const pidFile = path.join(s.root, "pid");
    void s.c
      .request("command/exec", {
        command: ["sh", "-c", `echo $$ > ${pidFile}; echo started; exec sleep 1000`],
        processId: "left",
        streamStdoutStderr: true,
        sandboxPolicy: FULL,
      })
      .catch(() => {});
    await waitOutput(s, "left", "started\n");
    const pid = Number((await readFile(pidFile, "utf8")).trim());
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive()).toBe(true);
    await s.c.close();
    // The server is gone; its command ends with it (polled: nothing else tells when a foreign process is reaped).
    for (let i = 0; alive() && i < 400; i++) await new Promise((r) => setTimeout(r, 25));
    expect(alive()).toBe(false);
  });

  it("ours: at most 64 commands run at once per connection, so follow-ups always reach them", {
    timeout: 60_000,
  }, async () => {
    const s = await start("ours");
    const ids = Array.from({ length: COMMAND_EXEC_MAX_RUNNING }, (_, i) => `held-${i}`);
    const held = ids.map((processId) =>
      s.c.request("command/exec", { command: ["sh", "-c", "exec sleep 30"], processId, sandboxPolicy: FULL }),
    );
    expect(await refusal(s, "command/exec", { command: ["true"] })).toEqual({
      code: -32600,
      message: "command/exec runs at most 64 commands per connection at once; terminate one first",
    });
    for (const processId of ids)
      expect(await s.c.request("command/exec/terminate", { processId })).toEqual({});
    for (const answer of held) expect(await answer).toEqual({ exitCode: 137, stdout: "", stderr: "" });
    expect(await s.c.request("command/exec", { command: ["true"], sandboxPolicy: FULL })).toEqual({
      exitCode: 0,
      stdout: "",
      stderr: "",
    });
  });

  it("ours: input a command does not read holds its writer, and ending the command releases it", {
    timeout: 60_000,
  }, async () => {
    const s = await start("ours");
    const deaf = s.c.request("command/exec", {
      command: ["sh", "-c", "exec sleep 30"],
      processId: "deaf",
      streamStdin: true,
      sandboxPolicy: FULL,
    });
    const twoMiB = Buffer.alloc(2 * 1024 * 1024, "x").toString("base64");
    // The first write is queued at once (less than 1 MiB was waiting); the second waits for a reader.
    expect(await s.c.request("command/exec/write", { processId: "deaf", deltaBase64: twoMiB })).toEqual({});
    const second = s.c.request("command/exec/write", { processId: "deaf", deltaBase64: twoMiB });
    expect(await s.c.request("command/exec/terminate", { processId: "deaf" })).toEqual({});
    expect(await deaf).toEqual({ exitCode: 137, stdout: "", stderr: "" });
    expect(await second).toEqual({});
  });

  it("ours: a built-in permission profile picks the sandbox (the native one's helper is not on the test PATH)", {
    timeout: 60_000,
  }, async () => {
    const s = await start("ours");
    const run = (permissionProfile: string, file: string) =>
      outcome(s, { command: ["sh", "-c", `touch ${file} && echo ok`], permissionProfile });
    expect(await run(":workspace", "in-workspace")).toEqual({ exitCode: 0, stdout: "ok\n", stderr: "" });
    expect(await run(":read-only", "read-only")).toEqual({
      exitCode: 1,
      stdout: "",
      stderr: "touch: cannot touch 'read-only': Read-only file system\n",
    });
  });

  it("ours: a sandboxed command runs as pid 2 of a PID namespace, and what it leaves running dies with it", {
    timeout: 60_000,
  }, async () => {
    const s = await start("ours");
    // A sleep no other process runs, found again through /proc (inside the namespace its pid means nothing here).
    const marker = `1000.${process.pid}`;
    const answer = await outcome(s, {
      command: ["sh", "-c", `sleep ${marker} >/dev/null 2>&1 & echo $$`],
      sandboxPolicy: { type: "readOnly" },
    });
    expect(answer).toEqual({ exitCode: 0, stdout: "2\n", stderr: "" });
    const running = async () => {
      for (const pid of await readdir("/proc")) {
        if (!/^\d+$/.test(pid)) continue;
        const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
        if (cmdline === `sleep\0${marker}\0`) return true;
      }
      return false;
    };
    // Polled: nothing else tells when a foreign process is reaped.
    for (let i = 0; (await running()) && i < 200; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await running()).toBe(false);
  });
});
