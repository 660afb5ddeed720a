import { lstatSync, type Stats } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "@codex-ts/app-server-protocol";
import { readFilePrefixSync } from "@codex-ts/config-loader";
import type { HeadFacts } from "./facts.js";

/** Beside the index in CODEX_HOME: the heads the last first page read from the files. */
export const HEAD_SNAPSHOT_FILE = "sessions-index.heads.json";
const VERSION = 2;
/** A snapshot holds one page's heads (~1 KB each): a bigger one is neither written nor read. */
const MAX_BYTES = 256 * 1024;
/** Heads of files modified this recently are not kept: a coarse mtime could hide a change made in the same tick. */
const RECENT_MS = 3000;

/** One file's head as listing sees it, with the size and mtime of the file it was read from. */
export interface SnapshotHead {
  facts: HeadFacts;
  size: number;
  mtime: number;
  /** The head was final when read (reading stopped before EOF): lines appended since cannot change it. */
  complete: boolean;
}

/**
 * The facts of the heads a process's first listing page read, kept for the next process's first page (issue 16:
 * the first `thread/list` after spawn). Such a page comes from the files, before SQLite is loaded; reading and
 * parsing its two dozen heads was most of its time. With the snapshot, a head whose file has the size and mtime
 * recorded with it (one `lstat`), or a complete head whose file only grew (appended turns), is taken from it
 * instead of being opened, read and parsed, with the file's size and mtime now. Those are the index's own rules
 * for a head it recorded (`Catalog.revalidate`; the facts are stored as JSON there too), so the page is the one
 * the index gives; a file otherwise changed is read again, a new one is read, a deleted one is not listed (the
 * folders are listed as before). Written after the answer (temp, fsync, rename) when the page read a head from
 * its file; a missing, unreadable or malformed snapshot is ignored.
 */
export class HeadSnapshot {
  /** The page's heads by path, as this page resolved them (from the snapshot or from the file). */
  private readonly used = new Map<string, SnapshotHead>();
  private readFromFiles = 0;

  private constructor(
    private readonly file: string,
    private readonly kept: ReadonlyMap<string, SnapshotHead>,
  ) {}

  /** The snapshot of `codexHome` (empty when there is none, or it cannot be read or parsed). */
  static load(codexHome: string): HeadSnapshot {
    const file = join(codexHome, HEAD_SNAPSHOT_FILE);
    return new HeadSnapshot(file, readSnapshot(file));
  }

  /** The recorded head of `path`, with the file's size and mtime now, when it still holds (see above); else null. */
  lookup(path: string): SnapshotHead | null {
    const kept = this.kept.get(path);
    if (!kept) return null;
    let st: Stats | undefined;
    try {
      st = lstatSync(path, { throwIfNoEntry: false });
    } catch {
      return null; // its folder went or cannot be searched since it was listed: the file's read says what to do
    }
    if (!st?.isFile()) return null;
    const same = st.size === kept.size && st.mtimeMs === kept.mtime;
    if (!same && !(kept.complete && st.size > kept.size)) return null;
    const head = same ? kept : { ...kept, size: st.size, mtime: st.mtimeMs };
    this.used.set(path, head);
    return head;
  }

  /** A head this page read from its file. */
  record(path: string, head: SnapshotHead): void {
    this.used.set(path, head);
    this.readFromFiles++;
  }

  /** Writes the page's heads, after the current request is answered, when any of them was read from its file. */
  saveSoon(): void {
    if (this.readFromFiles === 0) return;
    setImmediate(() => void this.save().catch(() => undefined));
  }

  private async save(): Promise<void> {
    const settled = Date.now() - RECENT_MS;
    const heads: [string, number, number, boolean, HeadFacts][] = [];
    for (const [path, h] of this.used)
      if (h.mtime <= settled) heads.push([path, h.size, h.mtime, h.complete, h.facts]);
    if (heads.length === 0) return;
    const text = JSON.stringify({ version: VERSION, heads });
    // A page of many heads, or of long previews, would not be read back: not written either.
    if (Buffer.byteLength(text) > MAX_BYTES) return;
    await writeFileAtomic(this.file, text);
  }
}

function readSnapshot(file: string): Map<string, SnapshotHead> {
  const kept = new Map<string, SnapshotHead>();
  try {
    const { bytes, size } = readFilePrefixSync(file, MAX_BYTES + 1);
    if (size > MAX_BYTES) return kept;
    const parsed = JSON.parse(bytes.toString("utf8")) as { version?: unknown; heads?: unknown };
    if (parsed?.version !== VERSION || !Array.isArray(parsed.heads)) return kept;
    for (const entry of parsed.heads as unknown[]) {
      if (!Array.isArray(entry)) continue;
      const [path, size, mtime, complete, facts] = entry as unknown[];
      if (typeof path !== "string" || typeof size !== "number" || typeof mtime !== "number") continue;
      if (typeof complete !== "boolean" || typeof facts !== "object" || facts === null) continue;
      kept.set(path, { facts: facts as HeadFacts, size, mtime, complete });
    }
  } catch {
    kept.clear(); // missing, unreadable or malformed: no snapshot
  }
  return kept;
}
