import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";

/** The most of a thread's rollout a bundle carries: a longer one is cut to its last lines within this size. */
export const FEEDBACK_ROLLOUT_MAX_BYTES = 16 * 1024 * 1024;
/** Bundles kept in `CODEX_HOME/feedback`: writing one more removes the oldest. */
export const FEEDBACK_MAX_BUNDLES = 50;

export interface FeedbackInput {
  classification: string;
  reason: string | null;
  conversationId: string | null;
  includeLogs: boolean;
}

export interface FeedbackBundleSources {
  codexHome: string;
  userAgent: string;
  /** The thread's rollout file, when the server knows it. */
  rolloutPath: string | null;
  /** Recent server log lines (only included when the client asks for logs). */
  logs: readonly string[];
}

/**
 * Writes a feedback bundle to `CODEX_HOME/feedback/<id>/`: `feedback.json` (classification, reason, thread id,
 * time, user agent), the thread's `rollout.jsonl` when known and, with `includeLogs`, `app-server.log`. The bundle
 * is assembled in a temp directory next to its destination and renamed into place, so it is never half-written.
 * It is bounded: the rollout copy is at most FEEDBACK_ROLLOUT_MAX_BYTES (its last whole lines; `feedback.json`
 * says how much was left out), the logs are the server's bounded ring, and only the newest FEEDBACK_MAX_BUNDLES
 * bundles are kept.
 */
export async function writeFeedbackBundle(
  input: FeedbackInput,
  src: FeedbackBundleSources,
): Promise<{ id: string; dir: string }> {
  const id = randomUUID();
  const root = path.join(src.codexHome, "feedback");
  await fs.mkdir(root, { recursive: true });
  const tmp = await fs.mkdtemp(path.join(root, ".tmp-"));
  try {
    const meta = {
      id,
      classification: input.classification,
      reason: input.reason,
      threadId: input.conversationId,
      createdAt: new Date().toISOString(),
      userAgent: src.userAgent,
      includesRollout: src.rolloutPath !== null,
      includesLogs: input.includeLogs,
    };
    const leftOut = src.rolloutPath
      ? await copyRolloutTail(src.rolloutPath, path.join(tmp, "rollout.jsonl"))
      : 0;
    const described = leftOut > 0 ? { ...meta, rolloutBytesLeftOut: leftOut } : meta;
    await writeSynced(path.join(tmp, "feedback.json"), `${JSON.stringify(described, null, 2)}\n`);
    if (input.includeLogs) await writeSynced(path.join(tmp, "app-server.log"), src.logs.join(""));
    const dir = path.join(root, id);
    await fs.rename(tmp, dir);
    await pruneBundles(root).catch(() => undefined);
    return { id, dir };
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Copies the rollout, or its last whole lines within FEEDBACK_ROLLOUT_MAX_BYTES; returns the bytes left out. */
async function copyRolloutTail(from: string, to: string): Promise<number> {
  const source = await fs.open(from, "r");
  try {
    const { size } = await source.stat();
    const start = Math.max(0, size - FEEDBACK_ROLLOUT_MAX_BYTES);
    const buf = Buffer.alloc(size - start);
    const { bytesRead } = await source.read(buf, 0, buf.length, start);
    let kept = buf.subarray(0, bytesRead);
    if (start > 0) kept = kept.subarray(kept.indexOf(0x0a) + 1);
    await writeSynced(to, kept);
    return size - kept.length;
  } finally {
    await source.close();
  }
}

const BUNDLE_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Removes the oldest bundles beyond FEEDBACK_MAX_BUNDLES (only directories named like bundles). */
async function pruneBundles(root: string): Promise<void> {
  const bundles: { dir: string; mtime: number }[] = [];
  for (const entry of await fs.readdir(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || !BUNDLE_NAME.test(entry.name)) continue;
    const dir = path.join(root, entry.name);
    bundles.push({ dir, mtime: (await fs.stat(dir)).mtimeMs });
  }
  bundles.sort((a, b) => b.mtime - a.mtime);
  for (const old of bundles.slice(FEEDBACK_MAX_BUNDLES))
    await fs.rm(old.dir, { recursive: true, force: true });
}

async function writeSynced(file: string, text: string | Uint8Array): Promise<void> {
  const handle = await fs.open(file, "w");
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Sends the bundle's files as one JSON document to the configured endpoint (none by default). */
export async function uploadFeedbackBundle(dir: string, endpoint: string): Promise<void> {
  const files: Record<string, string> = {};
  for (const name of await fs.readdir(dir)) files[name] = await fs.readFile(path.join(dir, name), "utf8");
  const res = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ files }),
  });
  if (!res.ok) throw new Error(`feedback endpoint returned status ${res.status}`);
}
