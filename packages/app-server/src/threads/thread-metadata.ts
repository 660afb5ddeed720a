import { randomUUID } from "node:crypto";
import { statSync } from "node:fs";
import { open, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { gen0166 } from "@codex-ts/app-server-protocol";

/**
 * The metadata clients set on threads with `thread/metadata/update` (0.166.0 keeps it in its state database, which
 * this server does not write): `CODEX_HOME/thread_metadata.jsonl`, one line per update holding the thread's whole
 * record after it (`{"id","git":{"sha","branch","origin_url"},"daybreak_enabled","updated_at"}`, a git field
 * present when set, null when cleared), the latest line for an id winning. Appends are single small `O_APPEND`
 * writes, so processes sharing a CODEX_HOME do not tear each other's lines; past COMPACT_AT_BYTES the file is
 * rewritten with one line per thread (temp file, fsync, rename). `thread/read` and `thread/list` overlay it on the
 * git information a rollout recorded.
 */
export const THREAD_METADATA_FILE = "thread_metadata.jsonl";

/** Longest file read (a compacted file holds one short line per thread; beyond this the file is ignored). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;
/** Size from which an update rewrites the file compacted instead of appending. */
const COMPACT_AT_BYTES = 1024 * 1024;

/** A git field a client set (string) or cleared (null); absent: the rollout's own. */
type GitField = string | null;

export interface ThreadMetadata {
  git: { sha?: GitField; branch?: GitField; origin_url?: GitField };
  daybreak_enabled: boolean | null;
}

/** What `thread/metadata/update` asks to change (absent or null `gitInfo`/`daybreakEnabled`: unchanged). */
export interface MetadataPatch {
  gitInfo?: gen0166.ThreadMetadataGitInfoUpdateParams | null | undefined;
  daybreakEnabled?: boolean | null | undefined;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const gitField = (v: unknown): GitField | undefined => (v === null || typeof v === "string" ? v : undefined);

/** One line of the file as a record, or null when it is not one (a torn or foreign line is skipped). */
function parseLine(line: string): [string, ThreadMetadata] | null {
  try {
    const raw: unknown = JSON.parse(line);
    if (!isObj(raw) || typeof raw.id !== "string") return null;
    const git = isObj(raw.git) ? raw.git : {};
    const record: ThreadMetadata = { git: {}, daybreak_enabled: null };
    for (const key of ["sha", "branch", "origin_url"] as const) {
      const v = gitField(git[key]);
      if (v !== undefined) record.git[key] = v;
    }
    if (typeof raw.daybreak_enabled === "boolean") record.daybreak_enabled = raw.daybreak_enabled;
    return [raw.id, record];
  } catch {
    return null;
  }
}

export class ThreadMetadataStore {
  private readonly path: string;
  /** The records as last read, and the file's size and mtime then (read again when either changed). */
  private cache: { size: number; mtimeMs: number; records: Map<string, ThreadMetadata> } | null = null;

  constructor(codexHome: string) {
    this.path = join(codexHome, THREAD_METADATA_FILE);
  }

  /** Every thread's record (latest line wins); empty when there is no file. */
  async all(): Promise<Map<string, ThreadMetadata>> {
    // Every thread/list and thread/read asks: one synchronous stat (microseconds) answers the usual case (no file,
    // or unchanged) at once. An asynchronous one queued behind the index's background reads on libuv's threads and
    // held the first listing after spawn ~5 ms.
    const st = statOrNull(this.path);
    if (!st?.isFile() || st.size > MAX_FILE_BYTES) return new Map();
    if (this.cache && this.cache.size === st.size && this.cache.mtimeMs === st.mtimeMs)
      return this.cache.records;
    const text = await readFile(this.path, "utf8").catch(() => "");
    const records = new Map<string, ThreadMetadata>();
    for (const line of text.split("\n")) {
      const parsed = line.trim() ? parseLine(line) : null;
      if (parsed) records.set(parsed[0], parsed[1]);
    }
    this.cache = { size: st.size, mtimeMs: st.mtimeMs, records };
    return records;
  }

  /** Applies `patch` to thread `id`'s record and persists it; resolves with the record after it. */
  async update(id: string, patch: MetadataPatch): Promise<ThreadMetadata> {
    const records = await this.all();
    const before = records.get(id) ?? { git: {}, daybreak_enabled: null };
    const next: ThreadMetadata = { git: { ...before.git }, daybreak_enabled: before.daybreak_enabled };
    const g = patch.gitInfo;
    if (g) {
      if (g.sha !== undefined) next.git.sha = g.sha;
      if (g.branch !== undefined) next.git.branch = g.branch;
      if (g.originUrl !== undefined) next.git.origin_url = g.originUrl;
    }
    if (patch.daybreakEnabled != null) next.daybreak_enabled = patch.daybreakEnabled;
    const line = (rid: string, r: ThreadMetadata) =>
      `${JSON.stringify({ id: rid, git: r.git, daybreak_enabled: r.daybreak_enabled, updated_at: new Date().toISOString() })}\n`;
    const size = (await stat(this.path).catch(() => null))?.size ?? 0;
    if (size >= COMPACT_AT_BYTES) {
      const all = new Map(records).set(id, next);
      await this.replace([...all].map(([rid, r]) => line(rid, r)).join(""));
    } else {
      const file = await open(this.path, "a", 0o600);
      try {
        await file.appendFile(line(id, next));
        await file.sync();
      } finally {
        await file.close();
      }
    }
    this.cache = null;
    return next;
  }

  /** Writes the whole file anew: a temp file beside it, synced, renamed over it. */
  private async replace(text: string): Promise<void> {
    const tmp = `${this.path}.${randomUUID()}.tmp`;
    try {
      const file = await open(tmp, "wx", 0o600);
      try {
        await file.writeFile(text);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, this.path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
}

/** `thread` with the metadata clients set on it: the git fields set over those its rollout recorded. */
export function withMetadata(thread: gen0166.Thread, record: ThreadMetadata | undefined): gen0166.Thread {
  if (!record) return thread;
  const base = thread.gitInfo ?? { sha: null, branch: null, originUrl: null };
  const g = record.git;
  const gitInfo = {
    sha: g.sha !== undefined ? g.sha : (base.sha ?? null),
    branch: g.branch !== undefined ? g.branch : (base.branch ?? null),
    originUrl: g.origin_url !== undefined ? g.origin_url : (base.originUrl ?? null),
  };
  const anyGit = gitInfo.sha !== null || gitInfo.branch !== null || gitInfo.originUrl !== null;
  return {
    ...thread,
    gitInfo: anyGit || thread.gitInfo ? gitInfo : null,
    daybreakEnabled: record.daybreak_enabled ?? thread.daybreakEnabled ?? null,
  };
}

function statOrNull(path: string): { size: number; mtimeMs: number; isFile(): boolean } | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}
