import { existsSync, realpathSync } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { archiveRollout } from "./archive.js";
import { confineRolloutPath } from "./confine.js";
import { continuationsOf, currentRollout } from "./continuations.js";
import { readInitialMessages } from "./events.js";
import { pageFromFiles, suitsFiles, threadPageFromFiles } from "./first-page.js";
import { readHead } from "./head.js";
import { type LoadedRollout, loadRollout, RolloutLoadError } from "./history.js";
import type { HistoryLine, HistoryReadQuery } from "./history-lines.js";
import { IndexDb } from "./index-db.js";
import { putContinuations } from "./index-tips.js";
import { initialMessagesOf } from "./initial-messages.js";
import { ROLLOUT_MAX_BYTES } from "./limits.js";
import type { GitInfo, HistoryMode, SessionMetaPayload } from "./line.js";
import { type ListPage, type ListQuery, listSessions } from "./list.js";
import type { ThreadTarget } from "./lookup.js";
import { type NativePointing, type PointingReports, pointNativeThreadAt } from "./native-state.js";
import { isNormalRelative, parseContinuationFileName, rolloutPathFor, SESSIONS_SUBDIR } from "./paths.js";
import { createRecorder, type RolloutRecorder, reopenRecorder } from "./recorder.js";
import type { DeferredResume, ResumeLoad, ResumeLoadOptions } from "./resume.js";
import { continuationIndexEntry, startContinuation } from "./revert.js";
import { type RolloutLineAt, type RolloutRange, readRolloutRange } from "./rollout-read.js";
import { StoreThreads } from "./store-threads.js";
import type { TurnIndexPage, TurnPageQuery } from "./store-turns.js";
import { type ForkRequest, type ForkResult, StoreTurns } from "./store-turns.js";
import { type SessionSummary, summaryFromHead } from "./summary.js";
import type {
  ThreadPage,
  ThreadQuery,
  ThreadSearchPage,
  ThreadSearchQuery,
  ThreadSummary,
} from "./thread-list.js";
import { RolloutChangedError } from "./turn-index.js";
import type { TurnListPage, TurnListQuery } from "./turn-pages.js";

/** What a new conversation records in its session_meta line. */
export interface SessionMetaInput {
  id: string;
  cwd: string;
  originator: string;
  cliVersion: string;
  instructions: string | null;
  source: unknown;
  modelProvider: string;
  git?: GitInfo;
  /** Session start; defaults to now. */
  startedAt?: Date;
  /** 0.166's `threadSource` and `runtimeWorkspaceRoots`, recorded as 0.166.0 records them (when given). */
  threadSource?: string;
  runtimeWorkspaceRoots?: string[];
}

export interface SessionsStoreOptions {
  /**
   * Keep the sessions index in `CODEX_HOME/sessions-index.sqlite` (default true). Without it, `list` reads the
   * files (Codex's own walk) and the turn index and `listThreads` use an index in memory for this process.
   */
  index?: boolean;
  /**
   * How long (ms) an `updated_at` listing trusts its last check of every folder and file mtime before it starts
   * another in the background (default 10 000). Appends by other processes to sessions outside the newest day
   * folders move up in that order once such a check has seen them.
   */
  updatedCheckMs?: number;
}

/**
 * The on-disk session store under `CODEX_HOME` (see DESIGN.md and the core README). Rollout files are the source
 * of truth; the index caches their heads, names, folder listings and turn offsets, and every cached fact is
 * checked against the file system before it is served.
 * The file stays one class a little over 500 lines on purpose: it is the one facade every server path (v1, v2, 0.166)
 * reaches the store through, and its methods only hold the index and the confined paths together while the work
 * itself lives in modules of its own (list, turns, threads, fork, archive, revert).
 */
export class SessionsStore {
  readonly sessionsDir: string;
  private readonly useIndex: boolean;
  private db: IndexDb | null | undefined;
  private warming: NodeJS.Immediate | undefined;
  private readonly threads: StoreThreads;
  private readonly turnStore: StoreTurns;
  /** CODEX_HOME absolute and normalized, when it was given absolute (`keyOf`'s fast path); else null. */
  private readonly home: string | null;

  constructor(
    readonly codexHome: string,
    options: SessionsStoreOptions = {},
  ) {
    this.home = isAbsolute(codexHome) ? resolve(codexHome) : null;
    this.sessionsDir = join(codexHome, SESSIONS_SUBDIR);
    this.useIndex = options.index ?? true;
    const ctx = { codexHome, index: () => this.index(), keyOf: (p: string) => this.keyOf(p) };
    this.threads = new StoreThreads(ctx, options.updatedCheckMs);
    this.turnStore = new StoreTurns(ctx, this.threads);
  }

  /**
   * The index, opened on first use: the file (or, when it cannot be opened or `index: false`, one in memory);
   * null without CODEX_HOME (tried again next time) or without better-sqlite3.
   */
  private index(): IndexDb | null {
    if (this.db === undefined) {
      if (!existsSync(this.codexHome)) return null;
      this.db = this.useIndex ? IndexDb.open(this.codexHome) : IndexDb.memory();
    }
    return this.db?.isOpen ? this.db : null;
  }

  /** Releases the index file handle. The store stays usable (it reopens the index when needed). */
  close(): void {
    if (this.warming) clearImmediate(this.warming);
    this.warming = undefined;
    this.db?.close();
    this.db = undefined;
  }

  /** A path's key in the index: relative to CODEX_HOME (or its real path), `/`-separated. */
  private keyOf(path: string): string {
    // The store's own paths are normalized paths inside CODEX_HOME: their key is their tail, without `relative`
    // normalizing both paths again (see `joinNormalized`).
    const home = this.home;
    if (home !== null && path.startsWith(home) && path[home.length] === sep) {
      const tail = path.slice(home.length + 1);
      if (isNormalRelative(tail)) return sep === "/" ? tail : tail.split(sep).join("/");
    }
    let rel = relative(this.codexHome, path);
    if (rel.startsWith("..")) {
      try {
        rel = relative(realpathSync(this.codexHome), path);
      } catch {
        // keep the lexical one
      }
    }
    return rel.split(sep).join("/");
  }

  /** Creates the rollout file and writes the session_meta line at once, as Codex does. */
  createRecorder(meta: SessionMetaInput): Promise<RolloutRecorder> {
    const startedAt = meta.startedAt ?? new Date();
    const payload: SessionMetaPayload = {
      id: meta.id,
      timestamp: startedAt.toISOString(),
      cwd: meta.cwd,
      originator: meta.originator,
      cli_version: meta.cliVersion,
      instructions: meta.instructions,
      source: meta.source,
      model_provider: meta.modelProvider,
      ...(meta.git ? { git: meta.git } : {}),
      ...(meta.threadSource != null ? { thread_source: meta.threadSource } : {}),
      ...(meta.runtimeWorkspaceRoots ? { runtime_workspace_roots: meta.runtimeWorkspaceRoots } : {}),
    };
    const path = rolloutPathFor(this.codexHome, startedAt, meta.id);
    return createRecorder(path, { type: "session_meta", payload });
  }

  /**
   * Appends to an existing rollout (resume); no new session_meta is written. Like every method taking a client's
   * path, only a file inside `sessions/` or `archived_sessions/` (by real path) is accepted (`RolloutPathError`).
   */
  async resumeRecorder(path: string, mode: HistoryMode = "legacy"): Promise<RolloutRecorder> {
    const real = await confineRolloutPath(this.codexHome, path);
    // A thread 0.166.0 reverted goes on in its newest continuation (continuations.ts): its lines are appended there.
    const current = mode === "paginated" ? (await currentRollout(real)).path : real;
    return current === real ? reopenRecorder(path, real, mode) : reopenRecorder(current, current, mode);
  }

  /**
   * Codex 0.58.0's listing (see list.ts for the rules): newest first by file name, interactive sessions, provider
   * filter, `<timestamp>|<uuid>` cursors. Answered from the index after checking the day folders the page spans.
   */
  async list(query: ListQuery): Promise<ListPage> {
    if (!this.useIndex) return listSessions(this.sessionsDir, query);
    const page =
      this.firstRequest() && suitsFiles(query) ? await pageFromFiles(this.sessionsDir, query) : null;
    if (page) {
      this.warmSoon(() => this.threads.list(query));
      return page;
    }
    return this.threads.list(query);
  }

  /**
   * Whether the index is not open yet in this process (an editor's first request after spawn): opening it costs
   * more than a first page's own heads, so such a page comes from the files and the index opens right after.
   */
  private firstRequest(): boolean {
    return this.useIndex && this.db === undefined && !this.warming && existsSync(this.codexHome);
  }

  /** Opens the index after the current request is answered, and checks the folders of the page just served. */
  private warmSoon(work: () => Promise<unknown>): void {
    if (this.warming) return;
    this.warming = setImmediate(() => {
      work()
        .catch(() => undefined)
        .finally(() => {
          this.warming = undefined;
        });
    });
  }

  /** Resolves when background index work (the `updated_at` folder check) is done; for tests and shutdown. */
  settled(): Promise<void> {
    return this.threads.settled();
  }

  /** The 0.166 listing: more filters and orders, names, archived threads (see thread-list.ts). */
  async listThreads(query: ThreadQuery): Promise<ThreadPage> {
    // A first page after spawn, as `list` does: from the files when they can give the index's page (first-page.ts).
    const page = this.firstRequest() ? await threadPageFromFiles(this.codexHome, query) : null;
    if (page) {
      this.warmSoon(() => this.threads.listThreads(query));
      return page;
    }
    return this.threads.listThreads(query);
  }

  /** `thread/search`: listed threads whose messages hold a term, with snippets (store-threads.ts). */
  searchThreads(query: ThreadSearchQuery): Promise<ThreadSearchPage> {
    return this.threads.searchThreads(query, (files) => this.turnStore.firstTexts(files, query.searchTerm));
  }

  /** A turn of a thread by id, or null (store-turns.ts). */
  turnById(target: ThreadTarget, turnId: string) {
    return this.turnStore.turnById(target, turnId);
  }

  /**
   * `thread/revert` of a paginated thread (revert.ts): starts the continuation that keeps its history before turn
   * `turnId` and records it in the index; null when the thread's history has no such turn. The caller holds the
   * thread's write lock, with the thread unloaded (nothing else appends to it meanwhile).
   */
  async revertBefore(
    target: ThreadTarget,
    turnId: string,
    reports: PointingReports = {},
  ): Promise<{
    path: string;
    historyId: string;
    nativeState: NativePointing | null;
    nativeStateError: string | null;
  } | null> {
    const turn = await this.turnStore.turnById(target, turnId);
    if (!turn) return null;
    const first = await this.threads.resolve(target);
    const started = await startContinuation(this.codexHome, first.id, first.path, {
      path: turn.path,
      historyId: turn.sourceThreadId,
      startOffset: turn.startOffset,
      first: turn.position === 0,
    });
    const idx = this.index();
    const entry = continuationIndexEntry(this.keyOf(dirname(started.path)), started);
    if (idx && entry) putContinuations(idx, [entry]);
    // 0.166.0 resumes the thread from the rollout its state database names: the new continuation (native-state.ts;
    // a database 0.166.0 holds busy is updated later, off this request's path).
    let nativeState: NativePointing | null = null;
    let nativeStateError: string | null = null;
    try {
      nativeState = pointNativeThreadAt(this.codexHome, first.id, started.path, reports);
    } catch (err) {
      nativeStateError = (err as Error).message;
    }
    return { path: started.path, historyId: started.historyId, nativeState, nativeStateError };
  }

  /** A thread's turns whose messages hold a term, from a position on (store-turns.ts `turnsWithText`). */
  turnsWithText(target: ThreadTarget, term: string, from: number, limit: number) {
    return this.turnStore.turnsWithText(target, term, from, limit);
  }

  /** One thread as `listThreads` shows it (null when it has no rollout, or no summary yet). */
  readThread(target: ThreadTarget, defaultProvider: string): Promise<ThreadSummary | null> {
    return this.threads.readThread(target, defaultProvider);
  }

  /** The live rollout of a conversation id; archived sessions are not found (see store-threads.ts). */
  findPathById(id: string): Promise<string | null> {
    return this.threads.findPathById(id);
  }

  /** The archived rollout of a conversation id (`archived_sessions/`). */
  findArchivedPathById(id: string): Promise<string | null> {
    return this.threads.findArchivedPathById(id);
  }

  /**
   * The summary of one rollout; throws `RolloutPathError` for a path outside the sessions directories (before
   * touching it), the OS error or `FileReadError` when it cannot be read, or an error when it has no summary.
   */
  async readSummary(path: string, defaultProvider: string): Promise<SessionSummary> {
    path = await this.firstRolloutOf(path);
    const head = await readHead(await confineRolloutPath(this.codexHome, path));
    const summary = summaryFromHead(path, head, defaultProvider);
    if (!summary) throw new Error(`rollout ${path} has no session metadata or user message`);
    return summary;
  }

  /**
   * Where the thread whose rollout (first or continuation) is `path` is written now: its newest continuation when
   * 0.166.0 reverted it (continuations.ts), else `path`.
   */
  async currentRolloutOf(path: string): Promise<string> {
    return (await currentRollout(path)).path;
  }

  /**
   * The first rollout of the thread a continuation (continuations.ts) belongs to, where its identity and first
   * messages are; any other path as it is (also when that rollout is gone).
   */
  private async firstRolloutOf(path: string): Promise<string> {
    const continuation = parseContinuationFileName(basename(path));
    if (!continuation) return path;
    return (
      (await this.findPathById(continuation.threadId)) ??
      (await this.threads.findArchivedPathById(continuation.threadId)) ??
      path
    );
  }

  /** Moves a rollout to archived_sessions/; throws ArchiveError with the real server's messages. */
  async archive(
    conversationId: string,
    rolloutPath: string,
    beforeMove?: () => Promise<void>,
  ): Promise<string> {
    rolloutPath = await this.firstRolloutOf(rolloutPath);
    const from = await this.threads.keyOfExisting(rolloutPath);
    const archived = await archiveRollout(this.codexHome, conversationId, rolloutPath, beforeMove);
    this.threads.moved(from, archived);
    return archived;
  }

  /** Moves an archived rollout back to its day folder; `ArchiveError` ("no archived rollout found…"). */
  unarchive(threadId: string): Promise<string> {
    return this.threads.unarchive(threadId);
  }

  /** Deletes a rollout and its index rows (see store-threads.ts); returns the path deleted. */
  deleteThread(target: ThreadTarget): Promise<string> {
    return this.threads.deleteThread(target);
  }

  /** Names a thread (0.166.0's `session_index.jsonl`); an empty name clears it. */
  setThreadName(threadId: string, name: string): Promise<void> {
    return this.threads.setName(threadId, name);
  }

  /** A thread's name, or null. */
  threadName(threadId: string): Promise<string | null> {
    return this.threads.name(threadId);
  }

  /** A page of a thread's turns with their byte ranges, indexing the rollout first as needed (store-turns.ts). */
  turns(target: ThreadTarget, page: TurnPageQuery = {}): Promise<TurnIndexPage> {
    return this.turnStore.turns(target, page);
  }

  /**
   * Streams the lines of a byte range of a rollout (turns from `turns`), checked against its generation. A
   * rollout found changed (`RolloutChangedError`) has its turn index dropped, so the next `turns` scans it again.
   */
  readLines(path: string, range: RolloutRange, generation: string): AsyncGenerator<RolloutLineAt> {
    return this.lineReader()(path, range, generation);
  }

  /**
   * `readLines` for the turns of one page: each rollout is confined once for all the turns read from it, not once
   * per turn (a page of ten turns made ~80 path operations and 40 `realpath` calls, enough for V8 to optimize
   * Node's path normalization with TurboFan inside a first request: ~4 MiB more peak RSS for the process). Not to
   * be kept past the request: a path's confinement is as old as the reader.
   */
  lineReader(): (path: string, range: RolloutRange, generation: string) => AsyncGenerator<RolloutLineAt> {
    const confined = new Map<string, Promise<string>>();
    // Confined when a turn's lines are first iterated (as before), so a failure is always awaited by a reader.
    const confine = (path: string) => {
      let real = confined.get(path);
      if (!real) {
        real = confineRolloutPath(this.codexHome, path);
        confined.set(path, real);
      }
      return real;
    };
    return (path, range, generation) => this.readConfined(() => confine(path), range, generation);
  }

  private async *readConfined(
    confine: () => Promise<string>,
    range: RolloutRange,
    generation: string,
  ): AsyncGenerator<RolloutLineAt> {
    const real = await confine();
    try {
      yield* readRolloutRange(real, range, generation);
    } catch (err) {
      if (err instanceof RolloutChangedError) this.turnStore.forget(this.keyOf(real));
      throw err;
    }
  }

  /**
   * A page of a thread's turns with cursors (0.166.0's `thread/turns/list`): newest first by default, across the
   * history a fork by reference reads from its parent. Each turn says which rollout holds it (`path`,
   * `generation`) for `readLines`. `InvalidCursorError` for a cursor that is malformed, of another thread, or stale.
   */
  listTurns(target: ThreadTarget, query: TurnListQuery = {}): Promise<TurnListPage> {
    return this.turnStore.listTurns(target, query);
  }

  /**
   * The lines of a thread's turns, or of one turn, from a cursor, in either direction (what `thread/items/list`
   * pages are projected from; see history-lines.ts). Reads only the lines consumed.
   */
  readHistory(target: ThreadTarget, query: HistoryReadQuery = {}): AsyncGenerator<HistoryLine> {
    return this.turnStore.readHistory(target, query);
  }

  /** Forks a thread at a turn boundary into a new rollout, by copy or by reference (see fork.ts). */
  fork(request: ForkRequest): Promise<ForkResult> {
    return this.turnStore.fork(request);
  }

  /** A fork's records read into memory, not written (store-turns.ts `forkRecords`: an ephemeral fork). */
  forkRecords(request: Pick<ForkRequest, "source" | "lastTurnId" | "beforeTurnId" | "closeOpenTurn">) {
    return this.turnStore.forkRecords(request);
  }

  /** The whole rollout, bounded (see `loadRollout`); confined like `readSummary`. */
  async loadHistory(path: string): Promise<LoadedRollout> {
    return loadRollout(await confineRolloutPath(this.codexHome, path));
  }

  /**
   * What resuming a thread needs, and only that (resume.ts): the records from the latest compaction that rebuilds
   * the model's history (the whole history when there is none), holding at most ROLLOUT_MAX_BYTES of lines, so a
   * 3 GB rollout resumes. With `events` (0.58.0's `initialMessages`) a rollout of at most ROLLOUT_MAX_BYTES is
   * read whole, exactly as `loadHistory` reads it; a bigger one gives only the events since the replay start.
   * Without the index (no better-sqlite3) this is `loadHistory`.
   */
  async loadForResume(target: ThreadTarget, options: ResumeLoadOptions = {}): Promise<ResumeLoad> {
    if (!this.index()) return readWhole((await this.threads.resolve(target)).path);
    if (options.events) {
      const { path } = await this.threads.resolve(target);
      const st = await stat(path);
      if ((!st.isFile() || st.size <= ROLLOUT_MAX_BYTES) && !(await isReverted(path))) return readWhole(path);
    }
    return (await this.planIndexed(target, options)).load();
  }

  /**
   * `loadForResume` planned now and read when the resumed conversation first needs its history (resume.ts
   * `DeferredResume`): what `thread/resume` answers needs only the thread's identity. With `events` (0.58.0's
   * `initialMessages`) the rollout's events are read now: from the whole file, skipping its history lines
   * (events.ts), or, for a rollout over ROLLOUT_MAX_BYTES, those since the replay start (`loadForResume`). Without
   * the index the rollout is read now, as `loadForResume` reads it.
   */
  async planForResume(target: ThreadTarget, o: { events?: boolean } = {}): Promise<DeferredResume> {
    if (!this.index()) return alreadyRead(await this.loadForResume(target, o));
    const plan = await this.planIndexed(target, {});
    if (o.events && !plan.events) {
      const { path } = await this.threads.resolve(target);
      const st = await stat(path);
      // A thread 0.166.0 reverted: its events are those of its kept history, read across its continuation chain.
      if (st.size > ROLLOUT_MAX_BYTES || (await isReverted(path)))
        return alreadyRead(await this.turnStore.loadForResume(target, o));
      plan.events = await readInitialMessages(path);
    }
    // A plan that may hold more than the cap is read now, so that a history too big to replay is refused by the
    // resume itself rather than by every turn after it.
    return plan.plannedBytes > ROLLOUT_MAX_BYTES ? alreadyRead(await plan.load(), plan.events) : plan;
  }

  /**
   * The turn index's plan. The index needs the session_meta first: a rollout that starts otherwise (an over-long or
   * torn first line) is read whole when the cap allows, as 0.58.0 reads it, past the lines it cannot parse.
   */
  private async planIndexed(target: ThreadTarget, o: ResumeLoadOptions): Promise<DeferredResume> {
    try {
      return await this.turnStore.planForResume(target, o);
    } catch (err) {
      if (!(err instanceof RolloutLoadError)) throw err;
      const { path } = await this.threads.resolve(target);
      const st = await stat(path);
      if (!st.isFile() || st.size > ROLLOUT_MAX_BYTES) throw err;
      return alreadyRead(await readWhole(path));
    }
  }
}

/** Whether the thread whose rollout is `path` goes on in continuations 0.166.0's `thread/revert` started. */
async function isReverted(path: string): Promise<boolean> {
  return parseContinuationFileName(basename(path)) !== null || (await continuationsOf(path)).length > 0;
}

/** A resume that replays the whole rollout (bounded by `loadRollout`), as 0.58.0 reads it. */
async function readWhole(path: string): Promise<ResumeLoad> {
  const loaded = await loadRollout(path);
  return { ...loaded, replayedFrom: null, heldBytes: (await stat(path)).size };
}

/** A plan whose history is already in memory, with its events (those read, or those of the history's lines). */
function alreadyRead(loaded: ResumeLoad, events = initialMessagesOf(loaded.items)): DeferredResume {
  return {
    conversationId: loaded.conversationId,
    meta: loaded.meta,
    plannedBytes: loaded.heldBytes,
    load: async () => loaded,
    events,
  };
}
