import { existsSync } from "node:fs";
import {
  invalidRequest,
  type Protocol0166,
  type ProtocolPeer,
  parseUuid,
} from "@codex-ts/app-server-protocol";
import type { ExecPolicyStore, GoalStore, QueueStore, ThreadStateStore } from "@codex-ts/core";
import type { OpenedConversation } from "../conversations.js";
import { OpeningRollouts } from "../opening-rollouts.js";
import { GoalDriver } from "./goal-driver.js";
import { LoadedThread, type ThreadMeta } from "./loaded-thread.js";
import { QueueDriver } from "./queue-driver.js";
import { QueueWatcher } from "./queue-watcher.js";
import type { ThreadSettings0166 } from "./settings.js";
import { ThreadWriteLocks } from "./thread-write-locks.js";

/** A 0.166 thread id as the handlers read it: 0.166.0's `invalid thread id: <uuid parser message>` otherwise. */
export function parseThreadId(raw: string): string {
  try {
    return parseUuid(raw);
  } catch (err) {
    throw invalidRequest(`invalid thread id: ${(err as Error).message}`);
  }
}

/**
 * The loaded 0.166 threads: of one connection (stdio), or shared by every connection of a listening server, whose
 * threads each send through their own channel to the connections following them (`peer` as a function of the
 * thread id). Unknown ids get 0.166.0's `thread not found: <id>`.
 */
export class ThreadRegistry {
  private readonly threads = new Map<string, LoadedThread>();
  /** Resumes in flight: one per rollout for every connection that shares these threads. */
  readonly opening = new OpeningRollouts<LoadedThread>();
  /** What archives, unarchives, deletes or reopens a thread's rollout, one at a time per thread. */
  readonly writers = new ThreadWriteLocks();
  /** The thread goals of the server's CODEX_HOME (none without one). */
  goals: GoalStore | undefined;
  /** The attachments, read receipts and memory modes of the server's CODEX_HOME (none without one). */
  threadState: ThreadStateStore | undefined;
  /** The memory summary of the server's CODEX_HOME, whose presence a thread notes when loaded (none without one). */
  memorySummaryPath: string | undefined;
  /** The threads' queued messages of the server's CODEX_HOME (none without one; see `useQueue`). */
  queue: QueueStore | undefined;
  private queueWatcher: QueueWatcher | undefined;
  /** The rules files of the server's CODEX_HOME ("always allow" writes there; none without one). */
  execPolicy: ExecPolicyStore | undefined;
  private readonly removeListeners: Array<(id: string) => void> = [];

  constructor(
    private readonly peer: ProtocolPeer<Protocol0166> | ((threadId: string) => ProtocolPeer<Protocol0166>),
    readonly log: (message: string) => void = () => {},
  ) {}

  /** Registers an opened conversation as a thread and starts following its events. */
  add(opened: OpenedConversation, settings: ThreadSettings0166, meta: ThreadMeta): LoadedThread {
    const peer = typeof this.peer === "function" ? this.peer(opened.conversationId) : this.peer;
    const thread = new LoadedThread(opened, peer, settings, meta, this.log, this.execPolicy);
    if (this.goals && !meta.ephemeral) thread.goals = new GoalDriver(thread, this.goals, this.log);
    // 0.166.0 selects the memories a thread is given when it loads: a summary written later is not its own.
    if (this.memorySummaryPath) thread.hadMemorySummary = existsSync(this.memorySummaryPath);
    const state = this.threadState;
    if (state && !meta.ephemeral)
      thread.turnCompletedReadState = (turnId) => {
        try {
          return state.readReceipts.turnCompleted(thread.id, turnId);
        } catch (err) {
          this.log(`thread ${thread.id}: read state not recorded: ${(err as Error).message}`);
          return null;
        }
      };
    if (this.queue && !meta.ephemeral) thread.queue = new QueueDriver(thread, this.queue, this.log);
    this.threads.set(thread.id, thread);
    thread.listen();
    return thread;
  }

  get(id: string): LoadedThread | undefined {
    return this.threads.get(id);
  }

  /** The loaded thread `rawId` names, or 0.166.0's errors. */
  require(rawId: string): LoadedThread {
    const id = parseThreadId(rawId);
    const thread = this.threads.get(id);
    if (!thread) throw invalidRequest(`thread not found: ${id}`);
    return thread;
  }

  /** The ids of the loaded threads. */
  ids(): string[] {
    return [...this.threads.keys()];
  }

  /** Stops following a thread and forgets it (it is unloaded); the thread, or undefined when it was not loaded. */
  remove(id: string): LoadedThread | undefined {
    const thread = this.threads.get(id);
    if (!thread) return undefined;
    this.threads.delete(id);
    thread.close();
    for (const listener of this.removeListeners) listener(id);
    return thread;
  }

  /**
   * Stops following a thread for a reload (`thread/revert`): as `remove`, but whoever follows it keeps following it
   * (the remove listeners are not told), since the same thread is added again right after.
   */
  detachForReload(id: string): LoadedThread | undefined {
    const thread = this.threads.get(id);
    if (!thread) return undefined;
    this.threads.delete(id);
    thread.close();
    return thread;
  }

  /** Calls `listener` with the id of every thread unloaded from now on (a listening server forgets its followers). */
  onRemove(listener: (id: string) => void): void {
    this.removeListeners.push(listener);
  }

  /** Keeps the threads' queued messages in `store`, and watches it for other processes' changes. */
  useQueue(store: QueueStore): void {
    this.queue = store;
    this.queueWatcher ??= new QueueWatcher(store, () => this.threads.values(), this.log);
    this.queueWatcher.start();
  }

  /** Forgets a deleted thread's queued messages; a queue database failure is logged and fails nothing else. */
  dropQueue(id: string): void {
    try {
      this.queue?.deleteThread(id);
    } catch (err) {
      this.log(`queued messages of deleted thread ${id} were kept: ${(err as Error).message}`);
    }
  }

  /** Stops following every thread (connection shutdown). */
  closeAll(): void {
    this.queueWatcher?.stop();
    for (const t of this.threads.values()) t.close();
    this.threads.clear();
  }
}
