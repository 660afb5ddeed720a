import { protocol058, v2 } from "@codex-ts/app-server-protocol";
import { expect } from "vitest";
import type { Message } from "./client.js";

const { notifications: serverNotifications, serverRequests } = protocol058;

export type Item = { type: string; id: string } & Record<string, unknown>;

/** The keys a ThreadItem of this kind may carry on the wire (the schema's union member for its `type`). */
function itemKeys(type: string): string[] {
  for (const option of v2.v2Definitions.ThreadItem.options) {
    const shape = option.shape as Record<string, unknown> & { type: { options: string[] } };
    if (shape.type.options.includes(type)) return Object.keys(shape).sort();
  }
  throw new Error(`no ThreadItem kind ${type}`);
}

/** Every server notification and request parses with 0.58.0's schema; items carry exactly the schema's keys. */
export function expectWireShapes(messages: Message[]): void {
  for (const m of messages) {
    if (!m.method) continue;
    if (m.id !== undefined) {
      const request = serverRequests[m.method as keyof typeof serverRequests];
      expect(request, m.method).toBeDefined();
      request.params.parse(m.params);
      continue;
    }
    const schema = serverNotifications[m.method as keyof typeof serverNotifications];
    if (!schema) continue; // v1 `codex/event/*` notifications are not part of the v2 schema
    const parsed = schema.safeParse(m.params);
    expect(parsed.success ? null : { method: m.method, params: m.params }).toBeNull();
    const items: Item[] = [];
    const p = m.params as { item?: Item; turn?: { items: Item[] } };
    if (p.item) items.push(p.item);
    if (p.turn) items.push(...p.turn.items);
    for (const item of items) expect(Object.keys(item).sort(), item.type).toEqual(itemKeys(item.type));
  }
}

/**
 * The order the schema implies within one turn: `turn/started` first, `turn/completed` last; per item,
 * `item/started` before its deltas before its `item/completed`, each exactly once.
 */
export function expectTurnOrder(messages: Message[]): void {
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
