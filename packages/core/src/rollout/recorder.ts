import { type FileHandle, mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import { openRegularFile } from "@codex-ts/config-loader";
import { type HistoryMode, isPersisted, type RolloutItem, serializeLine } from "./line.js";
import { nextOrdinal } from "./ordinal.js";

/** Appends a conversation's items to its rollout file (see DESIGN.md). */
export interface RolloutRecorder {
  readonly path: string;
  /** Queues items; those the persistence policy of the rollout's history mode drops are skipped. Order is kept. */
  record(items: readonly RolloutItem[]): void;
  /** Queues items as given, in the same order as `record`'s: a paginated rollout's turn and item records. */
  recordAsIs(items: readonly RolloutItem[]): void;
  /** Resolves when everything recorded so far is written and fsynced. */
  flush(): Promise<void>;
  /** Flushes and closes the file; later records are ignored. */
  shutdown(): Promise<void>;
}

/**
 * One writer per file: every write is chained on the previous one, so lines land whole and in order even when
 * `record` is called from many places. Each line is a single `write` of a complete, newline-terminated line, so a
 * crash leaves at most a torn last line, which readers skip. A paginated rollout's lines are numbered (`ordinal`,
 * ordinal.ts) in the order they are queued.
 */
class FileRolloutRecorder implements RolloutRecorder {
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly mode: HistoryMode,
    /** The next line's ordinal (paginated rollouts); null: lines are not numbered. */
    private ordinal: number | null,
  ) {}

  record(items: readonly RolloutItem[]): void {
    this.recordAsIs(items.filter((item) => isPersisted(item, this.mode)));
  }

  recordAsIs(items: readonly RolloutItem[]): void {
    if (this.closed) return;
    const at = new Date();
    const text = items
      .map((item) => serializeLine(item, at, this.ordinal === null ? undefined : this.ordinal++))
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
  return {
    path: "",
    record: () => undefined,
    recordAsIs: () => undefined,
    flush: async () => undefined,
    shutdown: async () => undefined,
  };
}

/** Creates the rollout file (and its date folders) and writes `first` (the session_meta line) at once. */
export async function createRecorder(
  path: string,
  first: RolloutItem,
  mode: HistoryMode = "legacy",
): Promise<RolloutRecorder> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, "a");
  const recorder = new FileRolloutRecorder(path, handle, mode, mode === "paginated" ? 0 : null);
  recorder.record([first]);
  await recorder.flush();
  return recorder;
}

/**
 * Re-opens an existing rollout for appending; nothing is written until new items arrive. `openPath` is the file
 * opened (the store passes the confined real path); `path` is what the recorder reports. Only an existing regular
 * file is appended to (config-loader's `openRegularFile`: never created, never a FIFO or device).
 */
export async function reopenRecorder(
  path: string,
  openPath: string = path,
  mode: HistoryMode = "legacy",
): Promise<RolloutRecorder> {
  const { handle, size } = await openRegularFile(openPath, "append");
  try {
    return new FileRolloutRecorder(
      path,
      handle,
      mode,
      mode === "paginated" ? await ordinalAt(openPath, size) : null,
    );
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** The ordinal of the line to append after the first `size` bytes of the rollout at `path`. */
async function ordinalAt(path: string, size: number): Promise<number> {
  const { handle } = await openRegularFile(path);
  try {
    return await nextOrdinal(handle, size);
  } finally {
    await handle.close();
  }
}
