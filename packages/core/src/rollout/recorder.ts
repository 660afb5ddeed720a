import { constants } from "node:fs";
import { type FileHandle, mkdir, open, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { notRegular } from "@codex-ts/config-loader";
import { isPersisted, type RolloutItem, serializeLine } from "./line.js";

/** Appends a conversation's items to its rollout file (see DESIGN.md). */
export interface RolloutRecorder {
  readonly path: string;
  /** Queues items; those the persistence policy drops are skipped. Order is kept. */
  record(items: readonly RolloutItem[]): void;
  /** Resolves when everything recorded so far is written and fsynced. */
  flush(): Promise<void>;
  /** Flushes and closes the file; later records are ignored. */
  shutdown(): Promise<void>;
}

/**
 * One writer per file: every write is chained on the previous one, so lines land whole and in order even when
 * `record` is called from many places. Each line is a single `write` of a complete, newline-terminated line, so a
 * crash leaves at most a torn last line, which readers skip.
 */
class FileRolloutRecorder implements RolloutRecorder {
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  record(items: readonly RolloutItem[]): void {
    if (this.closed) return;
    const text = items
      .filter(isPersisted)
      .map((item) => serializeLine(item))
      .join("");
    if (text === "") return;
    this.chain = this.chain.then(async () => {
      if (this.failure) return;
      try {
        await this.handle.appendFile(text, "utf8");
      } catch (err) {
        this.failure = err as Error;
      }
    });
  }

  async flush(): Promise<void> {
    await this.chain;
    if (this.failure) throw new Error(`failed to write rollout ${this.path}: ${this.failure.message}`);
    if (!this.closed) await this.handle.sync();
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      await this.handle.close();
    }
  }
}

/** Creates the rollout file (and its date folders) and writes `first` (the session_meta line) at once. */
export async function createRecorder(path: string, first: RolloutItem): Promise<RolloutRecorder> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, "a");
  const recorder = new FileRolloutRecorder(path, handle);
  recorder.record([first]);
  await recorder.flush();
  return recorder;
}

/** Appending to an existing file only: never creates it, never blocks in `open` (see `reopenRecorder`). */
const REOPEN_FLAGS =
  constants.O_WRONLY | constants.O_APPEND | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/**
 * Re-opens an existing rollout for appending; nothing is written until new items arrive. `openPath` is the file
 * opened (the store passes the confined real path); `path` is what the recorder reports. Only a regular file is
 * appended to: anything else is closed again and refused.
 */
export async function reopenRecorder(path: string, openPath: string = path): Promise<RolloutRecorder> {
  const before = await stat(openPath);
  if (!before.isFile()) throw notRegular(before);
  const handle = await open(openPath, REOPEN_FLAGS);
  try {
    const after = await handle.stat();
    if (!after.isFile()) throw notRegular(after);
  } catch (err) {
    await handle.close();
    throw err;
  }
  return new FileRolloutRecorder(path, handle);
}
