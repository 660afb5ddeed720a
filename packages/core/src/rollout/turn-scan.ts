import { hash } from "node:crypto";
import { NO_SUMMARY } from "../compact/messages.js";
import { conversationText, MESSAGE_ITEM_LINE } from "./turn-text.js";
import { isInjectedContext, messageText } from "./user-message.js";

/**
 * Finds the turns of a rollout in one streaming pass, line by line, holding nothing but the turn being read.
 *
 * How turns are delimited:
 * - 0.166.0 rollouts (and any rollout with `task_started` events): a turn runs from its `task_started` line to
 *   the `task_complete` (completed) or `turn_aborted` (interrupted) line of the same turn; its id is the event's
 *   `turn_id`. Lines between turns (`thread_settings_applied`) belong to none. A turn with no end yet is
 *   `inProgress` (being written, or its writer died).
 * - 0.58.0 rollouts (no task events are persisted): a turn starts at the user's `response_item` message (when it
 *   directly precedes the `user_message` event) or at the `user_message` event, and runs to the line before the
 *   next turn; `turn_aborted` marks it interrupted. Its id is `rollout-<n>`, n being the line number (0-based,
 *   counting the lines that parse as rollout records) of its `user_message` event: the id codex 0.166.0 gives the
 *   same turn when it reads a legacy rollout. Lines before the first user turn (session_meta, injected context)
 *   belong to no turn.
 *
 * The same pass records what resuming needs to start late in the file instead of replaying it all (resume.ts):
 * each `compacted` line (and whether it carries 0.166.0's `replacement_history`, which replaces the history
 * outright), each `ghost_snapshot` item (they survive compactions), and a running count of the bytes of user text
 * a compaction would keep (the user's messages and the summaries), each mark with the count before it.
 */

export type TurnStatus = "completed" | "failed" | "interrupted" | "inProgress";

/** One turn and where its lines are in the file. Offsets are bytes; `endOffset` is past the last line's newline. */
export interface TurnRecord {
  /** 0-based position of the turn in the rollout. */
  seq: number;
  turnId: string;
  /** Line number (0-based, counting records) of the turn's first line. */
  firstLine: number;
  startOffset: number;
  endOffset: number;
  /** Times of the first and last line (ms since the epoch), null when the lines carry none. */
  startedAtMs: number | null;
  completedAtMs: number | null;
  status: TurnStatus;
  /** Delimited by task events (0.166.0), not inferred from user messages (0.58.0). */
  explicit: boolean;
  /** Hash of the turn's first line (its first 4 KiB), checked before its bytes are served. */
  startHash: string;
  /** User text bytes before the turn's first line (see TurnMark.textBefore): where resume may start. */
  textBefore: number;
  /**
   * Items of 0.58.0's events (user, agent, reasoning messages) in the turns before this one: 0.166.0 names such
   * items `item-<n>`, counting from 1 across the whole thread, so a turn read alone numbers its items from here.
   */
  itemsBefore: number;
}

/** A message's visible text (turn-text.ts) and where it is: the line's offset and its turn (-1 outside turns). */
export interface TurnText {
  offset: number;
  seq: number;
  text: string;
}

/** A line resuming may start at, or must carry over (see resume.ts). */
export interface TurnMark {
  offset: number;
  end: number;
  /** `compacted`: a summary compaction; `replaced`: one with `replacement_history`; `ghost`: a ghost snapshot. */
  kind: "compacted" | "replaced" | "ghost";
  /** User text bytes (messages and summaries, as compaction counts them) in the file before this line. */
  textBefore: number;
}

interface PendingUser {
  offset: number;
  line: number;
  ms: number | null;
  hash: string;
  textBefore: number;
}

/** Everything the scanner carries from one line to the next; stored with the index to resume after appends. */
export interface ScanState {
  lines: number;
  seq: number;
  open: TurnRecord | null;
  pendingUser: PendingUser | null;
  /** User text bytes so far (see TurnMark.textBefore). */
  text: number;
  /** Legacy items so far (see TurnRecord.itemsBefore). */
  items: number;
  /** The open turn's last legacy item is a reasoning one: the next reasoning part joins it (no new item). */
  inReasoning: boolean;
}

export const emptyScanState = (): ScanState => ({
  lines: 0,
  seq: 0,
  open: null,
  pendingUser: null,
  text: 0,
  items: 0,
  inReasoning: false,
});

const HASHED_BYTES = 4096;
/** The envelope both generations write: key order timestamp, [ordinal,] type, payload (payload's type first). */
const ENVELOPE =
  /^\{"timestamp":"([^"]*)",(?:"ordinal":\d+,)?"type":"([a-z_]+)","payload":\{(?:"type":"([A-Za-z_]+)")?/;
const TURN_EVENTS = new Set(["user_message", "task_started", "task_complete", "turn_aborted"]);
/** 0.58.0 events that show as items (with user_message), and the field an item needs (else it shows nothing). */
const ITEM_EVENTS: Record<string, string> = {
  agent_message: "message",
  agent_reasoning: "text",
  agent_reasoning_raw_content: "text",
};
/** 0.58.0's review events: each shows as an item (`enteredReviewMode`, `exitedReviewMode`) whatever it holds. */
const REVIEW_EVENTS = new Set(["entered_review_mode", "exited_review_mode"]);
const USER_ROLE =
  /^\{"timestamp":"[^"]*",(?:"ordinal":\d+,)?"type":"response_item","payload":\{"type":"message",(?:"id":"[^"]*",)?"role":"user"/;

export function lineHash(bytes: Buffer): string {
  // One-shot `hash` (Node 20.12+): a resume checks thousands of turn starts, and a Hash object each cost more.
  return hash("sha1", bytes.subarray(0, HASHED_BYTES), "hex").slice(0, 16);
}

/** What matters about one line for turn boundaries; null for a line that is not a rollout record. */
interface Classified {
  ms: number | null;
  kind:
    | "user_message"
    | "task_started"
    | "task_complete"
    | "turn_aborted"
    | "user_input"
    | "compacted"
    | "replaced"
    | "ghost"
    | "agent_item"
    | "reasoning_item"
    | "other";
  turnId: string | null;
  /** Bytes of user text the line adds to what a compaction keeps (0 for most lines). */
  text: number;
  /** False for a record 0.166.0 cannot parse and so does not number (see `isNumberedRecord`). */
  numbered?: boolean;
  /** The line's object, when classifying it parsed the line. */
  value?: Record<string, unknown>;
}

/**
 * Whether a rollout record counts when lines are numbered (legacy turn ids `rollout-<n>`): 0.166.0 numbers the
 * lines it parses, and a `turn_context` is one only with the fields 0.166.0 requires (`cwd`, `approval_policy`,
 * `model`, and a `sandbox_policy` tagged by `type`): a 0.58.0-format one (its policy tagged by `mode` alone) is
 * not, so it is skipped here too for the ids to agree. (This server's lines carry both tags.)
 */
export function isNumberedRecord(value: Record<string, unknown>): boolean {
  const payload = value.payload;
  if (typeof value.type !== "string" || typeof payload !== "object" || payload === null) return false;
  return value.type !== "turn_context" || parses0166TurnContext(payload as Record<string, unknown>);
}

function parses0166TurnContext(p: Record<string, unknown>): boolean {
  const sandbox = p.sandbox_policy;
  return (
    typeof p.cwd === "string" &&
    typeof p.model === "string" &&
    p.approval_policy != null &&
    typeof sandbox === "object" &&
    sandbox !== null &&
    typeof (sandbox as { type?: unknown }).type === "string"
  );
}

function classify(bytes: Buffer): Classified | null {
  const prefix = bytes.toString("utf8", 0, Math.min(bytes.length, 512));
  const m = ENVELOPE.exec(prefix);
  if (m) {
    const ms = timeOf(m[1]!);
    const type = m[2]!;
    const payloadType = m[3];
    if (type === "event_msg" && payloadType && (TURN_EVENTS.has(payloadType) || payloadType in ITEM_EVENTS)) {
      return fromObject(parse(bytes), ms);
    }
    if (type === "event_msg" && payloadType && REVIEW_EVENTS.has(payloadType)) {
      return { ms, kind: "agent_item", turnId: null, text: 0 };
    }
    if (type === "response_item" && payloadType === "message" && USER_ROLE.test(prefix)) {
      return fromObject(parse(bytes), ms);
    }
    if (type === "compacted" || type === "turn_context") return fromObject(parse(bytes), ms);
    if (type === "response_item" && payloadType === "ghost_snapshot") {
      return { ms, kind: "ghost", turnId: null, text: 0 };
    }
    // A message item's record (0.166.0): parsed for its text (thread search), a plain line for turns.
    if (type === "event_msg" && payloadType === "item_completed" && MESSAGE_ITEM_LINE.test(prefix)) {
      return fromObject(parse(bytes), ms);
    }
    return { ms, kind: "other", turnId: null, text: 0 };
  }
  // Another key order or spacing: parse the whole line.
  const value = parse(bytes);
  if (
    !value ||
    typeof value.type !== "string" ||
    typeof value.payload !== "object" ||
    value.payload === null
  ) {
    return null;
  }
  return fromObject(value, typeof value.timestamp === "string" ? timeOf(value.timestamp) : null);
}

/** A `task_complete` ends its turn `failed` when it carries the turn's error (0.166.0 records one there). */
function completion(c: Classified): TurnStatus {
  const payload = c.value?.payload as { error?: unknown } | undefined;
  return typeof payload?.error === "object" && payload.error !== null ? "failed" : "completed";
}

function parse(bytes: Buffer): Record<string, unknown> | null {
  try {
    const v = JSON.parse(bytes.toString("utf8"));
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function timeOf(ts: string): number | null {
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? null : ms;
}

function fromObject(value: Record<string, unknown> | null, ms: number | null): Classified | null {
  const c = classifyObject(value, ms);
  if (c && value) c.value = value;
  return c;
}

function classifyObject(value: Record<string, unknown> | null, ms: number | null): Classified | null {
  if (!value || typeof value.type !== "string") return null;
  const payload = value.payload as Record<string, unknown> | null;
  if (typeof payload !== "object" || payload === null) return null;
  const turnId = typeof payload.turn_id === "string" ? payload.turn_id : null;
  if (value.type === "event_msg" && typeof payload.type === "string" && TURN_EVENTS.has(payload.type)) {
    return { ms, kind: payload.type as Classified["kind"], turnId, text: 0 };
  }
  if (value.type === "event_msg" && typeof payload.type === "string" && payload.type in ITEM_EVENTS) {
    // As the history reader (app-server stored-items.ts) makes items: only with the text field present.
    const shows = typeof payload[ITEM_EVENTS[payload.type]!] === "string";
    const kind = !shows ? "other" : payload.type === "agent_message" ? "agent_item" : "reasoning_item";
    return { ms, kind, turnId, text: 0 };
  }
  if (value.type === "event_msg" && typeof payload.type === "string" && REVIEW_EVENTS.has(payload.type)) {
    return { ms, kind: "agent_item", turnId, text: 0 };
  }
  if (value.type === "compacted") {
    if (Array.isArray(payload.replacement_history)) return { ms, kind: "replaced", turnId: null, text: 0 };
    // The summary becomes a user message of the compacted history (compact/history.ts).
    const message = String(payload.message ?? "");
    return {
      ms,
      kind: "compacted",
      turnId: null,
      text: userTextBytes(message === "" ? NO_SUMMARY : message),
    };
  }
  if (value.type === "response_item") {
    if (payload.type === "ghost_snapshot") return { ms, kind: "ghost", turnId: null, text: 0 };
    const text = messageText(payload);
    const bytes = text === null ? 0 : userTextBytes(text);
    if (text !== null && !isInjectedContext(text) && !text.trimStart().startsWith("<turn_aborted>")) {
      return { ms, kind: "user_input", turnId: null, text: bytes };
    }
    return { ms, kind: "other", turnId: null, text: bytes };
  }
  return { ms, kind: "other", turnId: null, text: 0, numbered: isNumberedRecord(value) };
}

/**
 * One line as the sparse resume read sees it (history-kept.ts), null for a line that is not a rollout record:
 * the bytes of user text the scanner counts for it (see TurnMark.textBefore), whether a summary compaction keeps
 * it (a user message whose text it counts, a ghost snapshot, a compaction), and its object when it was parsed.
 */
export function lineForCompaction(
  bytes: Buffer,
): { text: number; kept: boolean; value: Record<string, unknown> | null } | null {
  const c = classify(bytes);
  if (!c) return null;
  const kept =
    c.kind === "user_input" ||
    c.kind === "ghost" ||
    c.kind === "compacted" ||
    c.kind === "replaced" ||
    c.text > 0;
  return { text: c.text, kept, value: c.value ?? null };
}

/** What compaction's collectUserMessages counts of a user message's text. */
function userTextBytes(text: string): number {
  return text && !isInjectedContext(text) ? Buffer.byteLength(text) : 0;
}

/** Feeds lines to the scanner; `onTurn` gets every turn whose record changed (opened, grown, closed). */
export class TurnScanner {
  private readonly touched = new Map<number, TurnRecord>();
  private marks: TurnMark[] = [];
  private texts: TurnText[] = [];

  constructor(readonly state: ScanState = emptyScanState()) {}

  /** One complete line (`bytes` null: a line over the length cap, still a record for numbering). */
  feed(start: number, end: number, bytes: Buffer | null): void {
    if (bytes === null) {
      this.state.lines++;
      this.extend(end, null);
      return;
    }
    if (bytes.length === 0 || (bytes.length === 1 && bytes[0] === 13)) return; // blank line
    const c = classify(bytes);
    if (!c) return;
    const line = c.numbered === false ? this.state.lines : this.state.lines++;
    const s = this.state;
    const textBefore = s.text;
    if (c.kind === "compacted" || c.kind === "replaced" || c.kind === "ghost") {
      this.marks.push({ offset: start, end, kind: c.kind, textBefore });
    }
    s.text += c.text;
    switch (c.kind) {
      case "task_started": {
        this.close(s.open?.explicit ? "interrupted" : "completed");
        this.openTurn({
          id: c.turnId ?? `turn-${line}`,
          start,
          line,
          ms: c.ms,
          hash: lineHash(bytes),
          explicit: true,
          textBefore,
        });
        s.pendingUser = null;
        break;
      }
      case "task_complete":
      case "turn_aborted": {
        if (!s.open) break;
        this.extend(end, c.ms);
        if (c.kind === "turn_aborted") s.open.status = "interrupted";
        if (s.open.explicit) this.close(c.kind === "task_complete" ? completion(c) : "interrupted");
        break;
      }
      case "user_input": {
        if (s.open?.explicit) this.extend(end, c.ms);
        else {
          s.pendingUser = { offset: start, line, ms: c.ms, hash: lineHash(bytes), textBefore };
          this.extend(end, c.ms);
        }
        break;
      }
      case "user_message": {
        if (s.open?.explicit) {
          this.extend(end, c.ms);
          this.countItem(false);
          break;
        }
        const p = s.pendingUser;
        const turnStart = p ? p.offset : start;
        if (s.open) {
          // The user's message line belongs to the new turn, not to the end of the previous one.
          s.open.endOffset = Math.max(s.open.startOffset, turnStart);
          this.close(s.open.status === "interrupted" ? "interrupted" : "completed");
        }
        this.openTurn({
          id: `rollout-${line}`,
          start: turnStart,
          line: p ? p.line : line,
          ms: p ? p.ms : c.ms,
          hash: p ? p.hash : lineHash(bytes),
          explicit: false,
          textBefore: p ? p.textBefore : textBefore,
        });
        this.extend(end, c.ms);
        this.countItem(false);
        s.pendingUser = null;
        break;
      }
      case "agent_item":
      case "reasoning_item":
        this.extend(end, c.ms);
        this.countItem(c.kind === "reasoning_item");
        s.pendingUser = null;
        break;
      default:
        this.extend(end, c.ms);
        s.pendingUser = null; // 0.58.0 writes the user_message event right after the user's message
    }
    const text = c.value ? conversationText(c.value) : null;
    if (text !== null) this.texts.push({ offset: start, seq: s.open?.seq ?? -1, text });
  }

  /** Message texts found since the last call, in file order. */
  drainTexts(): TurnText[] {
    const out = this.texts;
    this.texts = [];
    return out;
  }

  /** One legacy item line of the open turn (a reasoning part right after another joins its item). */
  private countItem(reasoning: boolean): void {
    const s = this.state;
    if (!s.open) return;
    if (!(reasoning && s.inReasoning)) s.items++;
    s.inReasoning = reasoning;
  }

  /** Marks found since the last call, in file order. */
  drainMarks(): TurnMark[] {
    const out = this.marks;
    this.marks = [];
    return out;
  }

  /** Turns changed since the last call, in order (the open one included, with its current end). */
  drain(): TurnRecord[] {
    const out = [...this.touched.values()].sort((a, b) => a.seq - b.seq).map((t) => ({ ...t }));
    this.touched.clear();
    return out;
  }

  private openTurn(t: {
    id: string;
    start: number;
    line: number;
    ms: number | null;
    hash: string;
    explicit: boolean;
    textBefore: number;
  }) {
    const turn: TurnRecord = {
      seq: this.state.seq++,
      turnId: t.id,
      firstLine: t.line,
      startOffset: t.start,
      endOffset: t.start,
      startedAtMs: t.ms,
      completedAtMs: null,
      status: t.explicit ? "inProgress" : "completed",
      explicit: t.explicit,
      startHash: t.hash,
      textBefore: t.textBefore,
      itemsBefore: this.state.items,
    };
    this.state.open = turn;
    this.state.inReasoning = false;
    this.touched.set(turn.seq, turn);
  }

  private extend(end: number, ms: number | null): void {
    const open = this.state.open;
    if (!open) return;
    open.endOffset = end;
    if (ms !== null) open.completedAtMs = ms;
    this.touched.set(open.seq, open);
  }

  private close(status: TurnStatus): void {
    const open = this.state.open;
    if (!open) return;
    open.status = status;
    this.touched.set(open.seq, open);
    this.state.open = null;
  }
}
