import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";

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
    await writeSynced(path.join(tmp, "feedback.json"), `${JSON.stringify(meta, null, 2)}\n`);
    if (src.rolloutPath) await fs.copyFile(src.rolloutPath, path.join(tmp, "rollout.jsonl"));
    if (input.includeLogs) await writeSynced(path.join(tmp, "app-server.log"), src.logs.join(""));
    const dir = path.join(root, id);
    await fs.rename(tmp, dir);
    return { id, dir };
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function writeSynced(file: string, text: string): Promise<void> {
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
