import fs from "node:fs/promises";
import { invalidRequest, type Protocol0166, type ProtocolPeer } from "@codex-ts/app-server-protocol";
import type { Handlers } from "../../handler.js";
import { Base64Error, decodeCanonicalBase64 } from "./base64.js";
import {
  copyPath,
  FS_READ_FILE_MAX_BYTES,
  listDirectory,
  readFileBytes,
  removePath,
  writeFileBytes,
} from "./operations.js";
import { clientPath, fsError } from "./paths.js";
import { FsWatches } from "./watches.js";

export type FsMethod0166 =
  | "fs/readFile"
  | "fs/writeFile"
  | "fs/createDirectory"
  | "fs/getMetadata"
  | "fs/readDirectory"
  | "fs/remove"
  | "fs/copy"
  | "fs/watch"
  | "fs/unwatch";

export interface FsServices0166 {
  peer: ProtocolPeer<Protocol0166>;
  log: (message: string) => void;
  /** Registers what to do when the connection closes (its watches end with it). */
  onClose: (cleanup: () => void) => void;
}

/** Runs one filesystem operation on `p`, its failures answered in 0.166.0's words (see `fsError`). */
async function onPath<T>(p: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw fsError(err, p, FS_READ_FILE_MAX_BYTES);
  }
}

/** Unix milliseconds of a file time, 0 when the file system does not keep it (Rust's `as_millis`, truncated). */
const unixMs = (ms: number) => (Number.isFinite(ms) && ms > 0 ? Math.floor(ms) : 0);

/**
 * 0.166.0's filesystem API for remote clients: every path absolute (normalized; symlinks followed as the OS
 * follows them), contents as standard base64, OS failures as `-32603` with Rust's io::Error text. Ours bounds
 * reads (regular files only, at most FS_READ_FILE_MAX_BYTES; directory listings at most
 * FS_READ_DIRECTORY_MAX_ENTRIES) and writes atomically (temp file, fsync, rename), where 0.166.0 writes in place.
 * Watches belong to the connection and end with it.
 */
export function createFsHandlers0166(s: FsServices0166): Handlers<Protocol0166, FsMethod0166> {
  const watches = new FsWatches((params) => s.peer.notify("fs/changed", params), s.log);
  s.onClose(() => watches.closeAll());
  return {
    async "fs/readFile"(params) {
      const p = clientPath(params.path);
      const bytes = await onPath(p, () => readFileBytes(p));
      return { dataBase64: bytes.toString("base64") };
    },

    async "fs/writeFile"(params) {
      const p = clientPath(params.path);
      let bytes: Buffer;
      try {
        bytes = decodeCanonicalBase64(params.dataBase64);
      } catch (err) {
        if (!(err instanceof Base64Error)) throw err;
        throw invalidRequest(`fs/writeFile requires valid base64 dataBase64: ${err.message}`);
      }
      await onPath(p, () => writeFileBytes(p, bytes));
      return {};
    },

    async "fs/createDirectory"(params) {
      const p = clientPath(params.path);
      const recursive = params.recursive ?? true;
      await onPath(p, () => fs.mkdir(p, { recursive }));
      return {};
    },

    async "fs/getMetadata"(params) {
      const p = clientPath(params.path);
      return onPath(p, async () => {
        const stats = await fs.stat(p);
        const link = await fs.lstat(p);
        return {
          isDirectory: stats.isDirectory(),
          isFile: stats.isFile(),
          isSymlink: link.isSymbolicLink(),
          createdAtMs: unixMs(stats.birthtimeMs),
          modifiedAtMs: unixMs(stats.mtimeMs),
        };
      });
    },

    async "fs/readDirectory"(params) {
      const p = clientPath(params.path);
      return { entries: await onPath(p, () => listDirectory(p)) };
    },

    async "fs/remove"(params) {
      const p = clientPath(params.path);
      await onPath(p, () => removePath(p, params.recursive ?? true, params.force ?? true));
      return {};
    },

    async "fs/copy"(params) {
      const from = clientPath(params.sourcePath);
      const to = clientPath(params.destinationPath);
      await onPath(from, () => copyPath(from, to, params.recursive ?? false));
      return {};
    },

    async "fs/watch"(params) {
      const p = clientPath(params.path);
      await watches.watch(params.watchId, p);
      return { path: p };
    },

    "fs/unwatch"(params) {
      watches.unwatch(params.watchId);
      return {};
    },
  };
}
