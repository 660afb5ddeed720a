import { ForkError, writeFork } from "./fork.js";
import type { RolloutItem } from "./line.js";
import type { StoreContext, ThreadTarget } from "./lookup.js";
import { isUuid } from "./paths.js";
import type { StoreThreads } from "./store-threads.js";
import { indexTurns, openRollout, type TurnIndexInfo, turnById, turnsPage } from "./turn-index.js";
import type { TurnRecord } from "./turn-scan.js";

export interface TurnPageQuery {
  /** Turns skipped (by position, in `direction`). Default 0. */
  offset?: number;
  /** Default: all. */
  limit?: number;
  /** `asc` (default): oldest first. */
  direction?: "asc" | "desc";
}

/** A page of a thread's turns, with what identifies the bytes their offsets point into. */
export interface TurnIndexPage extends TurnIndexInfo {
  threadId: string;
  /** The rollout (real path); read its turns with `SessionsStore.readLines(path, turn, generation)`. */
  path: string;
  turns: TurnRecord[];
}

export interface ForkRequest {
  source: ThreadTarget;
  /** Keep turns up to and including this one. */
  lastTurnId?: string;
  /** Keep turns before this one. Neither: every complete line of the source. */
  beforeTurnId?: string;
  /** The new thread's id and start (default now). */
  id: string;
  startedAt?: Date;
  /** session_meta fields the fork changes (cwd, model_provider, …). */
  meta?: Record<string, unknown>;
  /** Records appended after the copied history (e.g. an interruption of the turn the fork cut). */
  append?: readonly RolloutItem[];
}

export interface ForkResult {
  id: string;
  path: string;
  /** The last turn copied (null when none was): `status` tells whether the fork cut it in the middle. */
  lastTurn: TurnRecord | null;
}

/** The turn index, line ranges and forks: the history half of `SessionsStore`. */
export class StoreTurns {
  /** One indexing pass per rollout at a time: concurrent callers share it. */
  private readonly scans = new Map<string, Promise<TurnIndexInfo>>();

  constructor(
    private readonly ctx: StoreContext,
    private readonly threads: StoreThreads,
  ) {}

  /**
   * A page of a thread's turns. The rollout is indexed first when it is new or changed: a full streaming pass
   * the first time, then only the bytes appended since (see turn-index.ts).
   */
  async turns(target: ThreadTarget, page: TurnPageQuery = {}): Promise<TurnIndexPage> {
    const { path, name, id } = await this.threads.resolve(target);
    const info = await this.index(name, path);
    const idx = this.requireIndex();
    return { ...info, threadId: id, path, turns: turnsPage(idx, name, page) };
  }

  private requireIndex() {
    const idx = this.ctx.index();
    if (!idx) throw new Error("the sessions index is unavailable (better-sqlite3 could not be loaded)");
    return idx;
  }

  private index(name: string, path: string): Promise<TurnIndexInfo> {
    const running = this.scans.get(name);
    if (running) return running;
    const idx = this.requireIndex();
    const scan = (async () => {
      const handle = await openRollout(path);
      try {
        return await indexTurns(idx, name, handle);
      } finally {
        await handle.close();
      }
    })().finally(() => this.scans.delete(name));
    this.scans.set(name, scan);
    return scan;
  }

  /** Drops a rollout's turn index (it was found changed): the next `turns` scans it from the start. */
  forget(name: string): void {
    const idx = this.ctx.index();
    idx?.write(() => {
      idx.stmt("DELETE FROM turns WHERE name = ?").run(name);
      idx.stmt("DELETE FROM turn_files WHERE name = ?").run(name);
    });
  }

  /** Forks a thread at a turn boundary into a new rollout of its own (see fork.ts for why it copies). */
  async fork(r: ForkRequest): Promise<ForkResult> {
    if (!isUuid(r.id)) throw new ForkError(`invalid thread id for the fork: ${r.id}`);
    const { path, name, id } = await this.threads.resolve(r.source);
    const info = await this.index(name, path);
    const idx = this.requireIndex();
    const find = (turnId: string) => {
      const t = turnById(idx, name, turnId);
      if (!t) throw new ForkError(`turn ${turnId} not found in thread ${id}`);
      return t;
    };
    let end = info.indexedBytes;
    let lastTurn: TurnRecord | null = turnsPage(idx, name, { direction: "desc", limit: 1 })[0] ?? null;
    if (r.lastTurnId !== undefined) {
      lastTurn = find(r.lastTurnId);
      end = lastTurn.endOffset;
    } else if (r.beforeTurnId !== undefined) {
      const before = find(r.beforeTurnId);
      end = before.startOffset;
      lastTurn =
        before.seq > 0 ? (turnsPage(idx, name, { offset: before.seq - 1, limit: 1 })[0] ?? null) : null;
    }
    const forked = await writeFork(
      this.ctx.codexHome,
      { path, generation: info.generation, endOffset: end },
      {
        id: r.id,
        startedAt: r.startedAt ?? new Date(),
        ...(r.meta ? { meta: r.meta } : {}),
        ...(r.append ? { append: r.append } : {}),
        resolveBase: async (threadId) => {
          const found = await this.threads.resolve({ threadId }).catch(() => null);
          return found?.path ?? null;
        },
      },
    );
    this.threads.moved(null, forked);
    return { id: r.id, path: forked, lastTurn };
  }
}
