/**
 * The server's recent log lines, kept for feedback bundles, bounded in lines and in bytes: a client can make the
 * server log what it sent (a 30 MB method name), so each message is cut first and the ring drops its oldest lines
 * to stay within its budget.
 */

/** A log message longer than this (UTF-16 units) is cut, its head kept with a note of what was left out. */
export const LOG_MESSAGE_MAX_CHARS = 8 * 1024;
/** Lines the ring keeps at most. */
export const LOG_RING_MAX_LINES = 2000;
/** Characters the ring keeps at most (about bytes: log lines are mostly ASCII). */
export const LOG_RING_MAX_CHARS = 2 * 1024 * 1024;

/** `message` within LOG_MESSAGE_MAX_CHARS. */
export function cutLogMessage(message: string): string {
  if (message.length <= LOG_MESSAGE_MAX_CHARS) return message;
  let head = message.slice(0, LOG_MESSAGE_MAX_CHARS);
  // Never end on half a surrogate pair.
  if (/[\ud800-\udbff]$/.test(head)) head = head.slice(0, -1);
  return `${head}… [${message.length - head.length} more characters left out]`;
}

export class LogRing {
  private lines: string[] = [];
  private head = 0;
  private chars = 0;

  push(line: string): void {
    this.lines.push(line);
    this.chars += line.length;
    while (this.size() > LOG_RING_MAX_LINES || (this.chars > LOG_RING_MAX_CHARS && this.size() > 1)) {
      this.chars -= (this.lines[this.head] as string).length;
      this.lines[this.head] = "";
      this.head++;
    }
    if (this.head > LOG_RING_MAX_LINES) {
      this.lines = this.lines.slice(this.head);
      this.head = 0;
    }
  }

  /** The kept lines, oldest first. */
  snapshot(): readonly string[] {
    return this.lines.slice(this.head);
  }

  private size(): number {
    return this.lines.length - this.head;
  }
}
