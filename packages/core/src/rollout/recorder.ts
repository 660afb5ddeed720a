import { type FileHandle, mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import { openRegularFile } from "@codex-ts/config-loader";
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

/**
 * The recorder of an ephemeral thread (0.166's `ephemeral: true`, kept out of the store as 0.166.0 keeps it): it
 * writes nothing, and its `path` is "" (there is no rollout).
 */
export function memoryRecorder(): RolloutRecorder {
  return { path: "", record: () => undefined, flush: async () => undefined, shutdown: async () => undefined };
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

/**
 * Re-opens an existing rollout for appending; nothing is written until new items arrive. `openPath` is the file
 * opened (the store passes the confined real path); `path` is what the recorder reports. Only an existing regular
 * file is appended to (config-loader's `openRegularFile`: never created, never a FIFO or device).
 */
export async function reopenRecorder(path: string, openPath: string = path): Promise<RolloutRecorder> {
  const { handle } = await openRegularFile(openPath, "append");
  return new FileRolloutRecorder(path, handle);
}
