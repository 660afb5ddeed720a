import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  FileReadError,
  isMissingPath,
  openRegularFile,
  readFilePrefixSync,
  readLineSpansFrom,
} from "@codex-ts/config-loader";
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

/** Largest names file `namesFromFile` reads whole; a bigger one is left to the index (`syncNames`). */
const NAMES_READ_WHOLE_BYTES = 256 * 1024;

/**
 * Every thread name read straight from session_index.jsonl, as `syncNames` then `namesOf` would give them (the
 * latest complete line of an id wins, an empty name clears it, over-long lines are skipped), for a listing
 * answered before the index is open. One synchronous read of the whole file; null when the file is over
 * NAMES_READ_WHOLE_BYTES or cannot be read (the caller asks the index). No file, or not a regular one: no names.
 */
export function namesFromFile(codexHome: string): Map<string, string> | null {
  let bytes: Buffer;
  try {
    const read = readFilePrefixSync(join(codexHome, SESSION_INDEX_FILE), NAMES_READ_WHOLE_BYTES + 1);
    if (read.size > NAMES_READ_WHOLE_BYTES) return null;
    bytes = read.bytes;
  } catch (err) {
    // Missing or not a regular file: syncNames reads no names either. Anything else (unreadable): the index's call.
    const gone = err instanceof FileReadError ? err.reason === "not-regular" : isMissingPath(err);
    return gone ? new Map() : null;
  }
  const names = new Map<string, string>();
  let start = 0;
  for (let nl = bytes.indexOf(10); nl !== -1; nl = bytes.indexOf(10, start)) {
    const entry = nl - start <= NAME_LINE_MAX_BYTES ? parseEntry(bytes.toString("utf8", start, nl)) : null;
    start = nl + 1;
    if (!entry) continue;
    if (entry.name === "") names.delete(entry.id);
    else names.set(entry.id, entry.name);
  }
  return names;
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
  await exclusive(codexHome, async () => {
    const handle = await open(join(codexHome, SESSION_INDEX_FILE), "a", 0o644);
    try {
      await handle.appendFile(line, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}

/** Largest names file `removeNames` rewrites (a real one holds a line per named thread: far smaller). */
const NAMES_FILE_MAX_BYTES = 64 * 1024 * 1024;
/** Rounds of catching up with appends made by another process while the file is rewritten. */
const CATCH_UP_ROUNDS = 8;
/** After the rename, the old file is checked every SWEEP_INTERVAL_MS until QUIET_SWEEPS checks in a row find it
 * unchanged (at most SWEEP_MAX_MS): a thread's delete or rename waits ~50 ms for late appenders. */
const SWEEP_INTERVAL_MS = 10;
const QUIET_SWEEPS = 5;
const SWEEP_MAX_MS = 1_000;

/** Writes to the names file, one at a time per CODEX_HOME in this process (appends and rewrites). */
const writers = new Map<string, Promise<unknown>>();
function exclusive<T>(codexHome: string, work: () => Promise<T>): Promise<T> {
  const before = writers.get(codexHome) ?? Promise.resolve();
  const run = before.then(work, work);
  const done = run.catch(() => undefined);
  writers.set(codexHome, done);
  void done.then(() => {
    if (writers.get(codexHome) === done) writers.delete(codexHome);
  });
  return run;
}

/**
 * Removes every line of thread `id` from session_index.jsonl, as 0.166.0 does when it deletes a thread, so its name
 * does not come back. The file is rewritten whole into a temporary file beside it (fsynced) that replaces it by
 * rename, so a reader sees the old file or the new one, never half of one. Appends made meanwhile by another
 * process (0.166.0, another server) are carried over: before the rename the file is looked at again and lines
 * added since are copied (filtered) too, until it stops growing, and after the rename lines that reached the old
 * file late are appended to the new one. (A writer that opened the old file before the rename and writes only
 * after those last looks could still be lost: the file has no lock 0.166.0 honours; in this process appends and
 * rewrites take turns.) Returns how many lines were dropped.
 */
export async function removeNames(codexHome: string, id: string): Promise<number> {
  const target = id.toLowerCase();
  const path = join(codexHome, SESSION_INDEX_FILE);
  return exclusive(codexHome, async () => {
    let source: Awaited<ReturnType<typeof openRegularFile>>["handle"];
    try {
      ({ handle: source } = await openRegularFile(path));
    } catch {
      return 0; // no names file: nothing to remove
    }
    const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
    let dropped = 0;
    let renamed = false;
    let offsetRead = 0;
    try {
      const out = await open(temp, "wx", 0o644);
      try {
        let offset = 0;
        for (let round = 0; ; round++) {
          const size = (await source.stat()).size;
          if (size > NAMES_FILE_MAX_BYTES) throw new Error(`${path} is over ${NAMES_FILE_MAX_BYTES} bytes`);
          const kept: Buffer[] = [];
          for await (const span of readLineSpansFrom(source, size, {
            maxLineBytes: NAME_LINE_MAX_BYTES,
            startAt: offset,
            endAt: size,
          })) {
            if (!span.terminated) break; // being written: copied in the next round
            offset = span.end;
            // Span bytes are only valid until the next span: copied.
            const bytes = span.bytes ? Buffer.from(span.bytes) : await readSpan(source, span.start, span.end);
            const entry = span.bytes ? parseEntry(bytes.toString("utf8")) : null;
            if (entry?.id === target) dropped++;
            else kept.push(bytes, NEWLINE);
          }
          if (kept.length > 0) await out.write(Buffer.concat(kept));
          if (dropped === 0 && round === 0) return 0; // the thread has no name line: nothing to rewrite
          const now = (await source.stat()).size;
          if (now === offset) break;
          if (now === size || round >= CATCH_UP_ROUNDS) {
            // A last line without its newline (being written, or torn): kept as it is.
            await out.write(await readSpan(source, offset, now, false));
            offset = now;
            break;
          }
        }
        offsetRead = offset;
        await out.sync();
      } finally {
        await out.close();
      }
      if (dropped > 0) {
        await rename(temp, path);
        renamed = true;
        await syncDir(codexHome);
        // A writer that opened the old file before the rename may still append to it — later still when it was
        // descheduled between its open and its write (a loaded machine): carried over until the old file has
        // stayed still for a while.
        const until = Date.now() + SWEEP_MAX_MS;
        for (let still = 0; still < QUIET_SWEEPS && Date.now() < until; ) {
          await new Promise((resolve) => setTimeout(resolve, SWEEP_INTERVAL_MS));
          const carried = await filteredSince(source, offsetRead, target);
          if (carried.lines.length > 0) await appendRaw(path, carried.lines);
          still = carried.end === offsetRead ? still + 1 : 0;
          offsetRead = carried.end;
        }
      }
      return dropped;
    } finally {
      await source.close();
      if (!renamed) await rm(temp, { force: true });
    }
  });
}

const NEWLINE = Buffer.from("\n");

/** Complete lines of the (replaced) file after `from`, but thread `target`'s. */
async function filteredSince(
  handle: Awaited<ReturnType<typeof openRegularFile>>["handle"],
  from: number,
  target: string,
): Promise<{ lines: Buffer[]; end: number }> {
  const size = (await handle.stat()).size;
  const lines: Buffer[] = [];
  let end = from;
  for await (const span of readLineSpansFrom(handle, size, {
    maxLineBytes: NAME_LINE_MAX_BYTES,
    startAt: from,
    endAt: size,
  })) {
    if (!span.terminated) break;
    end = span.end;
    const bytes = span.bytes ? Buffer.from(span.bytes) : await readSpan(handle, span.start, span.end);
    if (parseEntry(bytes.toString("utf8"))?.id !== target) lines.push(bytes, NEWLINE);
  }
  return { lines, end };
}

/** Appends bytes to the names file (one write, fsynced). */
async function appendRaw(path: string, parts: Buffer[]): Promise<void> {
  const handle = await open(path, "a", 0o644);
  try {
    await handle.write(Buffer.concat(parts));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Bytes of the file copied as they are: a line too long for the reader's cap (no name line is), or a torn tail. */
async function readSpan(
  handle: Awaited<ReturnType<typeof openRegularFile>>["handle"],
  start: number,
  end: number,
  dropNewline = true,
): Promise<Buffer> {
  const buf = Buffer.alloc(end - start);
  const { bytesRead } = await handle.read(buf, 0, buf.length, start);
  const got = buf.subarray(0, bytesRead);
  // A span ends past its newline; the caller adds one back.
  return dropNewline && got.at(-1) === 10 ? got.subarray(0, -1) : got;
}

/** Makes a rename in `dir` durable (where the platform allows opening a directory). */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not supported here (e.g. Windows): the rename stands, only its durability on power loss is weaker.
  }
}
