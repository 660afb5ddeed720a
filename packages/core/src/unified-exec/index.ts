export {
  type Decoded,
  decodeExecCommandArgs,
  decodeWriteStdinArgs,
  type ExecCommandArgs,
  type WriteStdinArgs,
} from "./args.js";
export { type BackgroundTerminal, BackgroundTerminals } from "./background.js";
export {
  DEFAULT_EXEC_YIELD_TIME_MS,
  DEFAULT_WRITE_STDIN_YIELD_TIME_MS,
  type ExecCommandContext,
  MAX_SESSIONS,
  MAX_YIELD_TIME_MS,
  MIN_YIELD_TIME_MS,
  type UnifiedExecEvent,
  UnifiedExecManager,
  type UnifiedExecManagerOptions,
  type UnifiedExecOutcome,
} from "./manager.js";
export { DEFAULT_MAX_OUTPUT_TOKENS } from "./output-text.js";
export { resolveProgram } from "./program.js";
export {
  spawnTerminal,
  type TerminalKind,
  type TerminalProcess,
  type TerminalSize,
  terminalKind,
} from "./terminal.js";
export {
  EXEC_COMMAND_TOOL,
  escalationRefusal,
  UNIFIED_EXEC_TOOLS,
  WRITE_STDIN_TOOL,
} from "./tool-specs.js";
