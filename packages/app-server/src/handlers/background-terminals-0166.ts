import { invalidRequest, type Protocol0166 } from "@codex-ts/app-server-protocol";
import type { Handlers } from "../handler.js";
import type { ThreadRegistry } from "../threads/registry.js";

type Methods =
  | "thread/backgroundTerminals/list"
  | "thread/backgroundTerminals/terminate"
  | "thread/backgroundTerminals/clean";

/**
 * A loaded thread's background terminals (experimental): the commands the model's exec_command left running after
 * its call returned (`gpt-5.5`'s unified exec sessions), as 0.166.0 lists them — by process id, `limit` at least 1,
 * `cursor` the last process id of the previous page — and ends them: `terminate` one (false when it is not a
 * running one), `clean` all. Each end completes the command's item on the turn that started it. codex-acp 2.6.0
 * lists and terminates them when the user closes a session.
 */
export function createBackgroundTerminalHandlers0166(
  registry: ThreadRegistry,
): Handlers<Protocol0166, Methods> {
  return {
    "thread/backgroundTerminals/list"(p) {
      const terminals = registry.require(p.threadId).conversation.backgroundTerminals.list();
      const after = p.cursor == null ? null : parseRustInt(p.cursor, "invalid cursor");
      const rest = after === null ? terminals : terminals.filter((t) => Number(t.processId) > after);
      const limit = p.limit == null ? rest.length : Math.max(1, p.limit);
      const page = rest.slice(0, limit);
      const data = page.map((t) => ({ ...t, osPid: null, cpuPercent: null, rssKb: null }));
      return { data, nextCursor: rest.length > limit ? (page.at(-1)?.processId ?? null) : null };
    },
    "thread/backgroundTerminals/terminate"(p) {
      const thread = registry.require(p.threadId);
      const id = parseRustInt(p.processId, "invalid background terminal process id");
      return { terminated: thread.conversation.backgroundTerminals.terminate(id) };
    },
    "thread/backgroundTerminals/clean"(p) {
      registry.require(p.threadId).conversation.backgroundTerminals.clean();
      return {};
    },
  };
}

/** 0.166.0 reads process ids as Rust's `i32`, and refuses others in `str::parse`'s words, after `context: `. */
function parseRustInt(text: string, context: string): number {
  const m = /^([+-]?)(\d+)$/.exec(text);
  if (!m) {
    const why = text === "" ? "cannot parse integer from empty string" : "invalid digit found in string";
    throw invalidRequest(`${context}: ${why}`);
  }
  const value = Number(text);
  if (value > 2 ** 31 - 1) throw invalidRequest(`${context}: number too large to fit in target type`);
  if (value < -(2 ** 31)) throw invalidRequest(`${context}: number too small to fit in target type`);
  return value;
}
