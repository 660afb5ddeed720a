import type { AgentThreadHost } from "./host.js";
import { type AgentLimits, DEFAULT_AGENT_LIMITS } from "./limits.js";
import { nickname } from "./nicknames.js";
import { type AgentStatus, isFinal } from "./status.js";

/** One agent thread spawned under the root thread. */
export interface AgentEntry {
  threadId: string;
  parentThreadId: string;
  depth: number;
  nickname: string;
  status: AgentStatus;
}

/**
 * The agents of one root thread (its spawned threads at every depth): which are open, their statuses, and who waits
 * for them. An agent counts toward `maxThreads` from its spawn until it is closed, completed or not (0.166.0's
 * rule). A closed agent is forgotten (`not_found` to every tool but `resume_agent`) but remembered as closed, so it
 * can be resumed.
 */
export class AgentRegistry {
  private readonly open = new Map<string, AgentEntry>();
  private readonly closed = new Map<string, AgentEntry>();
  private readonly waiters = new Set<() => void>();
  /** One-shot listeners for an agent's first final status (the parent's `<subagent_notification>`). */
  private readonly completionWatchers = new Map<string, (status: AgentStatus) => void>();
  private spawned = 0;

  constructor(
    readonly host: AgentThreadHost,
    readonly limits: AgentLimits = DEFAULT_AGENT_LIMITS,
  ) {}

  /** Whether another agent may be opened now. */
  hasRoom(): boolean {
    return this.open.size < this.limits.maxThreads;
  }

  /** The next agent's nickname. */
  nextNickname(): string {
    return nickname(this.spawned++);
  }

  /** Registers a spawned (or resumed) agent as open, pending its first turn. */
  add(entry: Omit<AgentEntry, "status">): AgentEntry {
    const added = { ...entry, status: { kind: "pending_init" } as AgentStatus };
    this.closed.delete(entry.threadId);
    this.open.set(entry.threadId, added);
    this.changed();
    return added;
  }

  get(threadId: string): AgentEntry | undefined {
    return this.open.get(threadId);
  }

  /** The status of `threadId` (`not_found` when it is not open). */
  status(threadId: string): AgentStatus {
    return this.open.get(threadId)?.status ?? { kind: "not_found" };
  }

  /** The host reports an agent's progress (a turn started, completed, failed, was interrupted). */
  update(threadId: string, status: AgentStatus): void {
    const entry = this.open.get(threadId);
    if (!entry) return;
    entry.status = status;
    this.changed();
  }

  /** Forgets an open agent as closed (resumable); its entry as it was, or undefined when it was not open. */
  markClosed(threadId: string): AgentEntry | undefined {
    const entry = this.open.get(threadId);
    if (!entry) return undefined;
    this.open.delete(threadId);
    this.closed.set(threadId, { ...entry, status: { kind: "shutdown" } });
    this.changed();
    return entry;
  }

  /** A closed agent's entry, for `resume_agent`. */
  closedEntry(threadId: string): AgentEntry | undefined {
    return this.closed.get(threadId);
  }

  /** The open agents, for closing them all with the root thread. */
  openIds(): string[] {
    return [...this.open.keys()];
  }

  /**
   * Waits until one of `ids` has a final status, or `timeoutMs` passes, or `signal` aborts; resolves with the final
   * statuses at that moment (none when it timed out).
   */
  async waitAny(
    ids: readonly string[],
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<{ statuses: Map<string, AgentStatus>; timedOut: boolean }> {
    const finals = () => {
      const found = new Map<string, AgentStatus>();
      for (const id of ids) {
        const s = this.status(id);
        if (isFinal(s)) found.set(id, s);
      }
      return found;
    };
    const now = finals();
    if (now.size > 0 || signal.aborted) return { statuses: now, timedOut: false };
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (timedOut: boolean) => {
        this.waiters.delete(check);
        signal.removeEventListener("abort", aborted);
        if (timer) clearTimeout(timer);
        resolve({ statuses: timedOut ? new Map() : finals(), timedOut });
      };
      const check = () => {
        if (finals().size > 0) done(false);
      };
      const aborted = () => done(false);
      this.waiters.add(check);
      signal.addEventListener("abort", aborted, { once: true });
      timer = setTimeout(() => done(true), timeoutMs);
    });
  }

  /**
   * Calls `notify` once, when agent `threadId` next has (or already has) a final status, closed included: 0.166.0
   * watches each spawned or resumed agent so, to tell its parent.
   */
  watchCompletion(threadId: string, notify: (status: AgentStatus) => void): void {
    this.completionWatchers.set(threadId, notify);
    this.checkCompletions();
  }

  private checkCompletions(): void {
    for (const [id, notify] of [...this.completionWatchers]) {
      const status = this.open.get(id)?.status ?? this.closed.get(id)?.status;
      if (!status || !isFinal(status)) continue;
      this.completionWatchers.delete(id);
      notify(status);
    }
  }

  private changed(): void {
    this.checkCompletions();
    for (const check of [...this.waiters]) check();
  }
}
