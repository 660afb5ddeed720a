import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { type gen0166, internalError, invalidRequest } from "@codex-ts/app-server-protocol";
import { readBoundedFile } from "@codex-ts/config-loader";
import { osErrorText, uuidV7 } from "@codex-ts/core";
import { parseThreadId } from "../../threads/registry.js";

/** The most of one attachment a saved bundle carries (a longer file is refused, not cut). */
export const FEEDBACK_ATTACHMENT_MAX_BYTES = 16 * 1024 * 1024;
/** The most extra files one bundle takes. */
export const FEEDBACK_MAX_EXTRA_FILES = 32;

/** The titles 0.166.0 gives each classification in a report's message. */
const TITLES: Record<string, string> = {
  bug: "Bug",
  bad_result: "Bad result",
  good_result: "Good result",
  safety_check: "Safety check",
};

const CONTENT_TYPES: Record<string, string> = {
  ".json": "application/json",
  ".toml": "text/x-toml",
  ".jsonl": "application/x-ndjson",
};

export interface FeedbackSaveSources {
  /** The server's recent log lines (what `feedback/upload` bundles too). */
  logs: readonly string[];
  cliVersion: string;
}

const failed = (message: string) => internalError(`failed to save feedback: ${message}`);

/**
 * `feedback/save`: the feedback 0.166.0 would upload, written instead as a ZIP at the client's `savePath` (absolute,
 * not yet there; created 0600, written to a temp file beside it, fsynced, then linked into place, so a file that
 * appeared meanwhile is never replaced): `report.json` (the report event: id, title, time, the reason, tags),
 * `manifest.json` (the attachments) and `attachments/NNNN/<name>`: the server's recent logs with `includeLogs`, and
 * each of `extraLogFiles` (regular files of at most FEEDBACK_ATTACHMENT_MAX_BYTES). The thread is the one named,
 * else a new `no-active-thread-<uuid>`.
 */
export async function saveFeedback(
  p: gen0166.FeedbackSaveParams,
  src: FeedbackSaveSources,
): Promise<gen0166.FeedbackSaveResponse> {
  if (!path.isAbsolute(p.savePath)) throw invalidRequest("feedback savePath must be an absolute host path");
  const threadId = p.threadId != null ? parseThreadId(p.threadId) : `no-active-thread-${uuidV7()}`;
  const extra = p.extraLogFiles ?? [];
  if (extra.length > FEEDBACK_MAX_EXTRA_FILES)
    throw invalidRequest(`feedback/save takes at most ${FEEDBACK_MAX_EXTRA_FILES} extraLogFiles`);
  const savePath = path.resolve(p.savePath);
  if (
    await fs.lstat(savePath).then(
      () => true,
      () => false,
    )
  )
    throw failed("feedback save path already exists");

  const attachments: { filename: string; contentType: string; data: Uint8Array }[] = [];
  if (p.includeLogs)
    attachments.push({
      filename: "codex-logs.log",
      contentType: "text/plain",
      data: Buffer.from(src.logs.join("")),
    });
  for (const file of extra) {
    try {
      attachments.push({
        filename: path.basename(file),
        contentType: CONTENT_TYPES[path.extname(file)] ?? "text/plain",
        data: await readBoundedFile(path.resolve(file), { maxBytes: FEEDBACK_ATTACHMENT_MAX_BYTES }),
      });
    } catch (err) {
      throw failed(`failed to read selected attachment ${file}: ${osErrorText(err)}`);
    }
  }
  const title = `[${TITLES[p.classification] ?? "Other"}]: Codex session ${threadId}`;
  const tags: Record<string, string> = {
    ...p.tags,
    classification: p.classification,
    cli_version: src.cliVersion,
    ...(p.reason != null ? { reason: p.reason } : {}),
    session_source: "vscode",
    thread_id: threadId,
  };
  const report = {
    event_id: randomUUID().replaceAll("-", ""),
    ...(p.classification === "bug" ? {} : { level: "info" }),
    message: title,
    timestamp: Date.now() / 1000,
    ...(p.reason != null ? { exception: { values: [{ type: title, value: p.reason }] } } : {}),
    tags: Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
  const entries = attachments.map((a, i) => ({
    entry: `attachments/${String(i).padStart(4, "0")}/${a.filename}`,
    filename: a.filename,
    contentType: a.contentType,
  }));
  // A ZIP without compression (what every reader opens), entries in this order. fflate is loaded by a save: at
  // load it builds its tables and loads worker_threads, which no start of the server needs.
  const { zipSync } = await import("fflate");
  const zip = zipSync(
    {
      "report.json": Buffer.from(JSON.stringify(report)),
      ...Object.fromEntries(attachments.map((a, i) => [entries[i]?.entry ?? "", a.data])),
      "manifest.json": Buffer.from(JSON.stringify(entries)),
    },
    { level: 0 },
  );
  await writeNew(savePath, zip);
  return { savedPath: savePath, threadId, promptHash: null };
}

/** Writes `data` as a new 0600 file at `target`: temp file beside it, fsync, then a link that never replaces. */
async function writeNew(target: string, data: Uint8Array): Promise<void> {
  const temp = path.join(path.dirname(target), `.tmp${randomUUID().slice(0, 6)}`);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(temp, "wx", 0o600);
  } catch (err) {
    throw failed(`${osErrorText(err)} at path ${JSON.stringify(temp)}`);
  }
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.link(temp, target).catch((err: NodeJS.ErrnoException) => {
      throw failed(err.code === "EEXIST" ? "feedback save path already exists" : osErrorText(err));
    });
  } finally {
    await fs.rm(temp, { force: true });
  }
}
