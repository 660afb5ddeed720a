export { parseCommand } from "./parse-command.js";
export {
  type RunCommandOptions,
  type RunCommandResult,
  runCommand,
  type SandboxSupport,
  SandboxUnavailableError,
  sandboxedArgv,
  sandboxSupport,
} from "./run-command.js";
export { isKnownSafeCommand } from "./safe-command.js";
export { shellJoin, shellScriptOf, tokenizeScript } from "./shell-words.js";
