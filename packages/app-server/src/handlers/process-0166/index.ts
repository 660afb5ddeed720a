import path from "node:path";
import {
  type gen0166,
  internalError,
  invalidParams,
  invalidRequest,
  type Protocol0166,
  RpcError,
} from "@codex-ts/app-server-protocol";
import type { ShellEnvironmentPolicy } from "@codex-ts/config-loader";
import { commandEnvironment, EXEC_TIMEOUT_MAX_MS, osErrorText } from "@codex-ts/core";
import type { Handlers } from "../../handler.js";
import {
  DEFAULT_OUTPUT_BYTES_CAP,
  DISABLED_OUTPUT_CAP_BYTES,
  decodeBase64Strict,
  OutputCap,
} from "../exec-process-0166/output-cap.js";
import { outputText } from "../exec-process-0166/output-text.js";
import {
  DEFAULT_EXEC_TIMEOUT_MS,
  type ExecProcess,
  type OutputStream,
  SpawnFailure,
  startExecProcess,
} from "../exec-process-0166/process.js";
import { checkCwd, withEnvOverrides } from "../exec-process-0166/spawn-env.js";
import { experimentalCheck } from "../experimental-api.js";

type Methods = "process/spawn" | "process/writeStdin" | "process/kill" | "process/resizePty";

/**
 * Processes one connection runs at once. 0.166.0 has no bound (each is a task, a process and its pipes); this server
 * refuses more than this many, so that one client cannot exhaust the server's file descriptors and process slots.
 */
export const PROCESS_SPAWN_MAX_RUNNING = 256;

export interface ProcessOptions {
  /** The configured environment policy: what every process gets, under the request's overrides. */
  envPolicy: ShellEnvironmentPolicy;
  /** Whether the client asked for the experimental API (every `process/*` method needs it). */
  experimentalApi(): boolean;
  /** Registers what to do when this connection ends. */
  onConnectionClose(hook: () => void): void;
}

/** The checks 0.166.0 makes before it starts anything, in its order and words. */
function checkSpawnParams(p: gen0166.ProcessSpawnParams): void {
  if (p.command.length === 0) throw invalidRequest("command must not be empty");
  if (p.processHandle === "") throw invalidRequest("processHandle must not be empty");
  if (p.size != null && !p.tty) throw invalidParams("process/spawn size requires tty: true");
  if (p.timeoutMs != null && p.timeoutMs < 0)
    throw invalidParams(`process/spawn timeoutMs must be non-negative, got ${p.timeoutMs}`);
  if (p.size != null) checkSize(p.size);
}

function checkSize(size: gen0166.ProcessTerminalSize): void {
  if (size.rows === 0 || size.cols === 0)
    throw invalidParams("process size rows and cols must be greater than 0");
}

/** Omitted: 0.166.0's default; null: none (this server's ceilings, see below); else the request's. */
function timeoutOf(p: gen0166.ProcessSpawnParams): number {
  if (p.timeoutMs === undefined) return DEFAULT_EXEC_TIMEOUT_MS;
  return p.timeoutMs === null ? EXEC_TIMEOUT_MAX_MS : p.timeoutMs;
}

function capOf(p: gen0166.ProcessSpawnParams): number {
  if (p.outputBytesCap === undefined) return DEFAULT_OUTPUT_BYTES_CAP;
  return p.outputBytesCap === null
    ? DISABLED_OUTPUT_CAP_BYTES
    : Math.min(p.outputBytesCap, DISABLED_OUTPUT_CAP_BYTES);
}

const quoted = (handle: string) => JSON.stringify(handle);

/**
 * 0.166.0's `process/spawn` and its follow-ups (experimental API): a standalone argv on this host, without a sandbox,
 * named by a client-chosen `processHandle` unique among this connection's running processes (reusable once one
 * exited). The answer comes once it started; its output follows as base64 `process/outputDelta` notifications when
 * streamed (a PTY with `tty`, which streams both ways), else buffered, each stream capped (`outputBytesCap`, 1 MiB
 * by default), into the one `process/exited` notification after it exited (10 s timeout by default, exit code 124).
 * A connection that closes kills its processes; whatever a process leaves behind in its process group dies with it.
 */
export function createProcessHandlers0166(o: ProcessOptions): Handlers<Protocol0166, Methods> {
  /** This connection's processes by handle, from the moment they are asked for (null: it did not start). */
  const sessions = new Map<string, Promise<ExecProcess | null>>();
  let closed = false;
  o.onConnectionClose(() => {
    closed = true;
    for (const session of sessions.values()) void session.then((proc) => proc?.terminate());
  });
  const requireExperimental = experimentalCheck(() => o.experimentalApi());
  /** The running process `handle` names; a follow-up sent while it starts waits for it. */
  const lookup = async (handle: string): Promise<ExecProcess> => {
    const proc = await sessions.get(handle);
    if (!proc) throw invalidRequest(`no active process for process handle ${quoted(handle)}`);
    return proc;
  };
  return {
    async "process/spawn"(p, ctx) {
      // 0.166.0 refuses a relative cwd when it decodes the request (an `AbsolutePathBuf`), before anything else.
      if (!path.isAbsolute(p.cwd))
        throw invalidRequest("Invalid request: AbsolutePathBuf deserialized without a base path");
      requireExperimental("process/spawn");
      checkSpawnParams(p);
      const handle = p.processHandle;
      if (sessions.has(handle)) throw invalidRequest(`duplicate active process handle: ${quoted(handle)}`);
      if (sessions.size >= PROCESS_SPAWN_MAX_RUNNING)
        throw invalidRequest(
          `process/spawn runs at most ${PROCESS_SPAWN_MAX_RUNNING} processes per connection at once; kill one first`,
        );
      const tty = p.tty === true;
      const stream = tty || p.streamStdoutStderr === true;
      const caps = { stdout: new OutputCap(capOf(p)), stderr: new OutputCap(capOf(p)) };
      const buffered: Record<OutputStream, Buffer[]> = { stdout: [], stderr: [] };
      // Notifications wait for the answer: 0.166.0 answers before it reads any output.
      let answered = false;
      const held: Array<() => void> = [];
      // …and none goes to a connection that closed (its processes are being killed).
      const afterAnswer = (send: () => void) => {
        if (closed) return;
        if (answered) send();
        else held.push(send);
      };
      const onOutput = (which: OutputStream, chunk: Buffer) => {
        const taken = caps[which].take(chunk);
        if (!taken) return;
        if (!stream) buffered[which].push(taken.piece);
        else
          afterAnswer(() =>
            ctx.peer.notify("process/outputDelta", {
              processHandle: handle,
              stream: which,
              deltaBase64: taken.piece.toString("base64"),
              capReached: taken.capReached,
            }),
          );
      };
      const cwd = path.resolve(p.cwd);
      const starting = (async () => {
        await checkCwd(cwd, "failed to spawn process");
        return startExecProcess({
          command: p.command,
          cwd,
          env: withEnvOverrides(commandEnvironment(o.envPolicy, { mode: "danger-full-access" }), p.env),
          sandbox: null,
          timeoutMs: timeoutOf(p),
          tty,
          size: p.size ?? null,
          streamStdin: tty || p.streamStdin === true,
          onOutput,
        });
      })();
      // Registered before the first await: a second spawn with the same handle is refused meanwhile, follow-ups wait.
      sessions.set(
        handle,
        starting.catch(() => null),
      );
      let proc: ExecProcess;
      try {
        proc = await starting;
      } catch (err) {
        sessions.delete(handle);
        if (err instanceof RpcError) throw err;
        throw internalError(
          `failed to spawn process: ${err instanceof SpawnFailure ? err.message : osErrorText(err)}`,
        );
      }
      // The connection closed while it started: it ends at once, as those running then did.
      if (closed) proc.terminate();
      void proc.ended.then((end) => {
        // Free before the client hears of the exit, so that it may reuse the handle at once.
        sessions.delete(handle);
        const text = (which: OutputStream) => outputText(Buffer.concat(buffered[which]));
        afterAnswer(() =>
          ctx.peer.notify("process/exited", {
            processHandle: handle,
            exitCode: end.exitCode,
            outputDrainTimedOut: end.outputDrainTimedOut,
            stdout: text("stdout"),
            stdoutCapReached: caps.stdout.reached,
            stderr: text("stderr"),
            stderrCapReached: caps.stderr.reached,
          }),
        );
      });
      const responded = await ctx.respond({});
      answered = true;
      for (const send of held.splice(0)) send();
      return responded;
    },
    async "process/writeStdin"(p) {
      requireExperimental("process/writeStdin");
      if (p.deltaBase64 == null && !p.closeStdin)
        throw invalidParams("process/writeStdin requires deltaBase64 or closeStdin");
      const bytes = p.deltaBase64 == null ? Buffer.alloc(0) : decodeBase64Strict(p.deltaBase64);
      if (typeof bytes === "string") throw invalidParams(`invalid deltaBase64: ${bytes}`);
      const proc = await lookup(p.processHandle);
      if (!proc.streamStdin) throw invalidRequest("stdin streaming is not enabled for this process");
      if (bytes.length > 0 && !(await proc.write(bytes))) throw invalidRequest("stdin is already closed");
      if (p.closeStdin) proc.closeStdin();
      return {};
    },
    async "process/resizePty"(p) {
      requireExperimental("process/resizePty");
      checkSize(p.size);
      const proc = await lookup(p.processHandle);
      try {
        proc.resize(p.size);
      } catch (err) {
        throw invalidRequest(`failed to resize PTY: ${err instanceof Error ? err.message : String(err)}`);
      }
      return {};
    },
    async "process/kill"(p) {
      requireExperimental("process/kill");
      (await lookup(p.processHandle)).terminate();
      return {};
    },
  };
}
