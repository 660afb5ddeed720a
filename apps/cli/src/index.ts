import { createRequire } from "node:module";
import { ConfigError } from "@codex-ts/config-loader";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { registerAppServer } from "./commands/app-server.js";
import { registerExec } from "./commands/exec/index.js";
import { registerGenerate } from "./commands/generate.js";
import { registerLogin } from "./commands/login.js";
import { registerMcp } from "./commands/mcp.js";
import { registerMcpServer } from "./commands/mcp-server.js";
import { addGlobalOptions, globalOptions } from "./global-options.js";

export { type GlobalOptions, globalOptions } from "./global-options.js";

const require = createRequire(import.meta.url);
const { version } = require("../package.json") as { version: string };

/** Commander errors that mean "you typed the command wrong": usage errors exit 2, like clap's. */
const USAGE_ERRORS = new Set([
  "commander.unknownOption",
  "commander.unknownCommand",
  "commander.excessArguments",
  "commander.missingArgument",
  "commander.missingMandatoryOptionValue",
  "commander.optionMissingArgument",
  "commander.invalidArgument",
  "commander.conflictingOption",
]);

/**
 * Builds the `codex` command tree. Each command module registers itself with one `registerXxx(program)` call and
 * reads the global options with `globalOptions(command)` in its action.
 */
export function buildProgram(): Command {
  const program = addGlobalOptions(
    new Command("codex")
      .description("Codex app server stack (TypeScript implementation)")
      .version(`codex-cli ${version}`, "-V, --version"),
  );
  // Validate -c values up front so every command, and plain `codex`, reports them the same way.
  program.hook("preAction", (_root, action) => {
    globalOptions(action);
  });
  registerAppServer(program);
  registerExec(program);
  registerLogin(program);
  registerGenerate(program);
  registerMcp(program);
  registerMcpServer(program);
  applyRecursively(program, (cmd) => cmd.exitOverride());
  return program;
}

function applyRecursively(cmd: Command, fn: (c: Command) => void): void {
  fn(cmd);
  for (const child of cmd.commands) applyRecursively(child, fn);
}

/** Runs the CLI with `argv` (without node and script path) and returns the process exit code. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError && err.code === "commander.help") {
      // No subcommand: commander has shown the help (there is no interactive mode); the options must still parse.
      return validateGlobalOptions(program);
    }
    if (isOverrideError(err)) return reportOverrideError(err);
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return 0;
      return USAGE_ERRORS.has(err.code) ? 2 : err.exitCode;
    }
    if (err instanceof ConfigError) {
      // A config problem is the user's to fix: say what and where, without a stack trace.
      process.stderr.write(`Error: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

function isOverrideError(err: unknown): err is InvalidArgumentError {
  return err instanceof InvalidArgumentError && err.message.startsWith("error parsing -c overrides");
}

function reportOverrideError(err: Error): number {
  process.stderr.write(`Error: ${err.message}\n`);
  return 1;
}

function validateGlobalOptions(program: Command): number {
  try {
    globalOptions(program);
    return 0;
  } catch (err) {
    if (isOverrideError(err)) return reportOverrideError(err);
    throw err;
  }
}
