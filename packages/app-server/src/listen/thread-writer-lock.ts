import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";
import { invalidRequest } from "@codex-ts/app-server-protocol";

/** What a lock file says about its holder. */
interface Holder {
  pid: number;
  /** The holder's start time as /proc reports it (clock ticks since boot): a reused pid is not the holder. */
  startTime: string | null;
  acquiredAt: string;
}

const MAX_LOCK_FILE_BYTES = 4096;

/** This process's start time from /proc (Linux); null where there is none. */
function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22; the command name (field 2) is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(holder: Holder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  if (holder.startTime === null) return true;
  const now = processStartTime(holder.pid);
  return now === null || now === holder.startTime;
}

function readHolder(file: string): Holder | null {
  try {
    const st = statSync(file);
    if (!st.isFile() || st.size > MAX_LOCK_FILE_BYTES) return null;
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<Holder>;
    if (typeof parsed.pid !== "number" || !Number.isInteger(parsed.pid) || parsed.pid <= 0) return null;
    return {
      pid: parsed.pid,
      startTime: typeof parsed.startTime === "string" ? parsed.startTime : null,
      acquiredAt: String(parsed.acquiredAt ?? ""),
    };
  } catch {
    return null;
  }
}

/** The error a server gets for a thread another live server writes. */
export function threadHeldError(threadId: string, pid: number | null) {
  const who = pid === null ? "another app-server process" : `another app-server process (pid ${pid})`;
  return invalidRequest(
    `thread ${threadId} is already loaded by ${who}; only one server may write a thread at a time`,
  );
}

/**
 * One writer per thread across processes: a server holds `CODEX_HOME/app-server-control/threads/<id>.lock` (its
 * pid and start time, created exclusively, 0600) for each thread it has loaded, and removes it when it lets the
 * thread go or exits. A lock whose holder is gone (killed with -9, crashed) or whose pid now belongs to another
 * process is stale and taken over. Taking a thread this process already holds succeeds.
 */
export class ThreadWriterLocks {
  private readonly dir: string;
  private readonly held = new Set<string>();
  private readonly self: Holder;
  private exitHook: (() => void) | null = null;

  constructor(codexHome: string) {
    this.dir = path.join(codexHome, "app-server-control", "threads");
    this.self = { pid: process.pid, startTime: processStartTime(process.pid), acquiredAt: "" };
  }

  /**
   * Takes the thread's lock or throws `threadHeldError` (a JSON-RPC -32600 error). Returns whether it was taken now
   * (false: this process held it already).
   */
  acquire(threadId: string): boolean {
    if (this.held.has(threadId)) return false;
    // Thread ids are UUIDs; anything else never names a file outside the lock directory.
    if (!/^[0-9A-Za-z-]{1,64}$/.test(threadId)) return false;
    const file = this.fileOf(threadId);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, "wx", 0o600);
        try {
          writeSync(fd, JSON.stringify({ ...this.self, acquiredAt: new Date().toISOString() }));
        } finally {
          closeSync(fd);
        }
        this.held.add(threadId);
        this.hookExit();
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const holder = readHolder(file);
      if (holder && holder.pid === this.self.pid && holder.startTime === this.self.startTime) {
        this.held.add(threadId);
        this.hookExit();
        return true;
      }
      // A file being written this instant reads as nothing yet: it counts as held, not as stale.
      if (holder === null && attempt === 0 && this.isFresh(file)) throw threadHeldError(threadId, null);
      if (holder && isAlive(holder)) throw threadHeldError(threadId, holder.pid);
      try {
        unlinkSync(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
    const holder = readHolder(file);
    throw threadHeldError(threadId, holder?.pid ?? null);
  }

  /** Lets the thread go (it was unloaded). */
  release(threadId: string): void {
    if (!this.held.delete(threadId)) return;
    const file = this.fileOf(threadId);
    const holder = readHolder(file);
    if (holder?.pid !== this.self.pid) return;
    try {
      unlinkSync(file);
    } catch {
      // Already gone.
    }
  }

  releaseAll(): void {
    for (const id of [...this.held]) this.release(id);
  }

  private fileOf(threadId: string): string {
    return path.join(this.dir, `${threadId}.lock`);
  }

  private isFresh(file: string): boolean {
    try {
      return Date.now() - statSync(file).mtimeMs < 1000;
    } catch {
      return false;
    }
  }

  /** Locks are removed on any exit that runs JavaScript; after kill -9 the next taker finds them stale. */
  private hookExit(): void {
    if (this.exitHook) return;
    this.exitHook = () => this.releaseAll();
    process.once("exit", this.exitHook);
  }
}
