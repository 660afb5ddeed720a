import path from "node:path";
import {
  type gen0166,
  internalError,
  invalidParams,
  invalidRequest,
  type Protocol0166,
  RpcError,
} from "@codex-ts/app-server-protocol";
import type { SandboxPolicy, ShellEnvironmentPolicy } from "@codex-ts/config-loader";
import { commandEnvironment, EXEC_TIMEOUT_MAX_MS, osErrorText, sandboxPolicyFromWire } from "@codex-ts/core";
import type { Handlers } from "../../handler.js";
import { profileSandbox } from "../../threads/settings.js";
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

type Methods = "command/exec" | "command/exec/write" | "command/exec/terminate" | "command/exec/resize";

/**
 * Commands one connection runs at once. Each holds its request open until it exits, and a connection has
 * MAX_REQUESTS_IN_FLIGHT (128) places: without this bound, 128 running commands would leave none for the
 * `command/exec/terminate` that ends them. 0.166.0 answers later from a task of its own and has no such bound.
 */
export const COMMAND_EXEC_MAX_RUNNING = 64;

export interface CommandExecOptions {
  /** The configured sandbox and environment policy: what a request that names none gets. */
  sandbox: SandboxPolicy;
  envPolicy: ShellEnvironmentPolicy;
  /** Whether the client asked for the experimental API (`permissionProfile` needs it). */
  experimentalApi(): boolean;
  /** Registers what to do when this connection ends. */
  onConnectionClose(hook: () => void): void;
}

/** The sandbox mode of a built-in permission profile; an unknown one refused in 0.166.0's words. */
function profileMode(id: string): SandboxPolicy["mode"] {
  if (id.startsWith(":") && !["read-only", "workspace", "danger-full-access"].includes(id.slice(1)))
    throw invalidRequest(
      `invalid permission profile: default_permissions refers to unknown built-in profile \`${id}\``,
    );
  return profileSandbox(id);
}

/** A request's sandbox: its policy or permission profile, else the configured one; null runs unconfined. */
function requestSandbox(p: gen0166.CommandExecParams, fallback: SandboxPolicy): SandboxPolicy | null {
  let policy: SandboxPolicy = fallback;
  if (p.permissionProfile != null) {
    // A built-in profile picks the mode; the configured policy's roots stay when it is the same mode.
    const mode = profileMode(p.permissionProfile);
    policy = fallback.mode === mode ? fallback : (sandboxPolicyFromWire({ mode }) as SandboxPolicy);
  } else if (p.sandboxPolicy != null)
    // An external sandbox confines the server already: the command gets none of ours on top.
    policy =
      p.sandboxPolicy.type === "externalSandbox"
        ? { mode: "danger-full-access" }
        : (sandboxPolicyFromWire(p.sandboxPolicy as Record<string, unknown>) as SandboxPolicy);
  return policy.mode === "danger-full-access" ? null : policy;
}

/**
 * The checks 0.166.0 makes before it starts anything, in its order and words: `-32602` for contradicting options,
 * `-32600` for what the connection's state refuses.
 */
function checkParams(p: gen0166.CommandExecParams, experimentalApi: boolean): void {
  if (p.permissionProfile != null && !experimentalApi)
    throw invalidRequest("command/exec.permissionProfile requires experimentalApi capability");
  if (p.command.length === 0) throw invalidRequest("command must not be empty");
  if (p.sandboxPolicy != null && p.permissionProfile != null)
    throw invalidRequest("`permissionProfile` cannot be combined with `sandboxPolicy`");
  if (p.size != null && !p.tty) throw invalidParams("command/exec size requires tty: true");
  if (p.disableOutputCap && p.outputBytesCap != null)
    throw invalidParams("command/exec cannot set both outputBytesCap and disableOutputCap");
  if (p.disableTimeout && p.timeoutMs != null)
    throw invalidParams("command/exec cannot set both timeoutMs and disableTimeout");
  if (p.timeoutMs != null && p.timeoutMs < 0)
    throw invalidParams(`command/exec timeoutMs must be non-negative, got ${p.timeoutMs}`);
  if (p.size != null) checkSize(p.size);
  if (p.processId == null && (p.tty || p.streamStdin || p.streamStdoutStderr))
    throw invalidRequest("command/exec tty or streaming requires a client-supplied processId");
}

function checkSize(size: gen0166.CommandExecTerminalSize): void {
  if (size.rows === 0 || size.cols === 0)
    throw invalidParams("command/exec size rows and cols must be greater than 0");
}

/** The server's environment for commands (its shell environment policy), with the request's overrides; null unsets. */
function requestEnv(
  p: gen0166.CommandExecParams,
  policy: ShellEnvironmentPolicy,
  sandbox: SandboxPolicy | null,
): Record<string, string> {
  return withEnvOverrides(commandEnvironment(policy, sandbox ?? { mode: "danger-full-access" }), p.env);
}

/**
 * 0.166.0's `command/exec`: a standalone command (argv) in the server's sandbox, outside any thread, answered once
 * it exited with its exit code and buffered output — each stream capped (`outputBytesCap`, 1 MiB by default),
 * streamed instead as base64 `command/exec/outputDelta` notifications when asked (before the answer), on a PTY with
 * `tty`. A client-supplied `processId` names it for `command/exec/write` (stdin), `resize` (PTY) and `terminate`,
 * on this connection only: a connection that closes ends its commands.
 */
export function createCommandExecHandlers0166(o: CommandExecOptions): Handlers<Protocol0166, Methods> {
  /** This connection's commands by client process id, from the moment they are asked for (null: it did not start). */
  const named = new Map<string, Promise<ExecProcess | null>>();
  /** Every command this connection started and that still runs, named or not. */
  const running = new Set<ExecProcess>();
  /** Commands asked for and not yet answered (starting or running). */
  let active = 0;
  let closed = false;
  o.onConnectionClose(() => {
    closed = true;
    for (const proc of running) proc.terminate();
  });
  /** The running command `processId` names; a follow-up sent while it starts waits for it. */
  const lookup = async (processId: string): Promise<ExecProcess> => {
    const proc = await named.get(processId);
    if (!proc) throw invalidRequest(`no active command/exec for process id ${JSON.stringify(processId)}`);
    return proc;
  };
  return {
    async "command/exec"(p, ctx) {
      checkParams(p, o.experimentalApi());
      const processId = p.processId ?? null;
      if (processId !== null && named.has(processId))
        throw invalidRequest(`duplicate active command/exec process id: ${JSON.stringify(processId)}`);
      if (active >= COMMAND_EXEC_MAX_RUNNING)
        throw invalidRequest(
          `command/exec runs at most ${COMMAND_EXEC_MAX_RUNNING} commands per connection at once; terminate one first`,
        );
      const tty = p.tty === true;
      const stream = tty || p.streamStdoutStderr === true;
      const sandbox = requestSandbox(p, o.sandbox);
      const cwd = path.resolve(p.cwd ?? ".");
      const capBytes = p.disableOutputCap
        ? DISABLED_OUTPUT_CAP_BYTES
        : Math.min(p.outputBytesCap ?? DEFAULT_OUTPUT_BYTES_CAP, DISABLED_OUTPUT_CAP_BYTES);
      const caps = { stdout: new OutputCap(capBytes), stderr: new OutputCap(capBytes) };
      const buffered: Record<OutputStream, Buffer[]> = { stdout: [], stderr: [] };
      const onOutput = (which: OutputStream, chunk: Buffer) => {
        const taken = caps[which].take(chunk);
        if (!taken) return;
        if (!stream) buffered[which].push(taken.piece);
        else if (processId !== null)
          ctx.peer.notify("command/exec/outputDelta", {
            processId,
            stream: which,
            deltaBase64: taken.piece.toString("base64"),
            capReached: taken.capReached,
          });
      };
      active++;
      const starting = (async () => {
        await checkCwd(cwd, "failed to spawn command");
        return startExecProcess({
          command: p.command,
          cwd,
          env: requestEnv(p, o.envPolicy, sandbox),
          sandbox,
          timeoutMs: p.disableTimeout ? EXEC_TIMEOUT_MAX_MS : (p.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS),
          tty,
          size: p.size ?? null,
          streamStdin: tty || p.streamStdin === true,
          onOutput,
        });
      })();
      // Registered before the first await: a second request with the same id is refused meanwhile, follow-ups wait.
      if (processId !== null)
        named.set(
          processId,
          starting.catch(() => null),
        );
      let proc: ExecProcess;
      try {
        proc = await starting;
      } catch (err) {
        active--;
        if (processId !== null) named.delete(processId);
        if (err instanceof RpcError) throw err;
        throw internalError(
          `failed to spawn command: ${err instanceof SpawnFailure ? err.message : osErrorText(err)}`,
        );
      }
      running.add(proc);
      // The connection closed while it started: it ends at once, as those running then did.
      if (closed) proc.terminate();
      try {
        const end = await proc.ended;
        const text = (which: OutputStream) => outputText(Buffer.concat(buffered[which]));
        return { exitCode: end.exitCode, stdout: text("stdout"), stderr: text("stderr") };
      } finally {
        active--;
        running.delete(proc);
        if (processId !== null) named.delete(processId);
      }
    },
    async "command/exec/write"(p) {
      if (p.deltaBase64 == null && !p.closeStdin)
        throw invalidParams("command/exec/write requires deltaBase64 or closeStdin");
      const bytes = p.deltaBase64 == null ? Buffer.alloc(0) : decodeBase64Strict(p.deltaBase64);
      if (typeof bytes === "string") throw invalidParams(`invalid deltaBase64: ${bytes}`);
      const proc = await lookup(p.processId);
      if (!proc.streamStdin) throw invalidRequest("stdin streaming is not enabled for this command/exec");
      if (bytes.length > 0 && !(await proc.write(bytes))) throw invalidRequest("stdin is already closed");
      if (p.closeStdin) proc.closeStdin();
      return {};
    },
    async "command/exec/resize"(p) {
      checkSize(p.size);
      const proc = await lookup(p.processId);
      try {
        proc.resize(p.size);
      } catch (err) {
        throw invalidRequest(`failed to resize PTY: ${err instanceof Error ? err.message : String(err)}`);
      }
      return {};
    },
    async "command/exec/terminate"(p) {
      (await lookup(p.processId)).terminate();
      return {};
    },
  };
}
