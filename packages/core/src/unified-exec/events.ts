import type { ExecCommandEndEvent, ExecCommandOutputDeltaEvent } from "@codex-ts/app-server-protocol";
import { approxTokenCount } from "../tools/truncate-0166.js";
import type { TakenOutput } from "./output-buffer.js";

export type UnifiedExecEvent =
  | ({ type: "exec_command_end" } & ExecCommandEndEvent)
  | ({ type: "exec_command_output_delta" } & ExecCommandOutputDeltaEvent);

/** What an end event tells of a session (a `UnifiedExecSession`). */
export interface EndedSession {
  readonly callId: string;
  readonly startedAt: number;
  readonly exitCode: number | null;
}

/** The session's end: `output` is what this call (or the background end) shows; `exitCode` overrides its own. */
export function endEvent(session: EndedSession, output: string, exitCode?: number): UnifiedExecEvent {
  const ms = performance.now() - session.startedAt;
  const secs = Math.floor(ms / 1000);
  return {
    type: "exec_command_end",
    call_id: session.callId,
    stdout: output,
    stderr: "",
    aggregated_output: output,
    exit_code: exitCode ?? session.exitCode ?? -1,
    duration: { secs, nanos: Math.min(999_999_999, Math.round((ms - secs * 1000) * 1e6)) },
    formatted_output: output,
  };
}

/** 0.58.0 sends the call's whole (cut) output as one delta after the call, not while the command runs. */
export function deltaEvent(callId: string, output: string): UnifiedExecEvent {
  return {
    type: "exec_command_output_delta",
    call_id: callId,
    stream: "stdout",
    chunk: Buffer.from(output, "utf8").toString("base64"),
  };
}

/** What the buffer kept of an output: all of it, or its head and tail around a count of what was dropped. */
export function retainedText(taken: TakenOutput): string {
  if (!taken.dropped) return taken.head;
  const kept = Buffer.byteLength(taken.head, "utf8") + Buffer.byteLength(taken.tail, "utf8");
  return `${taken.head}…${approxTokenCount(taken.totalBytes - kept)} tokens truncated…${taken.tail}`;
}
