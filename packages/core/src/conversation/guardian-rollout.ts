import { open } from "node:fs/promises";
import type { ResponseItemJson } from "../client/types.js";
import * as ev from "../events/constructors.js";
import { type RolloutItem, responseItemLine } from "../rollout/line.js";
import { rolloutPathFor } from "../rollout/paths.js";
import { createRecorder, type RolloutRecorder } from "../rollout/recorder.js";
import { uuidV7 } from "./ids.js";

/**
 * The automatic reviewer's own rollout, as 0.166.0 keeps one per reviewed thread: a sub-thread in the same
 * sessions folder (session_meta `source: {subagent: {other: "guardian"}}`, `thread_source: "guardian_review"`,
 * `parent_thread_id` the reviewed thread), created at the thread's first review and appended to at each later one,
 * one turn per review: what was sent to the reviewer and what it answered. Such a thread has no user message, so
 * neither implementation lists it; it can be read by its id or path. Writing it never fails a review.
 */
export class GuardianRollout {
  private recorder: Promise<RolloutRecorder | null> | null = null;
  /** The policy (the first developer message) is recorded once, at the first review, as 0.166.0 does. */
  private policyRecorded = false;

  constructor(
    private readonly parent: {
      id: string;
      /** The reviewed thread's rollout ("" for an ephemeral thread: then no reviewer rollout either). */
      rolloutPath: string;
      codexHome: string | undefined;
      cwd: string;
    },
  ) {}

  /** Records one review's exchange (`runGuardianReview`'s `onExchanged`) as a turn of the reviewer's thread. */
  recordReview(items: readonly Record<string, unknown>[]): void {
    if (this.parent.rolloutPath === "" || !this.parent.codexHome) return;
    this.recorder ??= this.create().catch(() => null);
    const sent = this.policyRecorded ? items.filter((item) => item.role !== "developer") : items;
    this.policyRecorded = true;
    const last = [...items].reverse().find((item) => item.role === "assistant");
    const answer = last ? textOf(last as ResponseItemJson) : null;
    const lines: RolloutItem[] = [
      { type: "event_msg", payload: ev.taskStarted(null) },
      ...sent.map((item) => responseItemLine(item)),
      // The answer as an event too: a reader of this format shows a turn's items from its events.
      ...(answer !== null ? [{ type: "event_msg" as const, payload: ev.agentMessage(answer) }] : []),
      { type: "event_msg", payload: ev.taskComplete(answer) },
    ];
    // As given: the turn markers too, which the legacy policy would drop (they delimit the reviews).
    void this.recorder.then((r) => r?.recordAsIs(lines));
  }

  /** Flushes and closes the file (when the reviewed thread closes). */
  async shutdown(): Promise<void> {
    const recorder = await this.recorder;
    await recorder?.shutdown().catch(() => undefined);
  }

  private async create(): Promise<RolloutRecorder> {
    const parentMeta = await readSessionMeta(this.parent.rolloutPath);
    const id = uuidV7();
    const now = new Date();
    return createRecorder(rolloutPathFor(this.parent.codexHome as string, now, id), {
      type: "session_meta",
      payload: {
        id,
        timestamp: now.toISOString(),
        cwd: this.parent.cwd,
        originator: String(parentMeta.originator ?? "codex_vscode"),
        cli_version: String(parentMeta.cli_version ?? ""),
        instructions: null,
        source: { subagent: { other: "guardian" } },
        model_provider: String(parentMeta.model_provider ?? ""),
        thread_source: "guardian_review",
        parent_thread_id: this.parent.id,
      },
    });
  }
}

function textOf(item: ResponseItemJson): string {
  const content = Array.isArray(item.content) ? (item.content as { text?: unknown }[]) : [];
  return content.map((c) => (typeof c.text === "string" ? c.text : "")).join("");
}

/** The reviewed thread's session_meta payload (its first line), for the names the reviewer's thread carries. */
async function readSessionMeta(path: string): Promise<Record<string, unknown>> {
  const handle = await open(path, "r");
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, 0);
    const first = buffer.subarray(0, bytesRead).toString("utf8").split("\n")[0] ?? "";
    const line = JSON.parse(first) as { payload?: Record<string, unknown> };
    return line.payload ?? {};
  } catch {
    return {};
  } finally {
    await handle.close();
  }
}
