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
export {
  CORE_ENV_VARS,
  commandEnvironment,
  DEFAULT_ENV_EXCLUDES,
  envNameMatches,
  NETWORK_DISABLED_ENV_VAR,
  shellEnvironment,
} from "./shell-env.js";
export { shellJoin, shellScriptOf, shlexJoin, shlexQuote, tokenizeScript } from "./shell-words.js";
