import { isAbsolute, join, sep } from "node:path";

export const SESSIONS_SUBDIR = "sessions";
export const ARCHIVED_SESSIONS_SUBDIR = "archived_sessions";

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const FILE_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}$/;
const PREFIX = "rollout-";
const SUFFIX = ".jsonl";
const COMPRESSED = ".jsonl.zst";

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

const pad = (n: number) => String(n).padStart(2, "0");

/** `YYYY-MM-DDThh-mm-ss` in the process's local time zone, as Codex names files. */
export function fileTimestamp(date: Date): string {
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}-${pad(date.getMinutes())}-${pad(date.getSeconds())}`
  );
}

/** An empty, `.` or `..` segment, a leading or a trailing separator: what `join` would normalize away. */
const NOT_NORMAL = /(?:^|[\\/])\.{1,2}(?:[\\/]|$)|[\\/]{2}|^[\\/]|[\\/]$/;

/** Whether `rel` is a relative path in normal form (`/`-separated where that is the platform's separator). */
export function isNormalRelative(rel: string): boolean {
  return rel !== "" && !NOT_NORMAL.test(rel) && (sep === "/" || !rel.includes("/"));
}

/**
 * `join(dir, rel)` for a `dir` already absolute and normalized (from `resolve`, `normalize` or `realpath`): when
 * `rel` is in normal form too, their concatenation, which is what `join` returns. `join` normalizes the whole
 * string again, character by character in JavaScript; the store joins CODEX_HOME's paths several times per
 * request, and a few hundred long ones make V8 optimize Node's normalizer with TurboFan, ~4 MiB more resident in
 * the first request that crosses the line (a 100 MB rollout's first `thread/turns/list`). Anything else is joined.
 */
export function joinNormalized(dir: string, rel: string): string {
  if (!isAbsolute(dir) || !isNormalRelative(rel)) return join(dir, rel);
  return dir.endsWith(sep) ? dir + rel : dir + sep + rel;
}

/** `CODEX_HOME/sessions/YYYY/MM/DD/rollout-<local time>-<id>.jsonl`. */
export function rolloutPathFor(codexHome: string, date: Date, id: string): string {
  const dir = join(
    codexHome,
    SESSIONS_SUBDIR,
    String(date.getFullYear()),
    pad(date.getMonth() + 1),
    pad(date.getDate()),
  );
  return join(dir, `${PREFIX}${fileTimestamp(date)}-${id}${SUFFIX}`);
}

/**
 * A continuation rollout's name: `rollout-<timestamp>-<thread id>_<history id>.jsonl` (or `.jsonl.zst` once
 * 0.166.0 compressed it), which codex 0.166.0 writes when `thread/revert` cuts a paginated thread's history
 * (continuations.ts). `stem` is the
 * first rollout's name without `.jsonl`. Null for any other name.
 */
export function parseContinuationFileName(
  name: string,
): { timestamp: string; threadId: string; historyId: string; stem: string } | null {
  const suffix = name.endsWith(SUFFIX) ? SUFFIX : name.endsWith(COMPRESSED) ? COMPRESSED : null;
  if (!suffix || !name.startsWith(PREFIX) || name.length < PREFIX.length + 74 + suffix.length) return null;
  const core = name.slice(0, -suffix.length);
  const historyId = core.slice(-36);
  if (core.charAt(core.length - 37) !== "_" || !isUuid(historyId)) return null;
  const stem = core.slice(0, -37);
  const base = parseRolloutFileName(stem + SUFFIX);
  return base
    ? { timestamp: base.timestamp, threadId: base.id, historyId: historyId.toLowerCase(), stem }
    : null;
}

/**
 * The timestamp and id encoded in a rollout file name, or null when the name is not a rollout's. A rollout 0.166.0
 * compressed (`….jsonl.zst`, compressed.ts) is one.
 */
export function parseRolloutFileName(name: string): { timestamp: string; id: string } | null {
  if (!name.startsWith(PREFIX)) return null;
  const suffix = name.endsWith(SUFFIX) ? SUFFIX : name.endsWith(COMPRESSED) ? COMPRESSED : null;
  if (!suffix) return null;
  const core = name.slice(PREFIX.length, -suffix.length);
  const id = core.slice(-36);
  const timestamp = core.slice(0, -37);
  if (core.charAt(core.length - 37) !== "-" || !isUuid(id) || !FILE_TIMESTAMP.test(timestamp)) return null;
  return { timestamp, id: id.toLowerCase() };
}
