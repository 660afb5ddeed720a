import type { EventMsg } from "@codex-ts/app-server-protocol";
import { commandItem, endedCommand, type ItemOf0166, type ThreadItem0166 } from "./items-0166.js";
import { commandOutputDelta, type Notification0166 } from "./notifications-0166.js";

/** At most this many background commands are followed (far more than the core keeps: 64). */
const MAX_RUNNING = 256;

interface UnifiedExecCall {
  phase: string;
  callId: string;
  command: string[];
  processId: string | null;
}

/** The core's `unified_exec_command` extension event, read field by field (like `mcpProgress`); null otherwise. */
function unifiedExecCommand(msg: EventMsg): UnifiedExecCall | null {
  const raw: Record<string, unknown> = msg;
  if (raw.type !== "unified_exec_command" || !Array.isArray(raw.command)) return null;
  return {
    phase: String(raw.phase),
    callId: String(raw.call_id),
    command: raw.command.map(String),
    processId: typeof raw.process_id === "string" ? raw.process_id : null,
  };
}

/** What a core event means for the unified exec items (see `UnifiedExecItems0166.handle`). */
export type UnifiedExecStep =
  | { start: ItemOf0166<"commandExecution"> }
  /** A call whose item an approval started: its process now runs. */
  | { ran: string; processId: string | null }
  | { rejected: string }
  | "handled"
  | null;

/**
 * 0.166.0's unified exec command items: an `exec_command` of the `gpt-5.5` toolset starts its item once the
 * process runs, showing the shell's argv joined (`/bin/bash -lc 'echo hi'`), the process id and `source:
 * unifiedExecStartup`, with the command actions parsed from that argv. The core announces such a call before its
 * `exec_command_begin` (which then starts nothing), again with the process id once it runs, or as rejected when
 * the user refused it. An approval asked in between starts the item without a process id (the caller's part).
 */
export class UnifiedExecItems0166 {
  private readonly pending = new Map<string, { command: string[]; cwd: string }>();
  /**
   * Commands still running when their turn ended (0.166's background terminals), with that turn's id: their output
   * and end come later and are reported on that turn. Bounded: one killed by an interrupt never ends.
   */
  private readonly running = new Map<string, { item: ItemOf0166<"commandExecution">; turnId: string }>();

  /** Turn `turnId` ended with `open` items: its unified exec commands among them run on in the background. */
  turnEnded(turnId: string, open: Iterable<ThreadItem0166>): void {
    for (const item of open) {
      if (item.type !== "commandExecution" || item.source !== "unifiedExecStartup") continue;
      this.running.set(item.id, { item, turnId });
      if (this.running.size > MAX_RUNNING) this.running.delete(this.running.keys().next().value as string);
    }
  }

  /**
   * A background command's output or end, as 0.166.0 reports them on the turn that started it, whenever they come
   * (its end also forgets it); null for an event of no background command.
   */
  background(msg: EventMsg, threadId: string, now: number): Notification0166[] | null {
    if (msg.type !== "exec_command_output_delta" && msg.type !== "exec_command_end") return null;
    const entry = this.running.get(msg.call_id);
    if (!entry) return null;
    if (msg.type === "exec_command_output_delta")
      return [commandOutputDelta(threadId, entry.turnId, msg.call_id, msg.chunk)];
    this.running.delete(msg.call_id);
    const item = { ...endedCommand(entry.item, msg), completedAtMs: now };
    return [
      { method: "item/completed", params: { item, threadId, turnId: entry.turnId, completedAtMs: now } },
    ];
  }

  /**
   * The item to start for a core event (`{ start }`), the call whose command the user refused (`{ rejected }`:
   * its item completes as declined), `"handled"` for an event consumed with nothing to send, null for an event
   * this class does not take.
   */
  handle(msg: EventMsg): UnifiedExecStep {
    const call = unifiedExecCommand(msg);
    if (call) return this.step(call);
    if (msg.type !== "exec_command_begin") return null;
    const pending = this.pending.get(msg.call_id);
    if (!pending) return null;
    pending.cwd = msg.cwd;
    return "handled";
  }

  private step(call: UnifiedExecCall): UnifiedExecStep {
    if (call.phase === "announced") {
      this.pending.set(call.callId, { command: call.command, cwd: "" });
      return "handled";
    }
    if (call.phase === "started") {
      const item = this.item(call.callId, call.processId);
      return item ? { start: item } : { ran: call.callId, processId: call.processId };
    }
    if (call.phase === "rejected") {
      this.pending.delete(call.callId);
      return { rejected: call.callId };
    }
    return "handled";
  }

  /**
   * The item of an announced call not started yet (`processId` null: the process has not started; `cwd` the
   * approval's, when the call has not begun yet); null else. `source` is `agent` for the item an approval starts:
   * 0.166.0 shows the request's placeholder item until the process runs (then `unifiedExecStartup`, see `ran`),
   * and a refused command stays `agent` — codex-acp names the tool call (`exec_command`) only once it ran.
   */
  item(
    callId: string,
    processId: string | null,
    cwd = "",
    source: "agent" | "unifiedExecStartup" = "unifiedExecStartup",
  ): ItemOf0166<"commandExecution"> | null {
    const call = this.pending.get(callId);
    if (!call) return null;
    this.pending.delete(callId);
    return {
      ...commandItem({
        id: callId,
        command: call.command,
        cwd: call.cwd || cwd,
        status: "inProgress",
      }),
      processId,
      source,
    };
  }
}
