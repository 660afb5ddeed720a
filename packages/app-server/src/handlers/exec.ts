import { internalError, invalidRequest, type Protocol058 } from "@codex-ts/app-server-protocol";
import type { SandboxPolicy, ShellEnvironmentPolicy } from "@codex-ts/config-loader";
import { commandEnvironment, runCommand, sandboxPolicyFromWire } from "@codex-ts/core";
import type { Handlers } from "../handler.js";

/** Codex's default for commands without a timeout. */
const DEFAULT_TIMEOUT_MS = 10_000;

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
      const sandbox = p.sandboxPolicy ? sandboxPolicyFromWire(p.sandboxPolicy) : defaultSandbox;
      let result: Awaited<ReturnType<typeof runCommand>>;
      try {
        result = await runCommand({
          command: p.command,
          cwd: p.cwd ?? process.cwd(),
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
