import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { openRegularFile, readLineSpansFrom } from "@codex-ts/config-loader";
import type { IndexDb } from "./index-db.js";

/**
 * Thread names, kept where codex 0.166.0 keeps them: `CODEX_HOME/session_index.jsonl`, an append-only file of
 * `{"id","thread_name","updated_at"}` lines in which the latest line for an id wins. 0.58.0 ignores the file (it
 * reads only `sessions/`), 0.166.0 shows the names in `thread/list` and `thread/read`, and names 0.166.0 sets are
 * seen here. The index mirrors the file in its `names` table, reading only the lines appended since the last look
 * (a file that shrank or was replaced is read again from the start).
 */
export const SESSION_INDEX_FILE = "session_index.jsonl";

/** Longest line read from the names file; longer ones (no real name is) are skipped. */
const NAME_LINE_MAX_BYTES = 64 * 1024;
/** Bytes of the file's start whose hash tells a replaced file from an appended one. */
const HEAD_BYTES = 256;

interface Watermark {
  ino: number;
  offset: number;
  head: string;
}

const MARK_KEY = "session_index";

function readMark(idx: IndexDb): Watermark | null {
  return idx.run(() => {
    const row = idx.stmt("SELECT value FROM meta WHERE key = ?").get(MARK_KEY) as
      | { value: string }
      | undefined;
    return row ? (JSON.parse(row.value) as Watermark) : null;
  }, null);
}

/** Brings the `names` table up to date with session_index.jsonl (only appended lines are read). */
export async function syncNames(codexHome: string, idx: IndexDb): Promise<void> {
  const path = join(codexHome, SESSION_INDEX_FILE);
  let size: number;
  let ino: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error("not a file");
    size = st.size;
    ino = st.ino;
  } catch {
    if (readMark(idx)) idx.write(() => clearNames(idx));
    return;
  }
  const mark = readMark(idx);
  if (mark && mark.ino === ino && mark.offset === size) return;
  let handle: Awaited<ReturnType<typeof openRegularFile>>["handle"];
  try {
    ({ handle } = await openRegularFile(path));
  } catch {
    return;
  }
  try {
    const headBuf = Buffer.alloc(Math.min(HEAD_BYTES, size));
    await handle.read(headBuf, 0, headBuf.length, 0);
    const head = createHash("sha1").update(headBuf).digest("hex");
    const resume =
      mark && mark.ino === ino && mark.offset <= size && mark.offset >= HEAD_BYTES && mark.head === head;
    const entries: { id: string; name: string; updatedAt: string | null }[] = [];
    let offset = resume ? mark.offset : 0;
    for await (const span of readLineSpansFrom(handle, size, {
      maxLineBytes: NAME_LINE_MAX_BYTES,
      startAt: offset,
      endAt: size,
    })) {
      if (!span.terminated) break; // a line still being written: read next time
      offset = span.end;
      const entry = span.bytes ? parseEntry(span.bytes.toString("utf8")) : null;
      if (entry) entries.push(entry);
    }
    idx.write(() => {
      if (!resume) clearNames(idx);
      const put = idx.stmt("INSERT OR REPLACE INTO names (id, name, updated_at) VALUES (?, ?, ?)");
      const drop = idx.stmt("DELETE FROM names WHERE id = ?");
      for (const e of entries) {
        if (e.name === "") drop.run(e.id);
        else put.run(e.id, e.name, e.updatedAt);
      }
      const value = JSON.stringify({
        ino,
        offset,
        head: offset >= HEAD_BYTES ? head : "",
      } satisfies Watermark);
      idx.stmt("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)").run(MARK_KEY, value);
    });
  } finally {
    await handle.close();
  }
}

function clearNames(idx: IndexDb): void {
  idx.stmt("DELETE FROM names").run();
  idx.stmt("DELETE FROM meta WHERE key = ?").run(MARK_KEY);
}

function parseEntry(text: string): { id: string; name: string; updatedAt: string | null } | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const { id, thread_name, updated_at } = (value ?? {}) as Record<string, unknown>;
  if (typeof id !== "string" || typeof thread_name !== "string") return null;
  return {
    id: id.toLowerCase(),
    name: thread_name.trim(),
    updatedAt: typeof updated_at === "string" ? updated_at : null,
  };
}

/** The names of some ids (from the index; call `syncNames` first). */
export function namesOf(idx: IndexDb, ids: readonly string[]): Map<string, string> {
  if (ids.length === 0) return new Map();
  return idx.run(() => {
    const rows = idx
      .stmt(`SELECT id, name FROM names WHERE id IN (${ids.map(() => "?").join(", ")})`)
      .all(...ids) as { id: string; name: string }[];
    return new Map(rows.map((r) => [r.id, r.name]));
  }, new Map());
}

/**
 * Appends a name to session_index.jsonl as 0.166.0 does (one line, one write, fsynced; the file is created when
 * missing). An empty name clears it. The index learns it at the next `syncNames`.
 */
export async function appendName(
  codexHome: string,
  id: string,
  name: string,
  at: Date = new Date(),
): Promise<void> {
  const line = `${JSON.stringify({ id: id.toLowerCase(), thread_name: name, updated_at: at.toISOString() })}\n`;
  const handle = await open(join(codexHome, SESSION_INDEX_FILE), "a", 0o644);
  try {
    await handle.appendFile(line, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
}
