// Reads a CommonJS bundle as the source vm.Script compiles: inside the wrapper `require` puts around a module.
import { isAscii } from "node:buffer";
import fs from "node:fs";
import Module from "node:module";

/** Node's CommonJS wrapper (what `Module.wrap` puts before and after a module's source), split at the source. */
const [HEAD, TAIL] = Module.wrap("\0").split("\0") as [string, string];

/** One bundle as read: its bytes, the wrapped source to compile, and its mtime (it names the code cache). */
export interface WrappedSource {
  bytes: Buffer;
  code: string;
  mtimeMs: number;
}

/**
 * Reads `file` and returns its source wrapped as `Module.wrap` does. An ASCII bundle (the build writes one) is read
 * into a buffer that already holds the wrapper and becomes one flat latin1 string: `Module.wrap` would build a
 * concatenation that V8 then copies into a flat string before compiling (~1.5 ms of every start at 2.5 MB).
 * Anything else is decoded as UTF-8 and wrapped by `Module.wrap`.
 */
export function readWrappedSource(file: string): WrappedSource {
  const fd = fs.openSync(file, "r");
  let buffer: Buffer;
  let size: number;
  let mtimeMs: number;
  try {
    const stat = fs.fstatSync(fd);
    mtimeMs = stat.mtimeMs;
    buffer = Buffer.allocUnsafe(HEAD.length + stat.size + TAIL.length);
    // A bundle rewritten while it is read may come out shorter: what was read is compiled (and misses the cache).
    size = 0;
    while (size < stat.size) {
      const n = fs.readSync(fd, buffer, HEAD.length + size, stat.size - size, size);
      if (n === 0) break;
      size += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  const bytes = buffer.subarray(HEAD.length, HEAD.length + size);
  if (!isAscii(bytes)) return { bytes, code: Module.wrap(bytes.toString("utf8")), mtimeMs };
  buffer.write(HEAD, 0, "latin1");
  buffer.write(TAIL, HEAD.length + size, "latin1");
  return { bytes, code: buffer.toString("latin1", 0, HEAD.length + size + TAIL.length), mtimeMs };
}
