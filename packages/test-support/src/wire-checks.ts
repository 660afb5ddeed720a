import { protocol058, v2 } from "@codex-ts/app-server-protocol";
import { expect } from "vitest";

const { notifications: serverNotifications, serverRequests } = protocol058;

/** A JSON-RPC lite message as it arrived, loosely typed for assertions. */
export type Message = Record<string, unknown> & { id?: number | string; method?: string };
/** A v2 ThreadItem as it arrived. */
export type Item = { type: string; id: string } & Record<string, unknown>;

type Rec = Record<string, unknown>;

/** The keys a ThreadItem of this kind may carry on the wire (the schema's union member for its `type`). */
function itemKeys(type: string): string[] | undefined {
  for (const option of v2.v2Definitions.ThreadItem.options) {
    const shape = option.shape as Rec & { type: { options: string[] } };
    if (shape.type.options.includes(type)) return Object.keys(shape).sort();
  }
  return undefined;
}

/** Envelope members 0.58.0 writes, per kind of message (no `jsonrpc`, nothing else). */
const ENVELOPES: Record<string, string[]> = {
  request: ["id", "method", "params"],
  notification: ["method", "params"],
  response: ["id", "result"],
  error: ["error", "id"],
};

function kindOf(m: Message): string {
  if (typeof m.method === "string") return m.id === undefined ? "notification" : "request";
  return "error" in m ? "error" : "response";
}

/**
 * What is wrong with one message a 0.58.0 server sent, judged by the protocol registry (none: an empty list).
 * The envelope carries only 0.58.0's members; an error has `code` and `message` (and `data`); every server request
 * and every v2 notification is one the registry lists and parses with its schema; a v2 item carries exactly its
 * schema's keys. v1 `codex/event/*` notifications are outside the registry and pass.
 */
export function wireIssues(m: Message): string[] {
  const issues: string[] = [];
  const kind = kindOf(m);
  const allowed = ENVELOPES[kind] ?? [];
  const extra = Object.keys(m).filter((k) => !allowed.includes(k));
  if (extra.length > 0) issues.push(`${kind} has members ${extra.join(", ")}`);
  if (kind === "error") {
    const e = m.error as Rec | null;
    const ok =
      !!e &&
      typeof e.code === "number" &&
      typeof e.message === "string" &&
      Object.keys(e).every((k) => ["code", "message", "data"].includes(k));
    if (!ok) issues.push(`malformed error ${JSON.stringify(e)}`);
  }
  const method = m.method;
  if (kind === "request" && method) {
    const request = Object.hasOwn(serverRequests, method)
      ? serverRequests[method as keyof typeof serverRequests]
      : undefined;
    if (!request) issues.push(`unknown server request ${method}`);
    else if (!request.params.safeParse(m.params).success) issues.push(`${method} params do not parse`);
  }
  if (kind === "notification" && method && !method.startsWith("codex/event/")) {
    const schema = Object.hasOwn(serverNotifications, method)
      ? serverNotifications[method as keyof typeof serverNotifications]
      : undefined;
    if (!schema) issues.push(`unknown notification ${method}`);
    else if (!schema.safeParse(m.params).success) issues.push(`${method} params do not parse`);
    const p = (m.params ?? {}) as { item?: Item; turn?: { items?: Item[] } };
    const items = [...(p.item ? [p.item] : []), ...(p.turn?.items ?? [])];
    for (const item of items) {
      const expected = itemKeys(item.type);
      const actual = Object.keys(item).sort();
      if (!expected) issues.push(`${method}: no ThreadItem kind ${item.type}`);
      else if (JSON.stringify(actual) !== JSON.stringify(expected))
        issues.push(
          `${method}: ${item.type} item has keys ${actual.join(",")}, schema ${expected.join(",")}`,
        );
    }
  }
  return issues.map((i) => `${i}: ${JSON.stringify(m).slice(0, 400)}`);
}

/** Every message passes `wireIssues`. (The harness applies this to every message every client receives.) */
export function expectWireShapes(messages: readonly Message[]): void {
  expect(messages.flatMap(wireIssues)).toEqual([]);
}

/**
 * The order the schema implies within one turn: `turn/started` first, `turn/completed` last; per item,
 * `item/started` before its deltas before its `item/completed`, each exactly once.
 */
export function expectTurnOrder(messages: readonly Message[]): void {
  const notes = messages.filter((m) => m.method && m.id === undefined && !m.method.startsWith("codex/"));
  const turnNotes = notes.filter(
    (m) => m.method !== "thread/started" && m.method !== "account/rateLimits/updated",
  );
  expect(turnNotes[0]?.method).toBe("turn/started");
  expect(turnNotes.at(-1)?.method).toBe("turn/completed");
  expect(turnNotes.filter((m) => m.method === "turn/started")).toHaveLength(1);
  expect(turnNotes.filter((m) => m.method === "turn/completed")).toHaveLength(1);
  const phase = new Map<string, "started" | "completed">();
  for (const m of turnNotes) {
    const p = m.params as { item?: Item; itemId?: string };
    if (m.method === "item/started") {
      expect(phase.has(p.item?.id ?? ""), `item/started twice for ${p.item?.id}`).toBe(false);
      phase.set(String(p.item?.id), "started");
    } else if (m.method === "item/completed") {
      expect(phase.get(String(p.item?.id)), `${p.item?.type} ${p.item?.id}`).toBe("started");
      phase.set(String(p.item?.id), "completed");
    } else if (
      m.method?.endsWith("Delta") ||
      m.method?.endsWith("/delta") ||
      m.method?.endsWith("/progress")
    ) {
      expect(phase.get(String(p.itemId)), `${m.method} for ${p.itemId}`).toBe("started");
    }
  }
  for (const [id, state] of phase) expect(state, `item ${id} never completed`).toBe("completed");
}
