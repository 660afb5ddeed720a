import type { FileHandle } from "node:fs/promises";
import { mkdir, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { HistorySegment, MetaLine } from "./history-segments.js";
import { type RolloutItem, serializeLine } from "./line.js";
import { nextOrdinal } from "./ordinal.js";
import { rolloutPathFor } from "./paths.js";
import { checkGeneration, openRollout } from "./turn-index.js";

/**
 * Forks a thread at a turn boundary, in one of two ways:
 *
 * - **copy** (the default; how a 0.58.0 fork is made): the new rollout is a new `session_meta` (the source's, with
 *   the new id and start time and `forked_from_id` naming the source) followed by the source's history up to the
 *   cut, byte for byte. The fork stands alone: readable and resumable with its history by 0.58.0 and 0.166.0
 *   (0.166.0 shows its origin from `forked_from_id`), and the source can be archived or deleted freely. Forking a
 *   fork by reference copies the history it references first, so the copy stands alone too. It costs the disk
 *   space of the history and one streaming pass.
 * - **reference** (0.166.0's way): the new rollout holds only its session_meta, with `forked_from_id` and a
 *   `history_base` naming the thread and byte where its history ends; nothing is copied, so forking a 3 GB thread
 *   is instant. Its history is read from the parent (history-segments.ts), which then cannot be deleted while the
 *   fork exists (`deleteThread` refuses, as 0.166.0 does), and 0.58.0 resumes it without history. Only rollouts
 *   whose lines carry 0.166.0's `ordinal` can be referenced (a legacy source is copied).
 */

export interface ForkPlan {
  /** The source thread's session_meta line: the fork's is made from it. */
  meta: MetaLine;
  /** Copy: the byte ranges of the source's history kept, oldest first, each checked against its generation. */
  copy: HistorySegment[];
  /** By reference (0.166.0's way): the fork's history is the first `endByteOffset` bytes of this thread's rollout. */
  base?: { threadId: string; endByteOffset: number; endOrdinal: number };
}

export interface ForkOptions {
  id: string;
  startedAt: Date;
  /** session_meta fields to replace (cwd, model_provider, source, originator, cli_version, instructions…). */
  meta?: Record<string, unknown>;
  /** Records appended after the copied history (e.g. the interruption of a turn the fork cut in the middle). */
  append?: readonly RolloutItem[];
}

/** Raised when a fork cannot be made from its source; nothing is left behind. */
export class ForkError extends Error {
  override readonly name = "ForkError";
}

const CHUNK = 1024 * 1024;

/** Writes the fork (temp file, fsync, rename); returns its path. */
export async function writeFork(codexHome: string, plan: ForkPlan, o: ForkOptions): Promise<string> {
  // A fork's thread source and workspace roots are its own: 0.166.0 does not carry the parent's over.
  const { thread_source: _source, runtime_workspace_roots: _roots, ...inherited } = plan.meta.payload;
  const payload: Record<string, unknown> = { ...inherited, ...o.meta };
  delete payload.forked_from_ordinal_exclusive;
  delete payload.history_base;
  payload.id = o.id;
  if ("session_id" in payload) payload.session_id = o.id;
  payload.timestamp = o.startedAt.toISOString();
  payload.forked_from_id = plan.meta.payload.id;
  const first: Record<string, unknown> = { timestamp: o.startedAt.toISOString() };
  let ordinal: number | null = null;
  if (plan.base) {
    // As 0.166.0 writes a fork: its lines continue the parent's ordinals after the cut.
    ordinal = plan.base.endOrdinal;
    payload.forked_from_ordinal_exclusive = ordinal;
    payload.history_mode = "paginated";
    payload.history_base = {
      thread_id: plan.base.threadId,
      end_ordinal_exclusive: ordinal,
      end_byte_offset: plan.base.endByteOffset,
    };
    first.ordinal = ordinal;
  } else if ("ordinal" in plan.meta.envelope) {
    first.ordinal = 0;
    // The copied lines keep their numbers; what is appended after them continues from the last one.
    const last = plan.copy.at(-1);
    if (last && (o.append?.length ?? 0) > 0) ordinal = (await ordinalBefore(last)) - 1;
    else ordinal = 0;
  }
  first.type = "session_meta";
  first.payload = payload;

  const target = rolloutPathFor(codexHome, o.startedAt, o.id);
  const temp = join(dirname(target), `.${basename(target)}.tmp`);
  await mkdir(dirname(target), { recursive: true });
  const out = await open(temp, "wx", 0o644);
  try {
    await writeAll(out, Buffer.from(`${JSON.stringify(first)}\n`));
    for (const s of plan.copy) await copyRange(s, out);
    const tail = (o.append ?? [])
      .map((item) => serializeLine(item, o.startedAt, ordinal === null ? undefined : ++ordinal))
      .join("");
    if (tail) await writeAll(out, Buffer.from(tail));
    await out.sync();
    await out.close();
    await rename(temp, target);
  } catch (err) {
    await out.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  return target;
}

/** The ordinal that follows the last complete line of a copied range (ordinal.ts). */
async function ordinalBefore(s: HistorySegment): Promise<number> {
  const handle = await openRollout(s.path);
  try {
    return await nextOrdinal(handle, s.end);
  } finally {
    await handle.close();
  }
}

/** Copies a byte range of a rollout to `out` in 1 MiB chunks (checking the source generation when given). */
async function copyRange(s: HistorySegment, out: FileHandle): Promise<void> {
  if (s.end <= s.start) return;
  const handle = await openRollout(s.path);
  try {
    await checkGeneration(handle, s.path, s.generation, s.end);
    const buffer = Buffer.allocUnsafe(CHUNK);
    let last = 10;
    for (let pos = s.start; pos < s.end; ) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, s.end - pos), pos);
      if (bytesRead === 0) throw new ForkError(`rollout ${s.path} was truncated while it was copied`);
      await writeAll(out, buffer.subarray(0, bytesRead));
      last = buffer[bytesRead - 1]!;
      pos += bytesRead;
    }
    if (last !== 10) await writeAll(out, Buffer.from("\n")); // a range ending inside a line: keep lines whole
  } finally {
    await handle.close();
  }
}

async function writeAll(out: FileHandle, data: Buffer): Promise<void> {
  for (let done = 0; done < data.length; ) {
    const { bytesWritten } = await out.write(data, done, data.length - done);
    done += bytesWritten;
  }
}
