import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { type ArchiveError, archiveRollout } from "./archive.js";
import { confineRolloutPath } from "./confine.js";
import { factsFromHead, type HeadFacts } from "./facts.js";
import { readHead } from "./head.js";
import { HeadIndex, type IndexEntry } from "./head-index.js";
import { type LoadedRollout, loadRollout } from "./history.js";
import type { GitInfo, SessionMetaPayload } from "./line.js";
import { type ListPage, type ListQuery, listableSummary, listSessions } from "./list.js";
import { isUuid, parseRolloutFileName, rolloutPathFor, SESSIONS_SUBDIR } from "./paths.js";
import { createRecorder, type RolloutRecorder, reopenRecorder } from "./recorder.js";
import { type SessionSummary, summaryFromHead } from "./summary.js";
import { type Candidate, dayDirsNewestFirst, rolloutsInDay } from "./walk.js";

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
}

export interface SessionsStoreOptions {
  /** Cache rollout heads in `CODEX_HOME/sessions-index.sqlite` (default true). */
  index?: boolean;
}

const DAY_MS = 24 * 3600_000;
const RECENT_MS = 3000;

interface ListedDay {
  day: string;
  mtime: number | null;
  entries: IndexEntry[];
}

/**
 * The on-disk session store under `CODEX_HOME` (see DESIGN.md). Rollout files are the source of truth; the index
 * only caches their heads and where each id lives, and every cached fact is checked against the file system.
 */
export class SessionsStore {
  readonly sessionsDir: string;
  private readonly useIndex: boolean;
  private headIndex: HeadIndex | null | undefined;

  constructor(
    readonly codexHome: string,
    options: SessionsStoreOptions = {},
  ) {
    this.sessionsDir = join(codexHome, SESSIONS_SUBDIR);
    this.useIndex = options.index ?? true;
  }

  /** The index, opened on first use; null when disabled or unavailable (the store then reads files only). */
  private index(): HeadIndex | null {
    if (!this.useIndex) return null;
    if (this.headIndex === undefined) {
      // CODEX_HOME may not exist yet: try again next time. Otherwise a failure to open is final for this store.
      if (!existsSync(this.codexHome)) return null;
      this.headIndex = HeadIndex.open(this.codexHome);
    }
    return this.headIndex;
  }

  /** Releases the index file handle. The store stays usable (it reopens the index when needed). */
  close(): void {
    this.headIndex?.close();
    this.headIndex = undefined;
  }

  /** A rollout's path relative to sessions/, `/`-separated: the index key. */
  private nameOf(path: string): string {
    return relative(this.sessionsDir, path).split(sep).join("/");
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
    };
    const path = rolloutPathFor(this.codexHome, startedAt, meta.id);
    return createRecorder(path, { type: "session_meta", payload });
  }

  /**
   * Appends to an existing rollout (resume); no new session_meta is written. Like every method taking a client's
   * path, only a file inside `sessions/` or `archived_sessions/` (by real path) is accepted (`RolloutPathError`).
   */
  async resumeRecorder(path: string): Promise<RolloutRecorder> {
    return reopenRecorder(path, await confineRolloutPath(this.codexHome, path));
  }

  /**
   * Codex's listing (see list.ts). The directory walk finds the candidates, so files added or removed by other
   * processes are always seen; with the index, a candidate whose cached head is still valid is not opened.
   */
  async list(query: ListQuery): Promise<ListPage> {
    const index = this.index();
    if (!index) return listSessions(this.sessionsDir, query);
    const fresh: IndexEntry[] = [];
    try {
      return await listSessions(this.sessionsDir, query, undefined, async (c) => {
        const facts = await this.factsFor(c, index, fresh);
        return facts ? listableSummary(c.path, facts, query) : null;
      });
    } finally {
      index.put(fresh);
    }
  }

  /**
   * A candidate's head facts: from the index when the file is unchanged (same size) or only grew after a complete
   * head (appends cannot change a complete head), else read from the file and queued in `fresh` for the index.
   */
  private async factsFor(c: Candidate, index: HeadIndex, fresh: IndexEntry[]): Promise<HeadFacts | null> {
    const name = this.nameOf(c.path);
    let size: number;
    try {
      size = (await stat(c.path)).size;
    } catch {
      return null; // deleted since the directory was listed
    }
    const cached = index.get(name);
    if (cached && (cached.size === size || (cached.complete && size > cached.size))) return cached.facts;
    let head: Awaited<ReturnType<typeof readHead>>;
    try {
      head = await readHead(c.path);
    } catch {
      return null;
    }
    const facts = factsFromHead(head);
    fresh.push({ name, id: c.id, timestamp: c.timestamp, head: { size, complete: head.complete, facts } });
    return facts;
  }

  /**
   * The live rollout of a conversation id; archived sessions are not found. Tries, in order: the index (entry
   * checked on disk), the day folders around the creation time a UUID v7 carries, then the day folders newest
   * first, skipping those the index holds entirely and recording the others, so the next lookup of an older id
   * is direct and a miss re-lists only the folders that changed.
   */
  async findPathById(id: string): Promise<string | null> {
    if (!isUuid(id)) return null;
    const wanted = id.toLowerCase();
    const index = this.index();
    if (index) {
      const gone: string[] = [];
      for (const name of index.namesForId(wanted)) {
        const path = join(this.sessionsDir, ...name.split("/"));
        if (await isFile(path)) {
          index.forget(gone);
          return path;
        }
        gone.push(name);
      }
      index.forget(gone);
    }
    const near = await this.findNearUuidTime(wanted);
    if (near) {
      index?.put([{ name: this.nameOf(near.path), id: near.id, timestamp: near.timestamp }]);
      return near.path;
    }
    const listed: ListedDay[] = [];
    const recorded = index?.dayMtimes() ?? new Map<string, number>();
    try {
      for await (const day of dayDirsNewestFirst(this.sessionsDir)) {
        const files = await this.dayFilesNotIndexed(day, index, recorded, listed);
        const hit = files?.find((c) => c.id === wanted);
        if (hit) return hit.path;
      }
      return null;
    } finally {
      index?.putDays(listed); // one transaction for the whole walk
    }
  }

  /**
   * The rollouts of a day folder, queued in `listed` for the index; null when the index already holds every file
   * of the folder (its mtime has not changed since they were recorded), so none of them needs looking at again.
   */
  private async dayFilesNotIndexed(
    day: string,
    index: HeadIndex | null,
    recorded: Map<string, number>,
    listed: ListedDay[],
  ): Promise<Candidate[] | null> {
    if (!index) return rolloutsInDay(day);
    const name = this.nameOf(day);
    let mtime: number;
    try {
      mtime = (await stat(day)).mtimeMs;
    } catch {
      return null;
    }
    if (recorded.get(name) === mtime) return null;
    const files = await rolloutsInDay(day);
    const entries = files.map((c) => ({ name: this.nameOf(c.path), id: c.id, timestamp: c.timestamp }));
    // A folder changed within the last seconds might change again within the same mtime tick on coarse file
    // systems; its files are recorded but not its mtime, so it is listed again next time.
    listed.push({ day: name, mtime: Date.now() - mtime > RECENT_MS ? mtime : null, entries });
    return files;
  }

  /**
   * Codex 0.58 mints UUID v7 ids, whose first 48 bits are the creation time in ms; the file sits in the local day
   * folder of that moment. The neighbouring days are checked too, for sessions written under another time zone.
   */
  private async findNearUuidTime(id: string): Promise<Candidate | null> {
    if (id.charAt(14) !== "7") return null;
    const ms = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    const days = new Set(
      [0, -DAY_MS, DAY_MS].map((d) => dirname(rolloutPathFor(this.codexHome, new Date(ms + d), id))),
    );
    for (const day of days) {
      let names: string[];
      try {
        names = await readdir(day);
      } catch {
        continue;
      }
      for (const name of names) {
        const parsed = parseRolloutFileName(name);
        const path = join(day, name);
        if (parsed?.id === id && (await isFile(path))) return { path, ...parsed };
      }
    }
    return null;
  }

  /**
   * The summary of one rollout; throws `RolloutPathError` for a path outside the sessions directories (before
   * touching it), the OS error or `FileReadError` when it cannot be read, or an error when it has no summary.
   */
  async readSummary(path: string, defaultProvider: string): Promise<SessionSummary> {
    const head = await readHead(await confineRolloutPath(this.codexHome, path));
    const summary = summaryFromHead(path, head, defaultProvider);
    if (!summary) throw new Error(`rollout ${path} has no session metadata or user message`);
    return summary;
  }

  /** Moves a rollout to archived_sessions/; throws ArchiveError with the real server's messages. */
  async archive(
    conversationId: string,
    rolloutPath: string,
    beforeMove?: () => Promise<void>,
  ): Promise<string> {
    const archived = await archiveRollout(this.codexHome, conversationId, rolloutPath, beforeMove);
    const index = this.index();
    if (index) {
      const names = index.namesForId(conversationId.toLowerCase());
      const gone: string[] = [];
      for (const name of names)
        if (!(await isFile(join(this.sessionsDir, ...name.split("/"))))) gone.push(name);
      index.forget(gone);
    }
    return archived;
  }

  /** The whole rollout, bounded (see `loadRollout`); confined like `readSummary`. */
  async loadHistory(path: string): Promise<LoadedRollout> {
    return loadRollout(await confineRolloutPath(this.codexHome, path));
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export type { ArchiveError };
