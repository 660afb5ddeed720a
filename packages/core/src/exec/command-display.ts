/**
 * Commands as events show them. A model may send a command of any size (a 50 MB argument is a valid JSON string);
 * the events that echo it — `exec_command_begin`, `exec_approval_request`, `parsed_cmd`, the v2 command item —
 * get a bounded copy, so one oversize call cannot multiply into hundreds of megabytes of notifications. The command
 * that runs is never changed.
 */

/** Characters of a command shown in events, all arguments together. */
export const COMMAND_DISPLAY_MAX_CHARS = 16 * 1024;
/** Arguments of a command shown in events. */
export const COMMAND_DISPLAY_MAX_ARGS = 256;

/** `text` cut to at most `max` characters (plus a marker saying how many were left out); unchanged when it fits. */
export function truncateForDisplay(text: string, max = COMMAND_DISPLAY_MAX_CHARS): string {
  if (text.length <= max) return text;
  let cut = Math.max(0, max);
  // Never split a surrogate pair.
  const code = text.charCodeAt(cut - 1);
  if (cut > 0 && code >= 0xd800 && code <= 0xdbff) cut--;
  return `${text.slice(0, cut)}…[${text.length - cut} more characters]`;
}

/**
 * `argv` as events show it: at most COMMAND_DISPLAY_MAX_ARGS arguments and COMMAND_DISPLAY_MAX_CHARS characters in
 * all; a cut argument ends with `…[N more characters]`, and dropped arguments are summed up in a last element
 * `…[N more arguments]`. Returns `argv` itself when it fits.
 */
export function truncateCommandForDisplay(argv: readonly string[]): string[] {
  let total = 0;
  for (const arg of argv) total += arg.length;
  if (argv.length <= COMMAND_DISPLAY_MAX_ARGS && total <= COMMAND_DISPLAY_MAX_CHARS) return [...argv];
  const out: string[] = [];
  let budget = COMMAND_DISPLAY_MAX_CHARS;
  for (const arg of argv) {
    if (out.length === COMMAND_DISPLAY_MAX_ARGS || budget <= 0) break;
    const shown = truncateForDisplay(arg, budget);
    out.push(shown);
    budget -= Math.min(arg.length, budget);
  }
  if (out.length < argv.length) out.push(`…[${argv.length - out.length} more arguments]`);
  return out;
}
