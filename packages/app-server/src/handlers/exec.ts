import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import {
  type ExecOneOffCommandParams,
  internalError,
  invalidRequest,
  type Protocol058,
} from "@codex-ts/app-server-protocol";
import type { SandboxPolicy, ShellEnvironmentPolicy } from "@codex-ts/config-loader";
import { commandEnvironment, runCommand, sandboxPolicyFromWire } from "@codex-ts/core";
import type { Handlers } from "../handler.js";

/** Codex's default for commands without a timeout. */
const DEFAULT_TIMEOUT_MS = 10_000;

const invalidField = (field: string, why: string) =>
  invalidRequest(`exec failed: invalid value for \`${field}\`: ${why}`);

/** A NUL cannot reach `execve` (Node would answer with its own internal words): the client's mistake. */
function refuseNul(field: string, value: string): void {
  if (value.includes("\u0000")) throw invalidField(field, "contains a NUL character");
}

/**
 * The checks a request's fields get before anything is spawned, so each mistake is `-32600` naming its field: NUL
 * characters in the command, cwd or writable roots, and a cwd that is missing or not a directory (a FIFO cwd used to
 * come back as `-32603 "Not a directory (os error 20)"`).
 */
async function checkRequest(p: ExecOneOffCommandParams): Promise<string> {
  for (const [i, arg] of p.command.entries()) refuseNul(`command[${i}]`, arg);
  const roots = p.sandboxPolicy && "writable_roots" in p.sandboxPolicy ? p.sandboxPolicy.writable_roots : [];
  for (const [i, root] of (roots ?? []).entries()) refuseNul(`sandboxPolicy.writable_roots[${i}]`, root);
  if (p.cwd == null) return process.cwd();
  refuseNul("cwd", p.cwd);
  if (p.cwd === "") throw invalidField("cwd", "must not be empty");
  const cwd = resolve(p.cwd);
  const st = await stat(cwd).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") throw invalidField("cwd", `${p.cwd} does not exist`);
    if (err.code === "ENOTDIR") throw invalidField("cwd", `${p.cwd} is not a directory`);
    throw internalError(`exec failed: cannot use cwd ${p.cwd}: ${err.message}`);
  });
  if (!st.isDirectory()) throw invalidField("cwd", `${p.cwd} is not a directory`);
  return cwd;
}

/**
 * `execOneOffCommand {command, timeoutMs?, cwd?, sandboxPolicy?}` → `{exitCode, stdout, stderr}`: runs a command
 * outside any conversation under the given sandbox policy (default: the server's configured one). 0.58.0 fails
 * here on Linux unless a separate sandbox helper binary is installed; this server runs it under bubblewrap. The
 * command's environment follows the server's `shell_environment_policy`, as commands the model runs do.
 */
export function createExecOneOffCommandHandler(
  defaultSandbox: SandboxPolicy,
  envPolicy: ShellEnvironmentPolicy,
): Handlers<Protocol058, "execOneOffCommand"> {
  return {
    async execOneOffCommand(p) {
      if (p.command.length === 0) throw invalidRequest("command must not be empty");
      const cwd = await checkRequest(p);
      const sandbox = p.sandboxPolicy ? sandboxPolicyFromWire(p.sandboxPolicy) : defaultSandbox;
      let result: Awaited<ReturnType<typeof runCommand>>;
      try {
        result = await runCommand({
          command: p.command,
          cwd,
          timeoutMs: p.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          env: commandEnvironment(envPolicy, sandbox),
          sandbox: sandbox.mode === "danger-full-access" ? null : sandbox,
        });
      } catch (err) {
        throw internalError(`exec failed: ${(err as Error).message}`);
      }
      if (result.timedOut) throw internalError("exec failed: sandbox error: command timed out");
      if (result.spawnError) throw internalError(`exec failed: ${result.spawnError}`);
      return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
    },
  };
}
