/**
 * Splits a plan-mode agent message, as it streams, into the text the user reads and the proposed plan: a block
 * between a line `<proposed_plan>` and a line `</proposed_plan>` (0.166.0's plan collaboration mode). Observed with
 * codex 0.166.0: the tags count only as whole lines (a tag inside a line is text), their lines and line breaks are
 * dropped, text is passed on as soon as it cannot be the start of a tag line, and a second block replaces the first
 * (the plan is the last block).
 */
export type PlanSegment =
  | { kind: "text"; text: string }
  | { kind: "plan"; text: string }
  /** A block opens: the plan so far is replaced by what follows. */
  | { kind: "planOpen" };

const OPEN = "<proposed_plan>";
const CLOSE = "</proposed_plan>";

export class ProposedPlanParser {
  private inPlan = false;
  /** The current line from its start, held while it may still be a tag line; null when it cannot be one. */
  private line: string | null = "";
  private out: PlanSegment[] = [];

  /** The segments a streamed delta makes (consecutive text of one kind merged). */
  feed(delta: string): PlanSegment[] {
    for (const ch of delta) {
      if (this.line === null) {
        this.emit(ch);
        if (ch === "\n") this.line = "";
        continue;
      }
      if (ch === "\n") {
        this.endLine(this.line, "\n");
        continue;
      }
      this.line += ch;
      if (!this.tag().startsWith(this.line)) {
        this.emit(this.line);
        this.line = null;
      }
    }
    return this.out.splice(0);
  }

  /** The message is complete: a held last line is a tag when it is one, else text. */
  finish(): PlanSegment[] {
    if (this.line) this.endLine(this.line, "");
    this.line = "";
    return this.out.splice(0);
  }

  /** The tag that would change the mode now. */
  private tag(): string {
    return this.inPlan ? CLOSE : OPEN;
  }

  private endLine(line: string, newline: string): void {
    if (line === this.tag()) {
      this.inPlan = !this.inPlan;
      if (this.inPlan) this.out.push({ kind: "planOpen" });
    } else this.emit(line + newline);
    this.line = "";
  }

  private emit(text: string): void {
    const kind = this.inPlan ? "plan" : "text";
    const last = this.out.at(-1);
    if (last && last.kind === kind) last.text += text;
    else this.out.push({ kind, text });
  }
}
