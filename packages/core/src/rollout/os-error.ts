import { constants } from "node:os";
import { getSystemErrorMap } from "node:util";

/** glibc's strerror texts for the errors file operations meet; libuv words some of them differently. */
const STRERROR: Record<string, string> = {
  ENOENT: "No such file or directory",
  EEXIST: "File exists",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  ENOTEMPTY: "Directory not empty",
  EXDEV: "Invalid cross-device link",
  ENOSPC: "No space left on device",
  EROFS: "Read-only file system",
  EBUSY: "Device or resource busy",
  ELOOP: "Too many levels of symbolic links",
  ENAMETOOLONG: "File name too long",
};

/**
 * Renders a Node system error the way Codex (Rust's io::Error) prints it, e.g.
 * `No such file or directory (os error 2)`, so error messages match the real server's.
 */
export function osErrorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code;
  if (isNulByteError(err)) return NUL_BYTE_TEXT;
  if (code && typeof e.errno === "number") {
    const errno = (constants.errno as Record<string, number>)[code] ?? Math.abs(e.errno);
    const text = STRERROR[code] ?? getSystemErrorMap().get(e.errno)?.[1] ?? code;
    return `${text.charAt(0).toUpperCase()}${text.slice(1)} (os error ${errno})`;
  }
  return e instanceof Error ? e.message : String(err);
}

/** Rust's `io::ErrorKind` for the errno values a spawn or file operation meets (others are `Uncategorized`). */
const ERROR_KIND: Record<string, string> = {
  ENOENT: "NotFound",
  EACCES: "PermissionDenied",
  EPERM: "PermissionDenied",
  EEXIST: "AlreadyExists",
  ENOTDIR: "NotADirectory",
  EISDIR: "IsADirectory",
  ENOTEMPTY: "DirectoryNotEmpty",
  EROFS: "ReadOnlyFilesystem",
  ELOOP: "FilesystemLoop",
  ENAMETOOLONG: "InvalidFilename",
  E2BIG: "ArgumentListTooLong",
  ENOMEM: "OutOfMemory",
  ETXTBSY: "ExecutableFileBusy",
  ENOSPC: "StorageFull",
  EBUSY: "ResourceBusy",
  EXDEV: "CrossesDevices",
};

/**
 * Renders a Node system error as Rust's `Debug` of an OS io::Error, e.g.
 * `Os { code: 2, kind: NotFound, message: "No such file or directory" }` — 0.58.0 shows that form when a command
 * cannot be started. Errors without an errno come back as their message.
 */
export function osErrorDebug(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code;
  if (!code || typeof e.errno !== "number") return e instanceof Error ? e.message : String(err);
  const errno = (constants.errno as Record<string, number>)[code] ?? Math.abs(e.errno);
  const text = STRERROR[code] ?? getSystemErrorMap().get(e.errno)?.[1] ?? code;
  const message = `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
  return `Os { code: ${errno}, kind: ${ERROR_KIND[code] ?? "Uncategorized"}, message: ${JSON.stringify(message)} }`;
}

/** What Rust's std says when a path or argument holds a NUL byte (it cannot become a C string). */
const NUL_BYTE_TEXT = "nul byte found in provided data";

/** Node's refusal of a path, argument or option holding a NUL byte (`ERR_INVALID_ARG_VALUE` / `_TYPE`). */
function isNulByteError(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException;
  return (
    (e?.code === "ERR_INVALID_ARG_VALUE" || e?.code === "ERR_INVALID_ARG_TYPE") &&
    /null bytes/.test(e.message ?? "")
  );
}

/**
 * Whether a file operation failed because its file (or a folder on its path) is gone: a rollout removed or moved
 * (deleted, archived) by another request or process between its lookup and its read. The callers answer such a
 * race as if the lookup had not found the rollout, never with the raw errno text.
 */
export function isVanishedFileError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}
