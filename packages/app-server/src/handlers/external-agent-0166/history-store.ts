import { join } from "node:path";
import { type gen0166, protocol0166 } from "@codex-ts/app-server-protocol";
import { FileReadError, isMissingPath, readBoundedFile, writeFileAtomically } from "@codex-ts/config-loader";
import { z } from "zod";

type History = gen0166.ExternalAgentConfigImportHistory;

/**
 * Where this server keeps finished imports. 0.166.0 keeps them in its `state_5.sqlite`
 * (`external_agent_config_imports`), a database whose schema its own migrations own; this server keeps its own
 * file beside it instead.
 */
export const IMPORT_HISTORY_FILE = "external_agent_config_imports.json";
/** The most imports kept; older ones are dropped first. */
export const MAX_IMPORT_HISTORIES = 1000;
const HISTORY_FILE_MAX_BYTES = 16 * 1024 * 1024;
/** The file: the histories as `readHistories` answers them (its schema checks what is read back). */
const HistoryFile = z.object({
  imports: protocol0166.requests["externalAgentConfig/import/readHistories"].response.shape.data,
});

/**
 * The import history of one CODEX_HOME: appended by finished imports and `recordHistory`, read newest first. Each
 * change rewrites the file atomically; changes from one process are serialised.
 */
export class ImportHistoryStore {
  private static readonly stores = new Map<string, ImportHistoryStore>();
  private queue: Promise<unknown> = Promise.resolve();
  readonly path: string;

  private constructor(codexHome: string) {
    this.path = join(codexHome, IMPORT_HISTORY_FILE);
  }

  /** The one store of a CODEX_HOME in this process, so that the connections of a listening server queue together. */
  static for(codexHome: string): ImportHistoryStore {
    let store = ImportHistoryStore.stores.get(codexHome);
    if (!store) {
      store = new ImportHistoryStore(codexHome);
      ImportHistoryStore.stores.set(codexHome, store);
    }
    return store;
  }

  /** Every kept import, newest first. A file this server cannot read is an error, not an empty history. */
  async list(): Promise<History[]> {
    return [...(await this.read())].reverse();
  }

  add(entry: History): Promise<void> {
    const run = this.queue.then(async () => {
      const kept = [...(await this.read()), entry].slice(-MAX_IMPORT_HISTORIES);
      await writeFileAtomically(this.path, `${JSON.stringify({ imports: kept })}\n`, { newFileMode: 0o600 });
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async read(): Promise<History[]> {
    let raw: Buffer;
    try {
      raw = await readBoundedFile(this.path, { maxBytes: HISTORY_FILE_MAX_BYTES });
    } catch (err) {
      if (isMissingPath(err)) return [];
      const why = err instanceof FileReadError ? err.message : (err as Error).message;
      throw new Error(`failed to read ${this.path}: ${why}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString("utf8"));
    } catch (err) {
      throw new Error(`failed to read ${this.path}: ${(err as Error).message}`);
    }
    const file = HistoryFile.safeParse(parsed);
    if (!file.success) throw new Error(`failed to read ${this.path}: not an import history`);
    return file.data.imports;
  }
}
