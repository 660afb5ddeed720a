import { type Config, loadConfig } from "@codex-ts/config-loader";
import { type Command, CommanderError } from "commander";
import { globalOptions } from "../global-options.js";

/** A user-facing failure of a `codex mcp` command: printed as `Error: <message>`, exit code 1, nothing written. */
export class McpCommandError extends Error {}

/** The effective config (every layer, `-c` and `--profile` included). */
export async function effectiveConfig(command: Command): Promise<Config> {
  const { overrides, profile } = globalOptions(command);
  return loadConfig({ cliOverrides: overrides, overrides: { profile } });
}

/** Runs a command's action; an McpCommandError is printed and exits 1. */
export async function runReporting(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    if (!(err instanceof McpCommandError)) throw err;
    process.stderr.write(`Error: ${err.message}\n`);
    throw new CommanderError(1, "codex.mcp", err.message);
  }
}
