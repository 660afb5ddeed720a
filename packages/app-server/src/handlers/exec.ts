import { internalError, invalidRequest } from "@codex-ts/app-server-protocol";
import type { SandboxPolicy, ShellEnvironmentPolicy } from "@codex-ts/config-loader";
import { commandEnvironment, runCommand, sandboxPolicyFromWire } from "@codex-ts/core";
import { object, optionalString, optionalU64, requiredStrings } from "../params.js";
import type { RequestHandler } from "../server.js";

/** Codex's default for commands without a timeout. */
const DEFAULT_TIMEOUT_MS = 10_000;

interface OneOffCommand {
  command: string[];
  timeoutMs: number;
  cwd: string;
  sandbox: SandboxPolicy | null;
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
): RequestHandler<OneOffCommand> {
  return {
    decode(params) {
      const p = object(params, "struct ExecOneOffCommandParams");
      const command = requiredStrings(p, "command");
      const timeout = optionalU64(p, "timeoutMs");
      const policy = p.sandboxPolicy;
      return {
        command,
        timeoutMs: timeout ?? DEFAULT_TIMEOUT_MS,
        cwd: optionalString(p, "cwd") ?? process.cwd(),
        sandbox:
          policy === undefined || policy === null
            ? defaultSandbox
            : sandboxPolicyFromWire(object(policy, "internally tagged enum SandboxPolicy")),
      };
    },
    async handle(c) {
      if (c.command.length === 0) throw invalidRequest("command must not be empty");
      let result: Awaited<ReturnType<typeof runCommand>>;
      try {
        result = await runCommand({
          command: c.command,
          cwd: c.cwd,
          timeoutMs: c.timeoutMs,
          env: commandEnvironment(envPolicy, c.sandbox ?? { mode: "danger-full-access" }),
          sandbox: c.sandbox?.mode === "danger-full-access" ? null : c.sandbox,
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
