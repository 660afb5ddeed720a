import fs from "node:fs/promises";
import path from "node:path";
import ignore, { type Ignore } from "ignore";

/** The .gitignore rules found in one directory, applied to paths below it. */
interface Rules {
  dir: string; // relative to the root, "" for the root itself
  matcher: Ignore;
}

const READDIR_CONCURRENCY = 16;

async function readRules(absDir: string, relDir: string): Promise<Rules | null> {
  try {
    const text = await fs.readFile(path.join(absDir, ".gitignore"), "utf8");
    return { dir: relDir, matcher: ignore().add(text) };
  } catch {
    return null;
  }
}

function ignored(rules: Rules[], relPath: string, isDir: boolean): boolean {
  for (const r of rules) {
    const sub = r.dir === "" ? relPath : relPath.slice(r.dir.length + 1);
    if (r.matcher.ignores(isDir ? `${sub}/` : sub)) return true;
  }
  return false;
}

/**
 * Lists the files under `root` (paths relative to it, `/`-separated), honouring every `.gitignore` on the way
 * down and skipping `.git`. Symlinks are reported, not followed. Stops early when `signal` aborts.
 */
export async function walkFiles(
  root: string,
  signal: AbortSignal,
  onFile: (relPath: string) => void,
): Promise<void> {
  const queue: { rel: string; rules: Rules[] }[] = [{ rel: "", rules: [] }];
  const worker = async (): Promise<void> => {
    for (;;) {
      if (signal.aborted) return;
      const job = queue.shift();
      if (!job) return;
      const abs = job.rel === "" ? root : path.join(root, job.rel);
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
        if (e.name === ".git") continue;
        const rel = job.rel === "" ? e.name : `${job.rel}/${e.name}`;
        const isDir = e.isDirectory();
        if (ignored(rules, rel, isDir)) continue;
        if (isDir) queue.push({ rel, rules });
        else onFile(rel);
      }
    }
  };
  // Workers exit when the queue is momentarily empty, so keep starting rounds until no directory is left.
  while (queue.length > 0 && !signal.aborted) {
    await Promise.all(Array.from({ length: Math.min(READDIR_CONCURRENCY, queue.length) }, worker));
  }
}
