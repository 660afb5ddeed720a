export {
  COMMAND_DISPLAY_MAX_ARGS,
  COMMAND_DISPLAY_MAX_CHARS,
  truncateCommandForDisplay,
  truncateForDisplay,
} from "./command-display.js";
export { EXEC_OUTPUT_MAX_BYTES, HeadTailBuffer } from "./head-tail-buffer.js";
export { parseCommand } from "./parse-command.js";
export { parseCommand0166, shlexSplit, shortDisplayPath } from "./parse-command-0166.js";
export {
  clampTimeoutMs,
  EXEC_OUTPUT_DELTA_MAX_BYTES,
  EXEC_OUTPUT_DELTA_MAX_TOTAL_BYTES,
  EXEC_OUTPUT_MAX_DELTAS,
  EXEC_TIMEOUT_MAX_MS,
  EXEC_TIMEOUT_MIN_MS,
  killRunningCommands,
  type RunCommandOptions,
  type RunCommandResult,
  type RunningCommand,
  runCommand,
  type SandboxSupport,
  SandboxUnavailableError,
  sandboxedArgv,
  sandboxSupport,
  writableRoots,
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
