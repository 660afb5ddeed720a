import type { EventMsg, ParsedCommand } from "@codex-ts/app-server-protocol";
import { commandItem, type ItemOf0166 } from "./items-0166.js";

/** The core's `unified_exec_command` extension event, read field by field (like `mcpProgress`); null otherwise. */
function unifiedExecCommand(
  msg: EventMsg,
): { callId: string; command: string[]; parsed: ParsedCommand[]; processId: string | null } | null {
  const raw: Record<string, unknown> = msg;
  if (raw.type !== "unified_exec_command" || !Array.isArray(raw.command)) return null;
  return {
    callId: String(raw.call_id),
    command: raw.command.map(String),
    parsed: Array.isArray(raw.parsed_cmd) ? (raw.parsed_cmd as ParsedCommand[]) : [],
    processId: typeof raw.process_id === "string" ? raw.process_id : null,
  };
}

/**
 * 0.166.0's unified exec command items: an `exec_command` of the `gpt-5.5` toolset starts its item once the
 * process runs, showing the shell's argv joined (`/bin/bash -lc 'echo hi'`), the process id and `source:
 * unifiedExecStartup`, with the command actions parsed from that argv. The core announces such a call before its
 * `exec_command_begin` (which then starts nothing) and again with the process id; an approval asked in between
 * starts the item without a process id.
 */
export class UnifiedExecItems0166 {
  private readonly pending = new Map<string, { command: string[]; parsed: ParsedCommand[]; cwd: string }>();

  /**
   * The item to start for a core event (`{ start }`), `"handled"` for an event consumed with nothing to send,
   * null for an event this class does not take. An approval asked before the process starts is the caller's:
   * it starts the item with `item(callId, null)`.
   */
  handle(msg: EventMsg): { start: ItemOf0166<"commandExecution"> } | "handled" | null {
    const announced = unifiedExecCommand(msg);
    if (announced) {
      if (announced.processId === null) {
        this.pending.set(announced.callId, { command: announced.command, parsed: announced.parsed, cwd: "" });
        return "handled";
      }
      const item = this.item(announced.callId, announced.processId);
      return item ? { start: item } : "handled";
    }
    if (msg.type !== "exec_command_begin") return null;
    const call = this.pending.get(msg.call_id);
    if (!call) return null;
    call.cwd = msg.cwd;
    return "handled";
  }

  /** The item of an announced call not started yet (`processId` null: the process has not started); null else. */
  item(callId: string, processId: string | null): ItemOf0166<"commandExecution"> | null {
    const call = this.pending.get(callId);
    if (!call) return null;
    this.pending.delete(callId);
    return {
      ...commandItem({
        id: callId,
        command: call.command,
        cwd: call.cwd,
        parsed: call.parsed,
        status: "inProgress",
      }),
      processId,
      source: "unifiedExecStartup",
    };
  }
}
