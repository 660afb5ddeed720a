import { randomUUID } from "node:crypto";
import type { EventMsg } from "@codex-ts/app-server-protocol";
import type { ThreadItem0166 } from "./items-0166.js";

/**
 * A compaction the client asked for (`thread/compact/start`), as 0.166.0 shows it: the turn that runs it holds one
 * `contextCompaction` item, opened when the turn starts and completed when the history was replaced (the core says
 * so with a closing message, then a warning about long threads that 0.166.0 does not send).
 */
export class CompactionItems {
  private next = false;
  private running: { id: string; open: boolean } | null = null;

  /** The next turn to start is the compaction. */
  expect(): void {
    this.next = true;
  }

  /** A turn started: the item to open when it is the compaction. */
  turnStarted(): ThreadItem0166 | null {
    if (!this.next) return null;
    this.next = false;
    this.running = { id: randomUUID(), open: true };
    return { type: "contextCompaction", id: this.running.id };
  }

  /** During the compaction turn: `drop` for the core's warning, the item to complete at its closing message. */
  during(msg: EventMsg): "drop" | ThreadItem0166 | null {
    if (!this.running) return null;
    if (msg.type === "warning") return "drop";
    if (msg.type !== "agent_message" || !this.running.open) return null;
    this.running.open = false;
    return { type: "contextCompaction", id: this.running.id };
  }

  turnEnded(): void {
    this.running = null;
  }
}
