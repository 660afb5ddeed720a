import fs from "node:fs/promises";
import path from "node:path";
import ignore, { type Ignore } from "ignore";

/** The .gitignore rules found in one directory, applied to paths below it. */
interface Rules {
  dir: string; // relative to the root, "" for the root itself
  matcher: Ignore;
}

const READDIR_CONCURRENCY = 16;
/** A .gitignore larger than this is not read (its rules are not applied). */
export const GITIGNORE_MAX_BYTES = 1024 * 1024;

/** The rules of `<absDir>/.gitignore`, read only when it is a regular file within GITIGNORE_MAX_BYTES. */
async function readRules(absDir: string, relDir: string): Promise<Rules | null> {
  let handle: fs.FileHandle | undefined;
  try {
    // Non-blocking, so a FIFO named .gitignore cannot hold a file-system thread.
    handle = await fs.open(path.join(absDir, ".gitignore"), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const info = await handle.stat();
    if (!info.isFile() || info.size > GITIGNORE_MAX_BYTES) return null;
    return { dir: relDir, matcher: ignore().add(await handle.readFile("utf8")) };
  } catch {
    return null;
  } finally {
    await handle?.close();
  }
}

function ignored(rules: Rules[], relPath: string, isDir: boolean): boolean {
  for (const r of rules) {
    const sub = r.dir === "" ? relPath : relPath.slice(r.dir.length + 1);
    if (r.matcher.ignores(isDir ? `${sub}/` : sub)) return true;
  }
  return false;
}

/** Why a walk ended before it saw everything, if it did. */
export type WalkEnd = "complete" | "aborted" | "entry-limit";

/**
 * Lists the files under each of `roots` (paths relative to their root, `/`-separated), honouring every
 * `.gitignore` on the way down and skipping `.git`. Symlinks are reported, not followed. The roots share one
 * breadth-first queue, so each gets its share of a walk that ends early: when `signal` aborts, or once
 * `maxEntries` directory entries have been looked at.
 */
export async function walkFiles(
  roots: readonly string[],
  signal: AbortSignal,
  onFile: (root: string, relPath: string) => void,
  maxEntries = Number.POSITIVE_INFINITY,
  /** Also told of each directory it descends into (0.166.0's search matches directories too). */
  onDirectory?: (root: string, relPath: string) => void,
): Promise<WalkEnd> {
  // Consumed entries are cleared (and the consumed head cut off now and then) so they can be collected.
  const queue: ({ root: string; rel: string; rules: Rules[] } | undefined)[] = roots.map((root) => ({
    root,
    rel: "",
    rules: [],
  }));
  let head = 0;
  let seen = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      if (signal.aborted || seen >= maxEntries) return;
      const job = queue[head];
      if (!job) return;
      queue[head++] = undefined;
      const abs = job.rel === "" ? job.root : path.join(job.root, job.rel);
      let entries: import("node:fs").Dirent[];
      try {
        entries = await fs.readdir(abs, { withFileTypes: true });
      } catch {
        continue; // unreadable or vanished directory: skip it, like a file search should
      }
      const own = entries.some((e) => e.name === ".gitignore" && e.isFile())
        ? await readRules(abs, job.rel)
        : null;
      const rules = own ? [...job.rules, own] : job.rules;
      for (const e of entries) {
        if (seen >= maxEntries) return;
        seen++;
        if (e.name === ".git") continue;
        const rel = job.rel === "" ? e.name : `${job.rel}/${e.name}`;
        const isDir = e.isDirectory();
        if (ignored(rules, rel, isDir)) continue;
        if (isDir) {
          queue.push({ root: job.root, rel, rules });
          onDirectory?.(job.root, rel);
        } else onFile(job.root, rel);
      }
      // A walk of `/` queues hundreds of thousands of directories.
      if (head > 4096 && head * 2 > queue.length) {
        queue.splice(0, head);
        head = 0;
      }
    }
  };
  // Workers exit when the queue is momentarily empty, so keep starting rounds until no directory is left.
  while (head < queue.length && !signal.aborted && seen < maxEntries) {
    await Promise.all(Array.from({ length: Math.min(READDIR_CONCURRENCY, queue.length - head) }, worker));
  }
  if (signal.aborted) return "aborted";
  return seen >= maxEntries && head < queue.length ? "entry-limit" : "complete";
}
