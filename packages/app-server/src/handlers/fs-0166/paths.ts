import path from "node:path";
import { internalError, invalidRequest, RpcError } from "@codex-ts/app-server-protocol";
import { FileReadError } from "@codex-ts/config-loader";
import { osErrorText } from "@codex-ts/core";

/**
 * A path a client named, as 0.166.0's `AbsolutePathBuf` takes it: absolute (else serde's refusal), normalized
 * lexically (`a/../b` is `b`; symlinks are not resolved), and free of NUL bytes (which no system call takes).
 */
export function clientPath(raw: string): string {
  if (!path.isAbsolute(raw))
    throw invalidRequest("Invalid request: AbsolutePathBuf deserialized without a base path");
  if (raw.includes("\0")) throw invalidRequest("file name contained an unexpected NUL byte");
  return path.resolve(raw);
}

/** The refusal of a read of something that is not a regular file, in 0.166.0's words. */
export const notAFile = (p: string) => invalidRequest(`path \`${p}\` is not a file`);

/**
 * What a failed filesystem operation answers, as 0.166.0 answers it: an OS error is `-32603` with Rust's io::Error
 * text (`No such file or directory (os error 2)`); the bounded reader's refusals are `-32600`.
 */
export function fsError(err: unknown, p: string, maxReadBytes: number): RpcError {
  if (err instanceof RpcError) return err;
  if (err instanceof FileReadError)
    return err.reason === "too-large"
      ? invalidRequest(`file is too large to read: limit is ${maxReadBytes} bytes`)
      : notAFile(p);
  return internalError(osErrorText(err));
}
