import { deltaEvent, endEvent, retainedText, type UnifiedExecEvent } from "./events.js";
import type { BackgroundInfo, UnifiedExecSession } from "./session.js";

/**
 * The exit code of a background terminal the client ended (`terminate`, `clean`): 0.166.0 reports -1, its end
 * being reported without waiting for the process (now and then it has the killed shell's 137 by then; -1 here).
 */
const ENDED_ON_REQUEST_EXIT_CODE = -1;

/** A background terminal as `thread/backgroundTerminals/list` shows it. */
export interface BackgroundTerminal {
  /** The exec_command call that started it (its command item's id). */
  itemId: string;
  /** The session id the model polls it with (0.166.0's process id). */
  processId: string;
  command: string;
  cwd: string;
}

/**
 * 0.166.0's background terminals: the commands its exec_command keeps running after the call returned (the kept
 * sessions of `modern` calls). Unlike 0.58.0, 0.166.0 tells the client when one ends on its own while no call polls
 * it (what it printed since the last poll, then its end), and lets the client list, terminate and clean them.
 * Works on the manager's map of kept sessions, keyed by session id.
 */
export class BackgroundTerminals {
  constructor(private readonly sessions: Map<number, UnifiedExecSession>) {}

  /** Watches kept session `id`: an end that no call collects goes to `info.onEnd`, and the session is dropped. */
  watch(id: number, session: UnifiedExecSession, info: BackgroundInfo): void {
    session.background = info;
    void session.waitForExit().then(() => {
      if (session.polls > 0 || this.sessions.get(id) !== session) return;
      this.sessions.delete(id);
      report(session);
    });
  }

  /** The running background terminals, by process id (0.166.0's order). */
  list(): BackgroundTerminal[] {
    const running: BackgroundTerminal[] = [];
    for (const [id, s] of this.sessions) {
      if (!s.background || s.hasExited) continue;
      running.push({
        itemId: s.callId,
        processId: String(id),
        command: s.background.command,
        cwd: s.background.cwd,
      });
    }
    return running.sort((a, b) => Number(a.processId) - Number(b.processId));
  }

  /** Kills background terminal `id`; false when there is no such running one. Its end is reported once it exits. */
  terminate(id: number): boolean {
    const session = this.sessions.get(id);
    if (!session?.background || session.hasExited) return false;
    this.end(id, session);
    return true;
  }

  /** Kills every background terminal. */
  clean(): void {
    for (const [id, session] of [...this.sessions]) if (session.background) this.end(id, session);
  }

  /**
   * Kills it and reports its end right after the request's answer (0.166.0's order). Also how a background
   * terminal ended to make room for a new session ends: its command item must still complete for the client.
   */
  end(id: number, session: UnifiedExecSession): void {
    this.sessions.delete(id);
    session.kill();
    setImmediate(() => report(session, ENDED_ON_REQUEST_EXIT_CODE));
  }
}

/** Tells the session's listener what it printed since the last poll (when anything) and that it ended. */
function report(session: UnifiedExecSession, exitCode?: number): void {
  const shown = retainedText(session.output.take());
  const events: UnifiedExecEvent[] = [];
  if (shown !== "") events.push(deltaEvent(session.callId, shown));
  events.push(endEvent(session, shown, exitCode));
  session.background?.onEnd?.(events);
}
