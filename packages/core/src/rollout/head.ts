import { open } from "node:fs/promises";
import { parseLine, type SessionMetaPayload } from "./line.js";

/** What listing needs from the start of a rollout file. */
export interface RolloutHead {
  meta: SessionMetaPayload | null;
  /** session_meta and response_item payloads, in file order (at most HEAD_RECORD_LIMIT). */
  records: { type: "session_meta" | "response_item"; payload: unknown }[];
  sawUserEvent: boolean;
  /** The head is final: reading stopped before EOF, so lines appended later cannot change it. */
  complete: boolean;
  bytesRead: number;
}

/** Codex stops reading a head after this many session_meta / response_item records. */
export const HEAD_RECORD_LIMIT = 10;
/** Most heads fit in the first read; later reads double up to the cap, so a long head costs few reads. */
const FIRST_CHUNK = 8 * 1024;
const MAX_CHUNK = 64 * 1024;

/**
 * Reads lines from the start of the file (8 KiB, then growing chunks) until the head is complete: 10 records, or both a session_meta and a
 * `user_message` event, or EOF. Only whole lines are parsed and reading stops there, so the cost depends on the
 * head, never on the size of the file.
 */
export async function readHead(path: string): Promise<RolloutHead> {
  const head: RolloutHead = { meta: null, records: [], sawUserEvent: false, complete: false, bytesRead: 0 };
  const handle = await open(path, "r");
  try {
    let buffer = Buffer.allocUnsafe(FIRST_CHUNK);
    let pending: Buffer[] = [];
    let position = 0;
    for (;;) {
      if (position > 0 && buffer.length < MAX_CHUNK) buffer = Buffer.allocUnsafe(buffer.length * 2);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      head.bytesRead += bytesRead;
      let start = 0;
      for (let nl = buffer.indexOf(10, 0); nl !== -1 && nl < bytesRead; nl = buffer.indexOf(10, start)) {
        const piece = buffer.subarray(start, nl);
        const line = pending.length
          ? Buffer.concat([...pending, piece]).toString("utf8")
          : piece.toString("utf8");
        pending = [];
        start = nl + 1;
        if (consume(head, line)) {
          head.complete = true;
          return head;
        }
      }
      if (start < bytesRead) pending.push(Buffer.from(buffer.subarray(start, bytesRead)));
    }
    if (pending.length) consume(head, Buffer.concat(pending).toString("utf8"));
    return head;
  } finally {
    await handle.close();
  }
}

/** Adds one line to the head; returns true when the head is complete. */
function consume(head: RolloutHead, text: string): boolean {
  const line = parseLine(text);
  if (!line) return false;
  if (line.type === "session_meta") {
    head.meta ??= line.payload;
    head.records.push({ type: "session_meta", payload: line.payload });
  } else if (line.type === "response_item") {
    head.records.push({ type: "response_item", payload: line.payload });
  } else if (line.type === "event_msg" && (line.payload as { type?: string }).type === "user_message") {
    head.sawUserEvent = true;
  }
  return head.records.length >= HEAD_RECORD_LIMIT || (head.meta !== null && head.sawUserEvent);
}
