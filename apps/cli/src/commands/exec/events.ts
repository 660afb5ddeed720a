import type { EventMsg } from "@codex-ts/app-server-protocol";

/** One core event as a v1 `codex/event/*` notification carries it. */
export type ExecEvent = EventMsg;
export type EventOf<T extends EventMsg["type"]> = Extract<EventMsg, { type: T }>;

/** Narrows a notification's `msg` (our own server sent it, so the type tag is all that needs checking). */
export function isEventMsg(value: unknown): value is EventMsg {
  return (
    typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string"
  );
}

/** Whether an MCP tool call ended in success: an `Ok` result that is not flagged as an error. */
export function mcpCallSucceeded(result: EventOf<"mcp_tool_call_end">["result"]): boolean {
  if (typeof result !== "object" || result === null || !("Ok" in result)) return false;
  const ok = result.Ok as { isError?: boolean | null } | null | undefined;
  return ok?.isError !== true;
}

/** What an output format is told about a session before its first turn. */
export interface SessionInfo {
  sessionId: string;
  prompt: string;
  model: string;
  provider: string;
  cwd: string;
  approval: string;
  sandbox: string;
  reasoningEffort: string | null;
  reasoningSummary: string;
}

/** An output format of `codex exec`: human text on stderr, or JSONL on stdout. */
export interface ExecOutput {
  sessionStarted(info: SessionInfo): void;
  event(msg: EventMsg): void;
  /** The turn was interrupted (Ctrl-C) and has ended. */
  interrupted(): void;
  /** The agent's last message, for stdout (human output) and `-o`. */
  lastMessage(): string | null;
  /** Whether the turn failed (an `error` event); the exit status follows it. */
  failed(): boolean;
}
