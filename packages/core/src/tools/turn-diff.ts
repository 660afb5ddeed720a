import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { dirname, relative } from "node:path";
import { structuredPatch } from "diff";

/** Git's id for "no file" in `index` lines. */
const ZERO_OID = "0".repeat(40);
const REGULAR = "100644";
const EXECUTABLE = "100755";

interface Baseline {
  /** Where the file was when the turn first touched it. */
  path: string;
  /** Its bytes then, or null when it did not exist. */
  content: Buffer | null;
  mode: string;
}

interface Snapshot {
  content: Buffer | null;
  mode: string;
}

async function snapshot(path: string): Promise<Snapshot> {
  try {
    const [content, info] = await Promise.all([readFile(path), stat(path)]);
    return { content, mode: info.mode & 0o111 ? EXECUTABLE : REGULAR };
  } catch {
    return { content: null, mode: REGULAR };
  }
}

/** Git's blob id of some bytes (what `git hash-object` prints). */
function blobOid(content: Buffer): string {
  return createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
}

/** A hunk range as GNU diff writes it: `start` alone for one line, `start-1,0` for none. */
function range(start: number, lines: number): string {
  if (lines === 1) return String(start);
  return `${lines === 0 ? start - 1 : start},${lines}`;
}

function unifiedBody(oldText: string, newText: string, oldHeader: string, newHeader: string): string {
  const { hunks } = structuredPatch(oldHeader, newHeader, oldText, newText, "", "", { context: 3 });
  if (hunks.length === 0) return "";
  const body = hunks
    .map(
      (h) =>
        `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@\n${h.lines.join("\n")}\n`,
    )
    .join("");
  return `--- ${oldHeader}\n+++ ${newHeader}\n${body}`;
}

function asText(content: Buffer | null): string | null {
  if (content === null) return null;
  const text = content.toString("utf8");
  return Buffer.from(text, "utf8").equals(content) ? text : null;
}

/**
 * The files apply_patch touched during one turn and the aggregated diff of them against what they were when the
 * turn first touched them (Codex's `turn_diff`): git-style sections (`diff --git`, mode lines, `index`, a unified
 * diff with 3 lines of context), paths relative to the enclosing git repository (absolute outside one), sorted
 * by path. Moves are followed; a file that ends as it began contributes nothing.
 */
export class TurnDiffTracker {
  private readonly baselines: Baseline[] = [];
  /** Current path of each tracked file → its baseline. */
  private readonly byPath = new Map<string, Baseline>();
  /** Baseline → where the file is now. */
  private readonly current = new Map<Baseline, string>();
  private readonly gitRoots = new Map<string, string | null>();

  /** Call before a patch is applied: snapshots every file it will touch that the turn has not touched yet. */
  async beforePatch(changes: readonly { path: string; movePath?: string | undefined }[]): Promise<void> {
    for (const change of changes) {
      let baseline = this.byPath.get(change.path);
      if (!baseline) {
        const { content, mode } = await snapshot(change.path);
        baseline = { path: change.path, content, mode };
        this.baselines.push(baseline);
        this.byPath.set(change.path, baseline);
        this.current.set(baseline, change.path);
      }
      if (change.movePath && change.movePath !== change.path) {
        this.byPath.delete(change.path);
        this.byPath.set(change.movePath, baseline);
        this.current.set(baseline, change.movePath);
      }
    }
  }

  /** The aggregated diff of the turn's changes as they stand on disk, or null when nothing differs. */
  async unifiedDiff(): Promise<string | null> {
    const sections: { key: string; text: string }[] = [];
    for (const baseline of this.baselines) {
      const currentPath = this.current.get(baseline) ?? baseline.path;
      const left = await this.display(baseline.path);
      const right = await this.display(currentPath);
      const now = await snapshot(currentPath);
      const text = this.fileDiff(baseline, now, left, right);
      if (text) sections.push({ key: left, text: text.endsWith("\n") ? text : `${text}\n` });
    }
    sections.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const all = sections.map((s) => s.text).join("");
    return all.trim() === "" ? null : all;
  }

  private fileDiff(baseline: Baseline, now: Snapshot, left: string, right: string): string {
    const before = baseline.content;
    const after = now.content;
    if (before === null && after === null) return "";
    if (before !== null && after !== null && before.equals(after)) return "";
    let out = `diff --git a/${left} b/${right}\n`;
    const isAdd = before === null;
    const isDelete = after === null;
    if (isAdd) out += `new file mode ${now.mode}\n`;
    else if (isDelete) out += `deleted file mode ${baseline.mode}\n`;
    else if (baseline.mode !== now.mode) out += `old mode ${baseline.mode}\nnew mode ${now.mode}\n`;
    const leftOid = before ? blobOid(before) : ZERO_OID;
    const rightOid = after ? blobOid(after) : ZERO_OID;
    const oldText = asText(before);
    const newText = asText(after);
    if ((before !== null && oldText === null) || (after !== null && newText === null)) {
      return `${out}index ${leftOid}..${rightOid}\nBinary files differ\n`;
    }
    out += `index ${leftOid}..${rightOid}\n`;
    return (
      out +
      unifiedBody(
        oldText ?? "",
        newText ?? "",
        isAdd ? "/dev/null" : `a/${left}`,
        isDelete ? "/dev/null" : `b/${right}`,
      )
    );
  }

  /** A path as the diff shows it: relative to its git repository's root, else as it is; always with `/`. */
  private async display(path: string): Promise<string> {
    const root = await this.gitRoot(dirname(path));
    const shown = root ? relative(root, path) : path;
    return shown.replace(/\\/g, "/");
  }

  private async gitRoot(dir: string): Promise<string | null> {
    if (this.gitRoots.has(dir)) return this.gitRoots.get(dir) ?? null;
    let found: string | null = null;
    try {
      await stat(`${dir}/.git`);
      found = dir;
    } catch {
      const parent = dirname(dir);
      found = parent === dir ? null : await this.gitRoot(parent);
    }
    this.gitRoots.set(dir, found);
    return found;
  }
}
