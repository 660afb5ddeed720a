import { readFile } from "node:fs/promises";
import path from "node:path";
import { protocol0166 } from "@codex-ts/app-server-protocol";
import { CODEX_0166_BIN, errorOf, referenceEnv0166, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { PROCESS_SPAWN_MAX_RUNNING } from "../src/handlers/process-0166/index.js";
import { type MockServer0166, startMockServer0166 } from "./helpers/mock-server-0166.js";

/**
 * 0.166's `process/spawn` (a standalone argv on the server's host, no sandbox, named by a client-chosen handle) with
 * `process/writeStdin`, `kill` and `resizePty`, and `environment/add|info|status`, over stdio with real processes
 * in a temp dir, on this server and, where installed, on the native codex 0.166.0 with the same steps: the same
 * answers, notifications (base64 `process/outputDelta`, one `process/exited` after the answer) and refusals, word for
 * word; a closed connection kills its processes.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("process 0.166: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

const start = (impl: Impl) =>
  startMockServer0166(suite, impl, {
    client: { name: "process-spawn", version: "1.0" },
    prefix: "codex-0166-process-",
  });

async function refusal(s: MockServer0166, method: string, params: Record<string, unknown>): Promise<unknown> {
  return errorOf(s.c.request(method as "process/spawn", params as never));
}

type Note = Record<string, unknown> & { processHandle: string };

/** The notifications `method` about `handle` so far. */
const notes = (s: MockServer0166, method: string, handle: string): Note[] =>
  s.c.messages
    .filter((m) => m.method === method)
    .map((m) => m.params as Note)
    .filter((n) => n.processHandle === handle);

/** What `handle` streamed to `stream` so far, decoded (a PTY's CRLF as LF). */
const streamed = (s: MockServer0166, handle: string, stream = "stdout") =>
  notes(s, "process/outputDelta", handle)
    .filter((d) => d.stream === stream)
    .map((d) => Buffer.from(d.deltaBase64 as string, "base64").toString("utf8"))
    .join("")
    .replace(/\r\n/g, "\n");

const waitOutput = (s: MockServer0166, handle: string, text: string) =>
  s.c.waitUntil(() => streamed(s, handle).includes(text), `${handle} to print ${JSON.stringify(text)}`);

/** The `process/exited` of the `nth` process named `handle` (handles are reusable), once it came. */
async function exited(s: MockServer0166, handle: string, nth = 1): Promise<Note> {
  await s.c.waitUntil(() => notes(s, "process/exited", handle).length >= nth, `${handle} to exit`);
  return notes(s, "process/exited", handle)[nth - 1] as Note;
}

/** Spawns and waits for its exit: the answer and the exit notification. */
/**
 * Spawns and waits for the process's exit. `reuse`: the handle named a process that exited; 0.166.0 forgets a
 * handle only just after it sent `process/exited`, so its spawn may be refused as a duplicate for a moment and is
 * asked again (this server frees the handle before it notifies, and is never asked twice).
 */
async function run(
  s: MockServer0166,
  params: Record<string, unknown>,
  reuse = false,
): Promise<[unknown, Note]> {
  const handle = params.processHandle as string;
  const nth = notes(s, "process/exited", handle).length + 1;
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = await s.c.request("process/spawn", params as never);
      return [answer, await exited(s, handle, nth)];
    } catch (err) {
      const duplicate =
        (err as Error).message === `duplicate active process handle: ${JSON.stringify(handle)}`;
      if (!reuse || !duplicate || attempt >= 100) throw err;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

const b64 = (text: string) => Buffer.from(text).toString("base64");
const ended = (processHandle: string, exitCode: number, more: Record<string, unknown> = {}) => ({
  processHandle,
  exitCode,
  outputDrainTimedOut: false,
  stdout: "",
  stdoutCapReached: false,
  stderr: "",
  stderrCapReached: false,
  ...more,
});

describe("process/* compared with codex 0.166.0", () => {
  it.each(IMPLS)("%s: refuses bad params in 0.166.0's words", { timeout: 60_000 }, async (impl) => {
    const s = await start(impl);
    const file = path.join(s.root, "codex-home", "config.toml");
    const cases: [string, Record<string, unknown>][] = [
      ["process/spawn", { processHandle: "a", command: [], cwd: s.root }],
      ["process/spawn", { processHandle: "", command: ["true"], cwd: s.root }],
      ["process/spawn", { command: ["true"], cwd: s.root }],
      ["process/spawn", { processHandle: "a", command: ["true"], cwd: "relative" }],
      ["process/spawn", { processHandle: "a", command: ["true"], cwd: path.join(s.root, "missing") }],
      ["process/spawn", { processHandle: "a", command: ["true"], cwd: file }],
      ["process/spawn", { processHandle: "a", command: [path.join(s.root, "no-such-program")], cwd: s.root }],
      ["process/spawn", { processHandle: "a", command: ["tr\0ue"], cwd: s.root }],
      ["process/spawn", { processHandle: "a", command: ["true"], cwd: s.root, env: { A: "x\0" } }],
      ["process/spawn", { processHandle: "a", command: ["true"], cwd: s.root, size: { rows: 2, cols: 2 } }],
      [
        "process/spawn",
        { processHandle: "a", command: ["true"], cwd: s.root, tty: true, size: { rows: 0, cols: 2 } },
      ],
      ["process/spawn", { processHandle: "a", command: ["true"], cwd: s.root, timeoutMs: -1 }],
      [
        "process/spawn",
        { processHandle: "a", command: [path.join(s.root, "no-such-program")], cwd: s.root, tty: true },
      ],
      ["process/spawn", { processHandle: "a", command: [s.root], cwd: s.root, tty: true }],
      ["process/spawn", { processHandle: "a", command: [""], cwd: s.root }],
      ["process/spawn", { processHandle: "a", command: ["", "x"], cwd: s.root, tty: true }],
      ["process/kill", { processHandle: "ghost" }],
      ["process/writeStdin", { processHandle: "ghost" }],
      ["process/writeStdin", { processHandle: "ghost", deltaBase64: "aGVsbG8" }],
      ["process/writeStdin", { processHandle: "ghost", deltaBase64: "aGVsbG8K=" }],
      ["process/writeStdin", { processHandle: "ghost", deltaBase64: "aGVsbG9=" }],
      ["process/writeStdin", { processHandle: "ghost", deltaBase64: "aGVsb" }],
      ["process/writeStdin", { processHandle: "ghost", deltaBase64: "eA==" }],
      ["process/resizePty", { processHandle: "ghost", size: { rows: 0, cols: 1 } }],
      ["process/resizePty", { processHandle: "ghost", size: { rows: 3, cols: 1 } }],
    ];
    const answers = [];
    for (const [method, params] of cases) {
      const { code, message } = (await refusal(s, method, params)) as { code: number; message: string };
      answers.push([code, message]);
    }
    const ghost = 'no active process for process handle "ghost"';
    expect(answers).toEqual([
      [-32600, "command must not be empty"],
      [-32600, "processHandle must not be empty"],
      [-32600, "Invalid request: missing field `processHandle`"],
      [-32600, "Invalid request: AbsolutePathBuf deserialized without a base path"],
      [-32603, "failed to spawn process: No such file or directory (os error 2)"],
      [-32603, "failed to spawn process: Not a directory (os error 20)"],
      [-32603, "failed to spawn process: No such file or directory (os error 2)"],
      [-32603, "failed to spawn process: nul byte found in provided data"],
      [-32603, "failed to spawn process: data provided contains a nul byte"],
      [-32602, "process/spawn size requires tty: true"],
      [-32602, "process size rows and cols must be greater than 0"],
      [-32602, "process/spawn timeoutMs must be non-negative, got -1"],
      [-32603, "failed to spawn process: No such file or directory (os error 2)"],
      [-32603, "failed to spawn process: Permission denied (os error 13)"],
      [-32603, "failed to spawn process: missing program for pipe spawn"],
      [-32603, "failed to spawn process: missing program for PTY spawn"],
      [-32600, ghost],
      [-32602, "process/writeStdin requires deltaBase64 or closeStdin"],
      [-32602, "invalid deltaBase64: Invalid padding"],
      [-32602, "invalid deltaBase64: Invalid symbol 61, offset 8."],
      [-32602, "invalid deltaBase64: Invalid last symbol 57, offset 6."],
      [-32602, "invalid deltaBase64: Invalid input length: 5"],
      [-32600, ghost],
      [-32602, "process size rows and cols must be greater than 0"],
      [-32600, ghost],
    ]);
  });

  it.each(IMPLS)(
    "%s: buffered and streamed output, caps, env overrides, timeouts, signals; the answer first",
    { timeout: 60_000 },
    async (impl) => {
      const s = await start(impl);
      const sh = (processHandle: string, script: string, more: Record<string, unknown> = {}, reuse = false) =>
        run(
          s,
          { processHandle, command: ["sh", "-c", script], cwd: s.root, ...more },
          reuse && impl === "real",
        );
      const runs = [
        await sh("a", "echo hi; echo err >&2; exit 3"),
        // The same handle again, once the first exited.
        await sh(
          "a",
          'pwd; echo "$FOO"; printenv HOME || echo unset',
          { env: { FOO: "bar", HOME: null } },
          true,
        ),
        await sh("caps", "printf 0123456789; printf abcdefghij >&2", { outputBytesCap: 4 }),
        await sh("exact", "printf 0123", { outputBytesCap: 4 }),
        await sh("timeout", "sleep 30", { timeoutMs: 200 }),
        await sh("at-once", "sleep 30", { timeoutMs: 0 }),
        await sh("term", "kill -TERM $$"),
        await sh("no-limits", "exit 255", { timeoutMs: null, outputBytesCap: null }),
      ];
      expect(runs).toEqual([
        [{}, ended("a", 3, { stdout: "hi\n", stderr: "err\n" })],
        [{}, ended("a", 0, { stdout: `${s.root}\nbar\nunset\n` })],
        [
          {},
          ended("caps", 0, {
            stdout: "0123",
            stdoutCapReached: true,
            stderr: "abcd",
            stderrCapReached: true,
          }),
        ],
        [{}, ended("exact", 0, { stdout: "0123", stdoutCapReached: true })],
        [{}, ended("timeout", 124)],
        [{}, ended("at-once", 124)],
        [{}, ended("term", 143)],
        [{}, ended("no-limits", 255)],
      ]);
      // Streamed: base64 deltas after the answer and before the exit, which then carries no output.
      const from = s.c.messages.length;
      const [answer, exit] = await sh("stream", "printf 0123456789; printf abcdefghij >&2", {
        outputBytesCap: 4,
        streamStdoutStderr: true,
      });
      expect([answer, exit]).toEqual([
        {},
        ended("stream", 0, { stdoutCapReached: true, stderrCapReached: true }),
      ]);
      expect({ stdout: streamed(s, "stream"), stderr: streamed(s, "stream", "stderr") }).toEqual({
        stdout: "0123",
        stderr: "abcd",
      });
      const order = s.c.messages
        .slice(from)
        .map((m) => (m.method === undefined ? "answer" : m.method))
        .filter((m) => m === "answer" || m.startsWith("process/"));
      expect(order[0]).toBe("answer");
      expect(order.at(-1)).toBe("process/exited");
      for (const stream of ["stdout", "stderr"])
        expect(
          notes(s, "process/outputDelta", "stream")
            .filter((d) => d.stream === stream)
            .at(-1)?.capReached,
        ).toBe(true);
    },
  );

  it.each(IMPLS)(
    "%s: stdin by writeStdin, closeStdin, kill; duplicate handles and pipe-only refusals",
    { timeout: 60_000 },
    async (impl) => {
      const s = await start(impl);
      const spawn = (processHandle: string, script: string, more: Record<string, unknown> = {}) =>
        s.c.request("process/spawn", {
          processHandle,
          command: ["sh", "-c", script],
          cwd: s.root,
          timeoutMs: null,
          ...more,
        } as never);
      expect(
        await spawn("reader", "read x; echo got $x; read y; echo second $y; exec sleep 30", {
          streamStdin: true,
          streamStdoutStderr: true,
        }),
      ).toEqual({});
      expect(await spawn("quiet", "exec sleep 30")).toEqual({});
      const refusals: unknown[] = [];
      refusals.push(
        await refusal(s, "process/spawn", { processHandle: "quiet", command: ["true"], cwd: s.root }),
      );
      expect(
        await s.c.request("process/writeStdin", { processHandle: "reader", deltaBase64: b64("hello\n") }),
      ).toEqual({});
      await waitOutput(s, "reader", "got hello\n");
      expect(await s.c.request("process/writeStdin", { processHandle: "reader", closeStdin: true })).toEqual(
        {},
      );
      await waitOutput(s, "reader", "second\n");
      refusals.push(
        await refusal(s, "process/writeStdin", { processHandle: "reader", deltaBase64: b64("more\n") }),
      );
      refusals.push(
        await refusal(s, "process/resizePty", { processHandle: "reader", size: { rows: 3, cols: 4 } }),
      );
      refusals.push(await refusal(s, "process/writeStdin", { processHandle: "quiet", deltaBase64: "eA==" }));
      refusals.push(await refusal(s, "process/writeStdin", { processHandle: "quiet", closeStdin: true }));
      expect(await s.c.request("process/kill", { processHandle: "reader" })).toEqual({});
      expect(await s.c.request("process/kill", { processHandle: "quiet" })).toEqual({});
      expect([await exited(s, "reader"), await exited(s, "quiet")]).toEqual([
        ended("reader", 137),
        ended("quiet", 137),
      ]);
      refusals.push(await refusal(s, "process/kill", { processHandle: "quiet" }));
      refusals.push(await refusal(s, "process/writeStdin", { processHandle: "reader", deltaBase64: "eA==" }));
      expect(refusals).toEqual([
        { code: -32600, message: 'duplicate active process handle: "quiet"' },
        { code: -32600, message: "stdin is already closed" },
        { code: -32600, message: "failed to resize PTY: process is not attached to a PTY" },
        { code: -32600, message: "stdin streaming is not enabled for this process" },
        { code: -32600, message: "stdin streaming is not enabled for this process" },
        // 0.166.0 forgets a handle only after it sent `process/exited`: a follow-up right after may still find it.
        {
          code: -32600,
          message: expect.stringMatching(/^(no active process for process handle|process) "quiet"/),
        },
        {
          code: -32600,
          message: expect.stringMatching(/^(no active process for process handle|process) "reader"/),
        },
      ]);
    },
  );

  it.each(IMPLS)(
    "%s: tty: a PTY of the requested size, resized, written to, its input closed, killed",
    { timeout: 60_000 },
    async (impl) => {
      const s = await start(impl);
      const tty = (processHandle: string, script: string, more: Record<string, unknown> = {}) =>
        s.c.request("process/spawn", {
          processHandle,
          command: ["sh", "-c", script],
          cwd: s.root,
          tty: true,
          ...more,
        } as never);
      expect(
        await tty("pty", "stty size; read x; stty size; exit 7", { size: { rows: 5, cols: 7 } }),
      ).toEqual({});
      await waitOutput(s, "pty", "5 7\n");
      expect(
        await s.c.request("process/resizePty", { processHandle: "pty", size: { rows: 30, cols: 40 } }),
      ).toEqual({});
      expect(
        await s.c.request("process/writeStdin", { processHandle: "pty", deltaBase64: b64("\n") }),
      ).toEqual({});
      expect(await exited(s, "pty")).toEqual(ended("pty", 7));
      expect(streamed(s, "pty")).toMatch(/^5 7\n(\n)?30 40\n$/);
      // Closing a terminal's input ends a program reading it, as end of file (0.166.0 writes a newline and ^D).
      expect(await tty("cat", "echo ready; cat")).toEqual({});
      await waitOutput(s, "cat", "ready\n");
      expect(await s.c.request("process/writeStdin", { processHandle: "cat", closeStdin: true })).toEqual({});
      expect(await exited(s, "cat")).toEqual(ended("cat", 0));
      expect(await tty("pty-kill", "echo ready; exec sleep 30")).toEqual({});
      await waitOutput(s, "pty-kill", "ready\n");
      expect(await s.c.request("process/kill", { processHandle: "pty-kill" })).toEqual({});
      // A PTY process ended by a signal reports 1 (0.166.0's PTY runner), not 128 + the signal.
      expect(await exited(s, "pty-kill")).toEqual(ended("pty-kill", 1));
    },
  );

  it.each(IMPLS)(
    "%s: what a process leaves in its process group dies when it exits; a closed connection kills its processes",
    { timeout: 60_000 },
    async (impl) => {
      const s = await start(impl);
      const pidOf = async (name: string) => Number((await readFile(path.join(s.root, name), "utf8")).trim());
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      // Polled: nothing else tells when a foreign process is reaped.
      const gone = async (pid: number) => {
        for (let i = 0; alive(pid) && i < 400; i++) await new Promise((r) => setTimeout(r, 25));
        return !alive(pid);
      };
      const [, leader] = await run(s, {
        processHandle: "bg",
        command: ["sh", "-c", "sleep 1000 >/dev/null 2>&1 & echo $! > bg.pid"],
        cwd: s.root,
      });
      expect(leader).toEqual(ended("bg", 0));
      expect(await gone(await pidOf("bg.pid"))).toBe(true);
      expect(
        await s.c.request("process/spawn", {
          processHandle: "left",
          command: ["sh", "-c", "echo $$ > left.pid; echo started; exec sleep 1000"],
          cwd: s.root,
          streamStdoutStderr: true,
          timeoutMs: null,
        }),
      ).toEqual({});
      await waitOutput(s, "left", "started\n");
      const pid = await pidOf("left.pid");
      expect(alive(pid)).toBe(true);
      await s.c.close();
      expect(await gone(pid)).toBe(true);
    },
  );

  it(`ours: at most ${PROCESS_SPAWN_MAX_RUNNING} processes run at once per connection`, {
    timeout: 120_000,
  }, async () => {
    const s = await start("ours");
    for (let i = 0; i < PROCESS_SPAWN_MAX_RUNNING; i++)
      await s.c.request("process/spawn", {
        processHandle: `p${i}`,
        command: ["sleep", "1000"],
        cwd: s.root,
        timeoutMs: null,
      });
    expect(
      await refusal(s, "process/spawn", { processHandle: "over", command: ["true"], cwd: s.root }),
    ).toEqual({
      code: -32600,
      message: `process/spawn runs at most ${PROCESS_SPAWN_MAX_RUNNING} processes per connection at once; kill one first`,
    });
    await s.c.request("process/kill", { processHandle: "p0" });
    await exited(s, "p0");
    const [answer, exit] = await run(s, { processHandle: "over", command: ["true"], cwd: s.root });
    expect([answer, exit]).toEqual([{}, ended("over", 0)]);
  });
});

describe("environment/* compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: local, unknown ids, and the refusals of environment/add",
    { timeout: 60_000 },
    async (impl) => {
      const s = await start(impl);
      const info = (await s.c.request("environment/info", { environmentId: "local" })) as {
        shell: { name: string; path: string };
        cwd: string;
      };
      expect(info.cwd).toBe(new URL(`file://${s.root}`).href);
      expect(["bash", "zsh", "sh", "powershell", "cmd"]).toContain(info.shell.name);
      expect(await s.c.request("environment/status", { environmentId: "local" })).toEqual({
        status: "ready",
      });
      expect(await s.c.request("environment/status", { environmentId: "nope" })).toEqual({
        status: "unknown",
        error: "unknown environment id `nope`",
      });
      const refusals = [
        await refusal(s, "environment/info", { environmentId: "nope" }),
        await refusal(s, "environment/add", { environmentId: "", execServerUrl: "" }),
        await refusal(s, "environment/add", { environmentId: "local", execServerUrl: "ws://127.0.0.1:9" }),
        await refusal(s, "environment/add", { environmentId: "x", execServerUrl: "  " }),
        await refusal(s, "environment/add", {
          environmentId: "x",
          execServerUrl: "ws://example.com:9",
          authBearerToken: "t",
        }),
        await refusal(s, "environment/add", {
          environmentId: "x",
          execServerUrl: "no url",
          websocketRequestId: "r",
        }),
      ];
      expect(refusals).toEqual([
        { code: -32600, message: "unknown environment id `nope`" },
        { code: -32600, message: "exec-server protocol error: environment id cannot be empty" },
        {
          code: -32600,
          message: "exec-server protocol error: environment id `local` is reserved for EnvironmentManager",
        },
        {
          code: -32600,
          message: "exec-server protocol error: remote environment requires an exec-server url",
        },
        {
          code: -32600,
          message:
            "exec-server protocol error: exec-server WebSocket headers require wss:// or a loopback destination",
        },
        {
          code: -32600,
          message:
            "exec-server protocol error: invalid exec-server WebSocket URL: relative URL without a base",
        },
      ]);
    },
  );

  it.each(IMPLS)(
    "%s: an added environment that cannot connect is disconnected, with why",
    { timeout: 60_000 },
    async (impl) => {
      const s = await start(impl);
      // Port 9 (discard) on this machine: nothing listens there in a test environment.
      const urls = {
        refused: "ws://127.0.0.1:9",
        scheme: "http://127.0.0.1:9",
        chars: "not a url",
        empty: "ws://",
        port: "ws://127.0.0.1:99999",
      };
      for (const [environmentId, execServerUrl] of Object.entries(urls))
        expect(await s.c.request("environment/add", { environmentId, execServerUrl })).toEqual({});
      const failure = (id: keyof typeof urls, why: string) =>
        `exec-server connection attempt failed: failed to connect to exec-server websocket \`${urls[id]}\`: ${why}`;
      const error = (await refusal(s, "environment/info", { environmentId: "refused" })) as {
        message: string;
      };
      expect(error).toEqual({
        code: -32603,
        message: `failed to get info for environment \`refused\`: ${failure("refused", "IO error: Connection refused (os error 111)")}`,
      });
      const statuses: Record<string, unknown> = {};
      for (const environmentId of Object.keys(urls)) {
        let status: { status: string; error?: string };
        do status = (await s.c.request("environment/status", { environmentId })) as typeof status;
        while (status.status === "pending");
        statuses[environmentId] = status;
      }
      expect(statuses).toEqual({
        refused: {
          status: "disconnected",
          error: failure("refused", "IO error: Connection refused (os error 111)"),
        },
        scheme: { status: "disconnected", error: failure("scheme", "URL error: URL scheme not supported") },
        chars: {
          status: "disconnected",
          error: failure("chars", "HTTP format error: invalid uri character"),
        },
        empty: { status: "disconnected", error: failure("empty", "HTTP format error: empty string") },
        port: { status: "disconnected", error: failure("port", "IO error: invalid WebSocket URL") },
      });
    },
  );

  it.each(IMPLS)(
    "%s: environment/* and process/* need the experimental API",
    { timeout: 60_000 },
    async (impl) => {
      const mock = await suite.newMock();
      const root = await suite.workdir("codex-0166-process-plain-");
      const home = await suite.home({ mock, modern: true, dir: path.join(root, "codex-home") });
      const c =
        impl === "ours"
          ? await suite.start({ home, protocol: protocol0166, cwd: root, initialize: false })
          : await suite.start({
              bin: "0.166",
              home,
              protocol: protocol0166,
              cwd: root,
              env: referenceEnv0166(home, root),
              initialize: false,
            });
      await c.initialize({ name: "process-spawn", version: "1.0" });
      const calls: [string, Record<string, unknown>][] = [
        ["process/spawn", { processHandle: "a", command: ["true"], cwd: root }],
        ["process/writeStdin", { processHandle: "a", closeStdin: true }],
        ["process/kill", { processHandle: "a" }],
        ["process/resizePty", { processHandle: "a", size: { rows: 1, cols: 1 } }],
        ["environment/add", { environmentId: "x", execServerUrl: "ws://127.0.0.1:9" }],
        ["environment/info", { environmentId: "local" }],
        ["environment/status", { environmentId: "local" }],
      ];
      const refusals = [];
      for (const [method, params] of calls)
        refusals.push(await errorOf(c.request(method as "process/kill", params as never)));
      expect(refusals).toEqual(
        calls.map(([method]) => ({ code: -32600, message: `${method} requires experimentalApi capability` })),
      );
    },
  );
});
