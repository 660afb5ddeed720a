import type { ToolSpec } from "../../client/types.js";

type Call = Record<string, unknown>;

/**
 * Function tools 0.58.0 refuses when it did not offer them (exec_command and write_stdin without `[features]
 * unified_exec`, checked with the binary). Not `shell_command`: it runs that one even when the feature is off
 * (checked with o3), as it does `shell` when only `shell_command` or unified exec is offered.
 */
const GATED_FUNCTIONS = new Set([
  "apply_patch",
  "view_image",
  "exec_command",
  "write_stdin",
  // Later Codex's tools, which 0.58.0 does not have (`unsupported call: get_goal`, checked with the binary).
  "request_user_input",
  "get_goal",
  "create_goal",
  "update_goal",
]);

/**
 * How 0.58.0 answers a call to a tool it did not offer in this request, or null when the call may run. Its router
 * only knows the tools it offered: a custom call to any other name gets `unsupported custom tool call: <name>`, a
 * function call `unsupported call: <name>` (checked with the real binary for apply_patch with o3). Either form of
 * apply_patch runs when either form was offered. `shell` runs whether it was offered or not (0.58.0 registers its
 * handler always), update_plan is always offered, and MCP calls are resolved before this gate.
 */
export function unofferedToolAnswer(call: Call, offered: readonly ToolSpec[]): string | null {
  const name = String(call.name ?? "");
  const has = (n: string) => offered.some((t) => "name" in t && t.name === n);
  if (call.type === "custom_tool_call") return has(name) ? null : `unsupported custom tool call: ${name}`;
  if (call.type === "function_call" && GATED_FUNCTIONS.has(name) && !has(name))
    return `unsupported call: ${name}`;
  return null;
}

/**
 * How 0.166.0 answers a call to a tool it has not registered for the turn (`registered`: the tools it offered, or
 * registers without offering them), or null when the call may run. Its router knows only those (checked with the
 * native binary for `gpt-5.5`, a model outside its catalogue and a code-mode one): a function call to any other
 * name gets `unsupported call: <name>` (among them `shell`, `shell_command`, `container.exec` and `update_plan`,
 * which none of its families has), a custom call `unsupported custom tool call: <name>`, and a function call to a
 * tool it registered in another form (the freeform apply_patch; `tool_search`, which `gpt-5.5` always has) `aborted`. MCP tools are resolved before this gate.
 */
export function unregisteredToolAnswer0166(
  call: Call,
  registered: readonly ToolSpec[],
  toolSearchRegistered: boolean,
): string | null {
  const name = String(call.name ?? "");
  const named = (type: ToolSpec["type"]) =>
    registered.some((t) => t.type === type && "name" in t && t.name === name);
  if (call.type === "custom_tool_call")
    return named("custom") ? null : `unsupported custom tool call: ${name}`;
  if (call.type !== "function_call") return `unsupported call: ${name}`;
  if (named("function")) return null;
  if (named("custom") || (name === "tool_search" && toolSearchRegistered)) return "aborted";
  return `unsupported call: ${name}`;
}

/**
 * The shell arguments of a `local_shell_call` (codex-mini-latest's built-in tool): its `action` carries the argv,
 * working directory and timeout that the `shell` function takes as `command`, `workdir` and `timeout_ms`.
 */
export function localShellArguments(call: Call): Record<string, unknown> {
  const action = (call.action ?? {}) as Record<string, unknown>;
  return {
    command: Array.isArray(action.command) ? action.command.map(String) : [],
    ...(typeof action.working_directory === "string" ? { workdir: action.working_directory } : {}),
    ...(typeof action.timeout_ms === "number" ? { timeout_ms: action.timeout_ms } : {}),
  };
}

/**
 * A `shell_command` call's arguments as `shell` arguments: its script run by the user's shell as a login shell,
 * `[<$SHELL or /bin/bash>, "-lc", script]` (the argv 0.58.0 shows in `exec_command_begin`); null when `command`
 * is not a string.
 */
export function shellCommandArguments(args: Record<string, unknown>): Record<string, unknown> | null {
  if (typeof args.command !== "string") return null;
  return { ...args, command: [process.env.SHELL || "/bin/bash", "-lc", args.command] };
}
