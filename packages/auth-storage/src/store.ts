import { AuthStorageError } from "./errors.js";
import { deleteFile, loadFile, saveFile } from "./file-store.js";
import { deleteKeyring, loadKeyring, saveKeyring } from "./keyring-store.js";
import type { AuthRecord } from "./record.js";

export type StoreMode = "file" | "keyring" | "auto";
export type Backend = "file" | "keyring";

/** Where Codex credentials live, chosen by `cli_auth_credentials_store` (see DESIGN.md). */
export interface AuthStore {
  readonly mode: StoreMode;
  /** The stored record and the backend that answered, or null when nothing is stored. */
  load(): Promise<{ record: AuthRecord; backend: Backend } | null>;
  /** Saves the record; resolves to the backend that holds it. */
  save(record: AuthRecord): Promise<Backend>;
  /** Removes stored credentials from every backend of the mode; true when anything was removed. */
  delete(): Promise<boolean>;
}

export interface AuthStoreOptions {
  codexHome: string;
  mode: StoreMode;
  /** Receives warnings (never secrets), e.g. an `auto` fallback to the file. Default: stderr. */
  warn?: (message: string) => void;
}

export function createAuthStore({ codexHome, mode, warn = defaultWarn }: AuthStoreOptions): AuthStore {
  switch (mode) {
    case "file":
      return {
        mode,
        load: async () => withBackend(await loadFile(codexHome), "file"),
        save: async (record) => {
          await saveFile(codexHome, record);
          return "file";
        },
        delete: () => deleteFile(codexHome),
      };
    case "keyring":
      return {
        mode,
        load: async () => withBackend(await loadKeyring(codexHome), "keyring"),
        save: async (record) => {
          await saveKeyring(codexHome, record);
          // The keyring now holds the credentials; a stale plaintext copy must not linger.
          await deleteFile(codexHome).catch((err: unknown) =>
            warn(`failed to remove CLI auth fallback file: ${(err as Error).message}`),
          );
          return "keyring";
        },
        delete: async () => {
          const fromKeyring = await deleteKeyring(codexHome);
          const fromFile = await deleteFile(codexHome);
          return fromKeyring || fromFile;
        },
      };
    case "auto":
      return {
        mode,
        load: async () => {
          try {
            const record = await loadKeyring(codexHome);
            if (record) return { record, backend: "keyring" };
          } catch (err) {
            warn(`${(err as Error).message}; falling back to ${codexHome}/auth.json`);
          }
          return withBackend(await loadFile(codexHome), "file");
        },
        save: async (record) => {
          try {
            await saveKeyring(codexHome, record);
            await deleteFile(codexHome).catch(() => false);
            return "keyring";
          } catch (err) {
            warn(`failed to save auth to keyring, falling back to file storage: ${(err as Error).message}`);
            await saveFile(codexHome, record);
            return "file";
          }
        },
        // Unlike Codex 0.58.0, logout succeeds without a keyring and always removes auth.json.
        delete: async () => {
          let fromKeyring = false;
          let keyringError: unknown;
          try {
            fromKeyring = await deleteKeyring(codexHome);
          } catch (err) {
            keyringError = err;
          }
          const fromFile = await deleteFile(codexHome);
          if (keyringError && !fromFile) warn((keyringError as Error).message);
          return fromKeyring || fromFile;
        },
      };
    default:
      throw new AuthStorageError(`unknown credentials store mode: ${String(mode)}`, "file");
  }
}

function withBackend(record: AuthRecord | null, backend: Backend) {
  return record ? { record, backend } : null;
}

function defaultWarn(message: string): void {
  process.stderr.write(`WARN auth-storage: ${message}\n`);
}
