import type { PullEvent } from "@codex-ts/core";

const GIB = 1024 * 1024 * 1024;
const MIB = 1024 * 1024;

/**
 * Renders a model pull on one stderr line, rewritten in place, as 0.58.0's `--oss` does: each status (the
 * manifest step left out), then, once a layer's size is known, a "Downloading model: total N GB" header and
 * `done/total GB (pct%) speed MB/s`; a newline at success. Errors are left to the caller, which prints them once.
 */
export class PullProgressPrinter {
  private lastLineLength = 0;
  private printedHeader = false;
  private lastCompleted = 0;
  private lastAt = performance.now();
  private readonly layers = new Map<string, { total: number; completed: number }>();

  constructor(private readonly write: (text: string) => void) {}

  readonly onEvent = (event: PullEvent): void => {
    switch (event.type) {
      case "status":
        if (event.status.toLowerCase() !== "pulling manifest") this.rewrite(event.status);
        return;
      case "progress":
        this.progress(event);
        return;
      case "success":
        this.write("\n");
        return;
      case "error":
        return;
    }
  };

  private progress(event: Extract<PullEvent, { type: "progress" }>): void {
    const layer = this.layers.get(event.digest) ?? { total: 0, completed: 0 };
    if (event.total !== undefined) layer.total = event.total;
    if (event.completed !== undefined) layer.completed = event.completed;
    this.layers.set(event.digest, layer);
    let total = 0;
    let completed = 0;
    for (const l of this.layers.values()) {
      total += l.total;
      completed += l.completed;
    }
    if (total === 0) return;
    if (!this.printedHeader) {
      this.write(`\r\x1b[2KDownloading model: total ${(total / GIB).toFixed(2)} GB\n`);
      this.printedHeader = true;
    }
    const now = performance.now();
    const seconds = Math.max((now - this.lastAt) / 1000, 0.001);
    const speed = Math.max(completed - this.lastCompleted, 0) / MIB / seconds;
    this.lastCompleted = completed;
    this.lastAt = now;
    const pct = (completed * 100) / total;
    this.rewrite(
      `${(completed / GIB).toFixed(2)}/${(total / GIB).toFixed(2)} GB (${pct.toFixed(1)}%) ${speed.toFixed(1)} MB/s`,
    );
  }

  /** Replaces the line: carriage return, the text, and spaces over what the longer previous line left. */
  private rewrite(text: string): void {
    this.write(`\r${text}${" ".repeat(Math.max(this.lastLineLength - text.length, 0))}`);
    this.lastLineLength = text.length;
  }
}
