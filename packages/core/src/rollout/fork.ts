import type { FileHandle } from "node:fs/promises";
import { mkdir, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { readLineSpansFrom } from "@codex-ts/config-loader";
import { ROLLOUT_LINE_MAX_BYTES } from "./limits.js";
import { type RolloutItem, serializeLine } from "./line.js";
import { rolloutPathFor } from "./paths.js";
import { checkGeneration, openRollout } from "./turn-index.js";

/**
 * Forks a rollout by copying: the new rollout is a new `session_meta` (the source's, with the new id and start
 * time and `forked_from_id` naming the source) followed by the source's lines up to a turn boundary, byte for byte.
 *
 * codex 0.166.0 forks by reference instead (its new file copies nothing and points at the parent with
 * `history_base`), so its forks break when the parent is deleted (it refuses such deletes), moved or compressed,
 * and 0.58.0 resumes them without their history. A copy costs disk space and one streaming pass, and in exchange
 * the fork stands alone: readable and resumable with its history by 0.58.0 and 0.166.0 (0.166.0 shows the fork's
 * origin from `forked_from_id`), and the source can be archived or deleted freely. Forking a 0.166.0 fork copies
 * the history it references first, so the copy stands alone too.
 */

export interface ForkSource {
  /** The source rollout (already confined to the sessions directories). */
  path: string;
  /** The generation of the source's turn index the cut offset comes from. */
  generation: string;
  /** Bytes copied: up to the end of the last kept turn (or the start of the first dropped one). */
  endOffset: number;
}

export interface ForkOptions {
  id: string;
  startedAt: Date;
  /** session_meta fields to replace (cwd, model_provider, source, originator, cli_version, instructions…). */
  meta?: Record<string, unknown>;
  /** Records appended after the copied history (e.g. the interruption of a turn the fork cut in the middle). */
  append?: readonly RolloutItem[];
  /** Finds the rollout of a thread a 0.166.0 fork references (`history_base`), for copying its history. */
  resolveBase?: (threadId: string) => Promise<string | null>;
}

/** Raised when a fork cannot be made from its source; nothing is left behind. */
export class ForkError extends Error {
  override readonly name = "ForkError";
}

/** How deep a chain of 0.166.0 forks referencing forks is followed. */
const MAX_BASE_DEPTH = 8;
const CHUNK = 1024 * 1024;

interface Segment {
  path: string;
  start: number;
  end: number;
  generation?: string;
}

/** Writes the fork (temp file, fsync, rename); returns its path. */
export async function writeFork(codexHome: string, source: ForkSource, o: ForkOptions): Promise<string> {
  const handle = await openRollout(source.path);
  let meta: { envelope: Record<string, unknown>; payload: Record<string, unknown>; end: number };
  try {
    await checkGeneration(handle, source.path, source.generation, source.endOffset);
    meta = await readMetaLine(handle, source.path);
  } finally {
    await handle.close();
  }
  const segments: Segment[] = [
    ...(await baseSegments(meta.payload, o.resolveBase, 0)),
    {
      path: source.path,
      start: meta.end,
      end: Math.max(meta.end, source.endOffset),
      generation: source.generation,
    },
  ];
  const payload: Record<string, unknown> = { ...meta.payload, ...o.meta };
  delete payload.forked_from_ordinal_exclusive;
  delete payload.history_base;
  payload.id = o.id;
  if ("session_id" in payload) payload.session_id = o.id;
  payload.timestamp = o.startedAt.toISOString();
  payload.forked_from_id = meta.payload.id;
  const first: Record<string, unknown> = { timestamp: o.startedAt.toISOString() };
  if ("ordinal" in meta.envelope) first.ordinal = 0;
  first.type = "session_meta";
  first.payload = payload;

  const target = rolloutPathFor(codexHome, o.startedAt, o.id);
  const temp = join(dirname(target), `.${basename(target)}.tmp`);
  await mkdir(dirname(target), { recursive: true });
  const out = await open(temp, "wx", 0o644);
  try {
    await writeAll(out, Buffer.from(`${JSON.stringify(first)}\n`));
    for (const s of segments) await copyRange(s, out);
    const tail = (o.append ?? []).map((item) => serializeLine(item, o.startedAt)).join("");
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

/** The first line of a rollout, which must be its session_meta. */
async function readMetaLine(handle: FileHandle, path: string) {
  const { size } = await handle.stat();
  for await (const span of readLineSpansFrom(handle, size, { maxLineBytes: ROLLOUT_LINE_MAX_BYTES })) {
    let value: Record<string, unknown> | null = null;
    try {
      value = span.bytes ? (JSON.parse(span.bytes.toString("utf8")) as Record<string, unknown>) : null;
    } catch {
      value = null;
    }
    const payload = value?.payload as Record<string, unknown> | undefined;
    if (value?.type !== "session_meta") break;
    if (typeof payload?.id !== "string" || !span.terminated) break;
    return { envelope: value, payload, end: span.end };
  }
  throw new ForkError(`rollout ${path} does not start with a session_meta line`);
}

/** The history a 0.166.0 fork references (`history_base`), oldest first, as byte ranges of other rollouts. */
async function baseSegments(
  payload: Record<string, unknown>,
  resolve: ForkOptions["resolveBase"],
  depth: number,
): Promise<Segment[]> {
  const base = payload.history_base as { thread_id?: unknown; end_byte_offset?: unknown } | undefined;
  if (!base || typeof base.thread_id !== "string" || typeof base.end_byte_offset !== "number") return [];
  const path = depth < MAX_BASE_DEPTH && resolve ? await resolve(base.thread_id) : null;
  if (!path)
    throw new ForkError(`the history of this fork lives in thread ${base.thread_id}, which was not found`);
  const handle = await openRollout(path);
  try {
    const meta = await readMetaLine(handle, path);
    const { size } = await handle.stat();
    if (size < base.end_byte_offset)
      throw new ForkError(`rollout ${path} is shorter than the history it holds`);
    return [
      ...(await baseSegments(meta.payload, resolve, depth + 1)),
      { path, start: meta.end, end: base.end_byte_offset },
    ];
  } finally {
    await handle.close();
  }
}

/** Copies a byte range of a rollout to `out` in 1 MiB chunks (checking the source generation when given). */
async function copyRange(s: Segment, out: FileHandle): Promise<void> {
  const handle = await openRollout(s.path);
  try {
    if (s.generation) await checkGeneration(handle, s.path, s.generation, s.end);
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
