import { mkdir, readdir, rename, stat } from "node:fs/promises";
import { basename, dirname, join, sep } from "node:path";
import { isCompressed, restoreCompressed } from "./compressed.js";
import {
  ARCHIVED_SESSIONS_SUBDIR,
  parseContinuationFileName,
  parseRolloutFileName,
  rolloutPathFor,
} from "./paths.js";
import { dayDirsNewestFirst } from "./walk.js";

/**
 * codex 0.166.0's `thread/revert` does not rewrite a paginated thread's rollout: it starts a continuation,
 * `rollout-<its own time>-<thread id>_<history id>.jsonl` in the day folder of the moment it is made, whose
 * session_meta's `history_base` names the history it continues (the thread id for the first rollout, a history id
 * for an earlier continuation) and the byte and ordinal the kept part ends at. Each revert adds one; the newest
 * (history ids are UUID v7: their order is their age) is where the thread's history now ends and where its next
 * lines are appended. Archiving moves them all into archived_sessions/; 0.166.0's `rollout/compress` compresses them
 * like any rollout, and one is restored when it is read. This module finds them;
 * history-segments.ts follows their `history_base` chain. Only paginated threads (0.166.0's own) have them.
 */

/** A rollout holding the end of a thread's history, and the id `history_base` names it by. */
export interface HistoryRollout {
  path: string;
  historyId: string;
}

/** Per folder: its continuations (file names, sorted by history id: oldest first) by thread id. */
type FolderContinuations = Map<string, string[]>;

/** Folders listed, by path, kept while their mtime and ctime say nothing was added or removed since. */
const listed = new Map<string, { mtimeMs: number; ctimeMs: number; byThread: FolderContinuations }>();
const LISTED_MAX = 256;

async function continuationsIn(dir: string): Promise<FolderContinuations> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(dir);
  } catch {
    return new Map();
  }
  const hit = listed.get(dir);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.ctimeMs === st.ctimeMs) return hit.byThread;
  const byThread: FolderContinuations = new Map();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const c = parseContinuationFileName(name);
    if (!c) continue;
    const names = byThread.get(c.threadId);
    if (names) names.push(name);
    else byThread.set(c.threadId, [name]);
  }
  const idOf = (name: string) => parseContinuationFileName(name)!.historyId;
  for (const names of byThread.values()) names.sort((a, b) => (idOf(a) < idOf(b) ? -1 : 1));
  listed.delete(dir);
  listed.set(dir, { mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, byThread });
  if (listed.size > LISTED_MAX) listed.delete(listed.keys().next().value as string);
  return byThread;
}

/** A continuation 0.166.0 compressed is restored before it is read or appended to (compressed.ts). */
const plain = (path: string) => (isCompressed(path) ? restoreCompressed(path) : Promise.resolve(path));

const DAY_FOLDER = /^\d{4}\/\d{2}\/\d{2}$/;

/** `YYYY/MM/DD` of a day folder path, comparable as a string. */
const dayKey = (dir: string) => dir.split(sep).slice(-3).join("/");

/**
 * The folders that can hold continuations of the thread whose rollout (first or continuation) is `path`, newest
 * first: archived_sessions/ alone for an archived thread; else the day folders from the first rollout's day on.
 */
function* foldersOf(path: string): Generator<string> {
  const dir = dirname(path);
  // Anywhere but a sessions/YYYY/MM/DD day folder (archived_sessions/, or a file a client put elsewhere), only the
  // rollout's own folder.
  if (basename(dir) === ARCHIVED_SESSIONS_SUBDIR || !DAY_FOLDER.test(dayKey(dir))) {
    yield dir;
    return;
  }
  const sessions = dirname(dirname(dirname(dir)));
  const from = dayKey(dir);
  for (const day of dayDirsNewestFirst(sessions)) {
    if (dayKey(day) < from) return;
    yield day;
  }
}

/** The thread id a rollout or continuation file name carries (null for any other name). */
function threadIdOf(name: string): string | null {
  return parseContinuationFileName(name)?.threadId ?? parseRolloutFileName(name)?.id ?? null;
}

/** Every continuation of the thread whose rollout (first or continuation) is `path`, newest first. */
export async function continuationsOf(path: string): Promise<string[]> {
  const threadId = threadIdOf(basename(path));
  if (!threadId) return [];
  const found: string[] = [];
  for (const dir of foldersOf(path)) {
    const names = (await continuationsIn(dir)).get(threadId) ?? [];
    for (let i = names.length - 1; i >= 0; i--) found.push(join(dir, names[i]!));
  }
  return found;
}

/**
 * Where the history of the paginated thread whose rollout (first or continuation) is `path` now ends: its newest
 * continuation, else `path` itself. The newest is in the newest folder holding any.
 */
export async function currentRollout(path: string): Promise<HistoryRollout> {
  const name = basename(path);
  const threadId = threadIdOf(name);
  const own = { path, historyId: parseContinuationFileName(name)?.historyId ?? threadId ?? "" };
  if (!threadId) return own;
  for (const dir of foldersOf(path)) {
    const newest = (await continuationsIn(dir)).get(threadId)?.at(-1);
    if (newest) {
      return {
        path: await plain(join(dir, newest)),
        historyId: parseContinuationFileName(newest)!.historyId,
      };
    }
  }
  return own;
}

/**
 * The continuation whose history id is `historyId` (a UUID v7, so the time it was made: the day folder it sits in,
 * or a neighbouring one under another time zone), else in the folder of `from` (archived_sessions/).
 */
export async function continuationById(
  codexHome: string,
  historyId: string,
  from: string,
): Promise<string | null> {
  const wanted = historyId.toLowerCase();
  const dirs = new Set<string>([dirname(from)]);
  if (wanted.charAt(14) === "7") {
    const ms = Number.parseInt(wanted.slice(0, 8) + wanted.slice(9, 13), 16);
    for (const d of [0, -86_400_000, 86_400_000])
      dirs.add(dirname(rolloutPathFor(codexHome, new Date(ms + d), wanted)));
  }
  for (const dir of dirs) {
    for (const names of (await continuationsIn(dir)).values()) {
      const hit = names.find((n) => parseContinuationFileName(n)!.historyId === wanted);
      if (hit) return plain(join(dir, hit));
    }
  }
  return null;
}

/**
 * Moves the continuations of the thread whose rollout is `path` into the folder `folderOf` gives for each (archive:
 * archived_sessions/; unarchive: the day folder of its own file name). The caller moves the first rollout after
 * them, so a thread found by its first rollout has all of its history.
 */
export async function moveContinuations(path: string, folderOf: (name: string) => string): Promise<void> {
  for (const c of (await continuationsOf(path)).reverse()) {
    const to = folderOf(basename(c));
    if (to === dirname(c)) continue;
    await mkdir(to, { recursive: true });
    await rename(c, join(to, basename(c)));
  }
}
