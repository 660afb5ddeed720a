import { createRequire } from "node:module";
import { Command, CommanderError } from "commander";
import { registerAppServer } from "./commands/app-server.js";

const require = createRequire(import.meta.url);
const { version } = require("../package.json") as { version: string };

/** Builds the `codex` command tree. Subcommands are added by the packages that own them. */
export function buildProgram(): Command {
  const program = new Command("codex")
    .description("Codex app server stack (TypeScript implementation)")
    .version(`codex-cli ${version}`, "-V, --version")
    .exitOverride();
  registerAppServer(program);
  return program;
}

/** Runs the CLI with `argv` (without node and script path) and returns the process exit code. */
export async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    throw err;
  }
}
