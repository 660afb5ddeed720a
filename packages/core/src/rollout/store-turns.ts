import { statSync } from "node:fs";
import { sep } from "node:path";
import { firstCompressedText, keptSegments, type SearchSegment } from "./chain-search.js";
import { isCompressed } from "./compressed.js";
import { continuationById, currentRollout } from "./continuations.js";
import { ForkError, writeFork } from "./fork.js";
import { RolloutLoadError } from "./history.js";
import { type HistoryLine, type HistoryReadQuery, readHistoryLines } from "./history-lines.js";
import {
  HistoryBaseError,
  type HistorySegment,
  historySegments,
  isMetaLine,
  readMetaLine,
} from "./history-segments.js";
import { ROLLOUT_LINE_MAX_BYTES, ROLLOUT_MAX_BYTES } from "./limits.js";
import type { RolloutItem, SessionMetaPayload } from "./line.js";
import type { StoreContext, ThreadTarget } from "./lookup.js";
import { isUuid, joinNormalized } from "./paths.js";
import { type DeferredResume, planForResume, type ResumeLoad, type ResumeLoadOptions } from "./resume.js";
import { readRolloutRange, readRolloutRangeBackward } from "./rollout-read.js";
import type { StoreThreads } from "./store-threads.js";
import { dropTurnRows, indexTurns, openRollout, type TurnIndexInfo, turnsPage } from "./turn-index.js";
import {
  SegmentTurns,
  type TurnEntry,
  type TurnListPage,
  type TurnListQuery,
  turnListPage,
} from "./turn-pages.js";
import type { TurnRecord } from "./turn-scan.js";
import { foldCase } from "./turn-text.js";

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
  /** Records appended after the copied history. */
  append?: readonly RolloutItem[];
  /**
   * Records appended (after `append`) only when the last turn kept is still open in the source's file: a fork taken
   * while that turn runs ends it, for the fork only (e.g. as interrupted). Decided from the lines copied, so a turn
   * that ends while the fork is made is copied ended, never ended twice.
   */
  closeOpenTurn?: readonly RolloutItem[];
  /**
   * `copy` (default): the history is copied and the fork stands alone (0.58.0 and 0.166.0 resume it with its
   * history). `reference`: 0.166.0's fork — `forked_from_id` and `history_base`, nothing copied (see fork.ts);
   * a source whose lines carry no `ordinal` (0.58.0's) is copied instead (`ForkResult.mode` says which).
   */
  mode?: "copy" | "reference";
}

export interface ForkResult {
  id: string;
  path: string;
  /** The last turn kept (null when none was): `status` tells whether the fork cut it in the middle. */
  lastTurn: TurnEntry | null;
  mode: "copy" | "reference";
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

  /**
   * For each rollout of `files`, its first message text (in file order) holding `term`, case-insensitively; the
   * rollouts without one are not in the map. Each is indexed first as `turns` does (only what was appended since the
   * last look is read) unless one `stat` shows it is indexed as it is now; then two queries answer for them all. A
   * rollout that cannot be read is left out.
   */
  async firstTexts(
    rows: readonly { name: string; path: string; id: string; tip: string | null }[],
    term: string,
  ): Promise<Map<string, string>> {
    const idx = this.requireIndex();
    // A thread 0.166.0 reverted or compressed: its kept history, read in place (chain-search.ts).
    const chained = rows.filter((r) => r.tip !== null || isCompressed(r.path));
    const found = await this.firstTextsInChains(chained, term);
    const files = rows.filter((r) => r.tip === null && !isCompressed(r.path));
    const names = files.map((f) => f.name);
    const marks = names.map(() => "?").join(", ");
    const indexed = new Map(
      (
        idx.run(
          () =>
            idx.stmt(`SELECT name, ino, size, mtime FROM turn_files WHERE name IN (${marks})`).all(...names),
          [],
        ) as { name: string; ino: number; size: number; mtime: number }[]
      ).map((r) => [r.name, r]),
    );
    const readable: string[] = [];
    for (const f of files) {
      try {
        const st = statSync(f.path);
        const r = indexed.get(f.name);
        if (r?.ino !== st.ino || r.size !== st.size || r.mtime !== st.mtimeMs)
          await this.index(f.name, f.path);
        readable.push(f.name);
      } catch {
        // Gone or unreadable since it was listed: no match.
      }
    }
    if (readable.length === 0) return found;
    // SQLite gives a bare column the row of the group's min(): each rollout's first matching text.
    const texts = idx.run(
      () =>
        idx
          .stmt(
            `SELECT name, text, min(offset) FROM turn_texts WHERE name IN (${readable.map(() => "?").join(", ")})
             AND instr(folded, ?) > 0 GROUP BY name`,
          )
          .all(...readable, foldCase(term)),
      [],
    ) as { name: string; text: string }[];
    for (const r of texts) found.set(r.name, r.text);
    return found;
  }

  /** `firstTexts` of threads whose kept history is a continuation chain or compressed (chain-search.ts). */
  private async firstTextsInChains(
    rows: readonly { name: string; path: string; id: string; tip: string | null }[],
    term: string,
  ): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const idx = this.requireIndex();
    const abs = (name: string) => joinNormalized(this.ctx.codexHome, name.split("/").join(sep));
    for (const row of rows) {
      try {
        for (const segment of await keptSegments(idx, abs, row)) {
          const path = abs(segment.name);
          const text = isCompressed(path)
            ? await firstCompressedText(path, segment, term)
            : await this.firstIndexedText(segment, path, term);
          if (text !== null) {
            found.set(row.name, text);
            break;
          }
        }
      } catch {
        // A rollout of the chain gone or unreadable since it was listed: no match.
      }
    }
    return found;
  }

  /** The first message text of a plain rollout's [start, end) holding `term`, from its (refreshed) turn index. */
  private async firstIndexedText(segment: SearchSegment, path: string, term: string): Promise<string | null> {
    await this.index(segment.name, path);
    const idx = this.requireIndex();
    const row = idx.run(
      () =>
        idx
          .stmt(
            `SELECT text, min(offset) FROM turn_texts WHERE name = ? AND offset >= ? AND offset < ?
             AND instr(folded, ?) > 0`,
          )
          .get(segment.name, segment.start, segment.end, foldCase(term)),
      undefined,
    ) as { text: string | null } | undefined;
    return row?.text ?? null;
  }

  /**
   * The thread's turns (across its history segments) from position `from` on whose messages hold `term`
   * case-insensitively, oldest first, at most `limit`: found in the index's message texts, never by reading turns.
   */
  async turnsWithText(target: ThreadTarget, term: string, from: number, limit: number) {
    const h = await this.history(target);
    const folded = foldCase(term);
    const found: TurnEntry[] = [];
    let base = 0;
    for (const [i, segment] of h.segments.entries()) {
      const count = h.turns.counts[i]!;
      if (found.length < limit && from < base + count) {
        const seqs = h.idx.run(
          () =>
            h.idx
              .stmt(
                `SELECT DISTINCT seq FROM turn_texts WHERE name = ? AND seq >= ? AND seq < ? AND offset < ?
                 AND instr(folded, ?) > 0 ORDER BY seq LIMIT ?`,
              )
              .all(
                segment.name,
                Math.max(0, from - base),
                count,
                segment.end,
                folded,
                limit - found.length,
              ) as {
              seq: number;
            }[],
          [],
        );
        for (const { seq } of seqs) {
          const t = h.turns.at(base + seq);
          if (t) found.push(t);
        }
      }
      base += count;
    }
    return { threadId: h.own.id, total: h.turns.total, turns: found };
  }

  /** A turn of the thread's history by id (null when it has none such), found in the turn index. */
  async turnById(target: ThreadTarget, turnId: string): Promise<TurnEntry | null> {
    return (await this.history(target)).turns.byId(turnId);
  }

  /** Drops a rollout's turn index (it was found changed): the next `turns` scans it from the start. */
  forget(name: string): void {
    const idx = this.ctx.index();
    idx?.write(() => dropTurnRows(idx, name));
  }

  /** A thread's history segments (its own rollout, and the ones a fork by reference reads), indexed. */
  private async history(target: ThreadTarget) {
    return this.historyOf(await this.threads.resolve(target));
  }

  private async historyOf(first: { path: string; name: string; id: string }) {
    const idx = this.requireIndex();
    const deps = {
      index: (name: string, path: string) => this.index(name, path),
      resolve: (historyId: string, from: string) => this.resolveHistory(historyId, from),
    };
    let own = first;
    let { segments, meta } = await historySegments({ ...own, threadId: own.id }, deps);
    // A paginated thread 0.166.0 reverted goes on in its newest continuation, which names what it keeps of the rest.
    if (meta?.payload.history_mode === "paginated") {
      // (Named by a continuation's own path, the thread's history is still known by that continuation's id.)
      const current = await currentRollout(first.path);
      if (current.path !== first.path || current.historyId !== first.id) {
        if (current.path !== first.path)
          own = { ...first, path: current.path, name: this.ctx.keyOf(current.path) };
        ({ segments, meta } = await historySegments({ ...own, threadId: current.historyId }, deps));
      }
    }
    return { own, meta, segments, turns: new SegmentTurns(idx, segments), idx };
  }

  /** The rollout a `history_base` names: a thread's first rollout, or a continuation next to `from`. */
  private async resolveHistory(historyId: string, from: string) {
    const thread = await this.threads.resolve({ threadId: historyId }).catch(() => null);
    if (thread) return thread;
    const path = await continuationById(this.ctx.codexHome, historyId, from);
    return path ? { path, name: this.ctx.keyOf(path) } : null;
  }

  /** A page of a thread's turns across its history, with cursors (0.166.0's `thread/turns/list`). */
  async listTurns(target: ThreadTarget, q: TurnListQuery = {}): Promise<TurnListPage> {
    const h = await this.history(target);
    return turnListPage(h.own.id, h.turns, q);
  }

  /** The lines of a thread's turns (or of one turn) from a cursor, in either direction (history-lines.ts). */
  async *readHistory(target: ThreadTarget, q: HistoryReadQuery = {}): AsyncGenerator<HistoryLine> {
    const h = await this.history(target);
    yield* readHistoryLines(h.own.id, h.turns, q);
  }

  /**
   * What resuming the thread must replay, and only that (resume.ts). Its session_meta line is checked first (one
   * bounded read), so a file that is not a rollout is refused before it is indexed; errors in loadRollout's words.
   */
  async loadForResume(target: ThreadTarget, o: ResumeLoadOptions = {}): Promise<ResumeLoad> {
    return (await this.planForResume(target, o)).load();
  }

  /** `loadForResume` planned now, read by `load()` later (resume.ts `DeferredResume`). */
  async planForResume(target: ThreadTarget, o: ResumeLoadOptions = {}): Promise<DeferredResume> {
    const own = await this.threads.resolve(target);
    const handle = await openRollout(own.path);
    let read: Awaited<ReturnType<typeof readMetaLine>>;
    try {
      read = await readMetaLine(handle);
    } finally {
      await handle.close();
    }
    if (!isMetaLine(read)) {
      if (read.missing === "empty") throw new RolloutLoadError("empty session file");
      const skipped =
        read.missing === "tooLong" ? ` (1 line(s) over ${ROLLOUT_LINE_MAX_BYTES} bytes skipped)` : "";
      throw new RolloutLoadError(`failed to parse conversation ID from rollout file${skipped}`);
    }
    const h = await this.historyOf(own);
    return planForResume(h.idx, h.segments, sessionMeta(read.payload), o);
  }

  /** Forks a thread at a turn boundary into a new rollout of its own (see fork.ts: by copy or by reference). */
  async fork(r: ForkRequest): Promise<ForkResult> {
    if (!isUuid(r.id)) throw new ForkError(`invalid thread id for the fork: ${r.id}`);
    const { h, kept, segment, lastTurn } = await this.cut(r);
    const base = r.mode === "reference" ? await referenceBase(kept[segment]!) : null;
    const append = [...(r.append ?? []), ...closingOf(r, lastTurn)];
    const forked = await writeFork(
      this.ctx.codexHome,
      { meta: h.meta!, copy: base ? [] : kept, ...(base ? { base } : {}) },
      {
        id: r.id,
        startedAt: r.startedAt ?? new Date(),
        ...(r.meta ? { meta: r.meta } : {}),
        ...(append.length > 0 ? { append } : {}),
      },
    );
    this.threads.moved(null, forked);
    return { id: r.id, path: forked, lastTurn, mode: base ? "reference" : "copy" };
  }

  /**
   * What a fork of `r` would copy, read into memory instead of written (an ephemeral fork: 0.166.0 keeps it out of
   * the store): the source's session_meta, and its records up to the cut (session_meta lines left out, and kinds
   * 0.58.0 does not know, as a resume leaves them out). At most `maxBytes` (default
   * ROLLOUT_MAX_BYTES) of lines are held; a bigger history is refused (`ForkError`).
   */
  async forkRecords(
    r: Pick<ForkRequest, "source" | "lastTurnId" | "beforeTurnId" | "closeOpenTurn">,
    maxBytes = ROLLOUT_MAX_BYTES,
  ): Promise<{ meta: SessionMetaPayload; items: RolloutItem[] }> {
    const { h, kept, lastTurn } = await this.cut(r);
    const items: RolloutItem[] = [];
    let held = 0;
    for (const s of kept) {
      if (s.end <= s.start) continue;
      for await (const l of readRolloutRange(
        s.path,
        { startOffset: s.start, endOffset: s.end },
        s.generation,
      )) {
        if (!l.line) continue;
        held += l.end - l.start;
        if (held > maxBytes)
          throw new ForkError(`the history to fork is over ${maxBytes} bytes: fork it without \`ephemeral\``);
        if (l.line.type !== "session_meta") items.push(l.line as RolloutItem);
      }
    }
    items.push(...closingOf(r, lastTurn));
    return { meta: sessionMeta(h.meta!.payload), items };
  }

  /** The source's history up to a fork's cut: its segments (the last one ended at the cut) and last turn kept. */
  private async cut(r: Pick<ForkRequest, "source" | "lastTurnId" | "beforeTurnId">) {
    if (r.lastTurnId !== undefined && r.beforeTurnId !== undefined) {
      throw new ForkError("lastTurnId and beforeTurnId cannot be combined");
    }
    const h = await this.history(r.source).catch((err: unknown) => {
      throw err instanceof HistoryBaseError ? new ForkError(err.message) : err;
    });
    if (!h.meta) throw new ForkError(`rollout ${h.own.path} does not start with a session_meta line`);
    const find = (turnId: string) => {
      const t = h.turns.byId(turnId);
      if (!t) throw new ForkError(`turn ${turnId} not found in thread ${h.own.id}`);
      return t;
    };
    // The cut: a segment and the byte its kept history ends at.
    let segment = h.segments.length - 1;
    let end = h.segments[segment]!.end;
    let lastTurn = h.turns.at(h.turns.total - 1);
    const segmentOf = (t: TurnEntry) => h.segments.findIndex((seg) => seg.path === t.path);
    if (r.lastTurnId !== undefined) {
      lastTurn = find(r.lastTurnId);
      segment = segmentOf(lastTurn);
      end = lastTurn.endOffset;
    } else if (r.beforeTurnId !== undefined) {
      const before = find(r.beforeTurnId);
      segment = segmentOf(before);
      end = before.startOffset;
      lastTurn = before.position > 0 ? h.turns.at(before.position - 1) : null;
    }
    const kept = h.segments.slice(0, segment + 1).map((seg, i) => (i === segment ? { ...seg, end } : seg));
    return { h, kept, segment, lastTurn };
  }
}

/**
 * What a fork by reference writes in `history_base`: the thread and byte its history ends at, and the ordinal of
 * the line after the cut (0.166.0 numbers every line of its rollouts). Null when the line before the cut carries no
 * ordinal (a 0.58.0 rollout): such a source is copied.
 */
async function referenceBase(cut: HistorySegment) {
  if (cut.end <= 0) return null;
  for await (const line of readRolloutRangeBackward(
    cut.path,
    { startOffset: 0, endOffset: cut.end },
    cut.generation,
  )) {
    const ordinal = line.record?.ordinal;
    if (typeof ordinal !== "number" || !Number.isSafeInteger(ordinal)) return null;
    return { threadId: cut.threadId, endByteOffset: cut.end, endOrdinal: ordinal + 1 };
  }
  return null;
}

/** `closeOpenTurn` when the last turn a fork keeps is still open in the file, else nothing. */
function closingOf(
  r: Pick<ForkRequest, "closeOpenTurn">,
  lastTurn: TurnEntry | null,
): readonly RolloutItem[] {
  return r.closeOpenTurn && lastTurn?.status === "inProgress" ? r.closeOpenTurn : [];
}

/** A session_meta payload whose `id` was checked to be a string (readMetaLine). */
function sessionMeta(payload: Record<string, unknown>): SessionMetaPayload {
  return payload as SessionMetaPayload & Record<string, unknown>;
}
