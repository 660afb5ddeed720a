import { type FSWatcher, watch as watchPath } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { invalidRequest } from "@codex-ts/app-server-protocol";

/** How long changes are gathered into one `fs/changed` (0.166.0's debounce). */
export const FS_CHANGED_DEBOUNCE_MS = 200;
/**
 * The most watches one connection holds at once (0.166.0 sets none): each holds inotify watches, a resource the
 * whole user shares.
 */
export const FS_MAX_WATCHES_PER_CONNECTION = 1024;

interface Watch {
  watchers: FSWatcher[];
  pending: Set<string>;
  timer: NodeJS.Timeout | undefined;
}

/**
 * One connection's `fs/watch` subscriptions, as 0.166.0 keeps them: by the client's `watchId`, not recursive (a
 * directory reports its direct entries; a file, or a path that does not exist yet, reports itself when it is
 * written, created, replaced or removed), changes gathered for 200 ms into one notification of sorted paths.
 * Watches end with `fs/unwatch` (no notification of it follows the answer) or when the connection closes
 * (`closeAll`); their OS watchers never keep the process alive.
 */
export class FsWatches {
  private readonly watches = new Map<string, Watch>();

  constructor(
    private readonly notify: (params: { watchId: string; changedPaths: string[] }) => void,
    private readonly log: (message: string) => void,
  ) {}

  /** Starts watch `watchId` on `p` (a normalized absolute path); refuses an id in use. */
  async watch(watchId: string, p: string): Promise<void> {
    if (this.watches.has(watchId)) throw invalidRequest(`watchId already exists: ${watchId}`);
    if (this.watches.size >= FS_MAX_WATCHES_PER_CONNECTION)
      throw invalidRequest(
        `too many filesystem watches on this connection (the limit is ${FS_MAX_WATCHES_PER_CONNECTION})`,
      );
    const w: Watch = { watchers: [], pending: new Set(), timer: undefined };
    // Reserved before the first await, so that a second `fs/watch` with this id is refused meanwhile.
    this.watches.set(watchId, w);
    const changed = (changedPath: string) => this.changed(watchId, w, changedPath);
    const stats = await fs.stat(p).catch(() => null);
    if (stats?.isDirectory()) {
      this.open(w, p, (name) => changed(name ? path.join(p, name) : p));
    } else {
      // The path itself: its directory sees it created, replaced (an editor's atomic save) or removed …
      const { dir, component } = await nearestExisting(p);
      this.open(w, dir, (name) => {
        if (name === component) changed(p);
      });
      // … and a watch on the file (through a symlink) sees it written in place.
      if (stats) this.open(w, p, () => changed(p));
    }
    // Unwatched while the directory was looked up: nothing of it may stay open.
    if (this.watches.get(watchId) !== w) close(w);
  }

  /** Ends watch `watchId` (an unknown id is fine, as in 0.166.0); no notification of it is sent afterwards. */
  unwatch(watchId: string): void {
    const w = this.watches.get(watchId);
    if (!w) return;
    this.watches.delete(watchId);
    close(w);
  }

  /** Ends every watch (the connection closed). */
  closeAll(): void {
    for (const w of this.watches.values()) close(w);
    this.watches.clear();
  }

  private open(w: Watch, target: string, onEvent: (name: string | null) => void): void {
    try {
      const watcher = watchPath(target, { persistent: false }, (_event, name) => onEvent(name));
      // A watched directory that goes away ends its watcher; the watch itself stays until unwatched.
      watcher.on("error", (err) => {
        this.log(`fs/watch of ${target} stopped: ${err.message}`);
        watcher.close();
      });
      w.watchers.push(watcher);
    } catch (err) {
      // Unwatchable (gone since, or no permission): the watch exists and reports nothing, as 0.166.0's does.
      this.log(`fs/watch of ${target} failed: ${(err as Error).message}`);
    }
  }

  private changed(watchId: string, w: Watch, changedPath: string): void {
    if (this.watches.get(watchId) !== w) return;
    w.pending.add(changedPath);
    w.timer ??= setTimeout(() => {
      w.timer = undefined;
      const changedPaths = [...w.pending].sort();
      w.pending.clear();
      if (this.watches.get(watchId) === w && changedPaths.length > 0) this.notify({ watchId, changedPaths });
    }, FS_CHANGED_DEBOUNCE_MS);
    w.timer.unref();
  }
}

function close(w: Watch): void {
  if (w.timer) clearTimeout(w.timer);
  w.timer = undefined;
  w.pending.clear();
  for (const watcher of w.watchers) watcher.close();
  w.watchers = [];
}

/**
 * The nearest existing directory on the way to `p` and the name in it that leads to `p` (`p`'s own name when its
 * directory exists): creating that name is the first change `p` can see.
 */
async function nearestExisting(p: string): Promise<{ dir: string; component: string }> {
  let child = p;
  let dir = path.dirname(p);
  while (dir !== child) {
    const stats = await fs.stat(dir).catch(() => null);
    if (stats?.isDirectory()) return { dir, component: path.basename(child) };
    child = dir;
    dir = path.dirname(dir);
  }
  return { dir, component: path.basename(child) };
}
