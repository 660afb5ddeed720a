import type { TeeEntry } from "@codex-ts/test-support";

/**
 * An app-server transcript reduced to what two implementations must agree on, for one thread: the sequence of
 * methods (requests `→`, their answers `←`, notifications `⇐`, server requests `⇒`, the client's answers to them
 * `→ answer`) with the detail that tells steps apart (item types, turn and thread statuses), and the shape (nested
 * keys) of each step's payload.
 */
export interface Transcript {
  steps: string[];
  /** Per step label, the shapes its payloads had (JSON of the key structure). */
  shapes: Map<string, Set<string>>;
}

type Msg = TeeEntry["msg"];

/** The nested keys of a value: objects by sorted key, arrays by the union of their elements' shapes, leaves as `·`. */
export function shapeOf(v: unknown): unknown {
  if (Array.isArray(v)) {
    const shapes = [...new Set(v.map((x) => JSON.stringify(shapeOf(x))))].sort();
    return shapes.map((s) => JSON.parse(s) as unknown);
  }
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, shapeOf((v as Record<string, unknown>)[k])]),
    );
  return "·";
}

function detail(method: string, params: Record<string, unknown> | undefined): string {
  if (method === "item/started" || method === "item/completed")
    return ` ${(params?.item as { type?: string } | undefined)?.type}`;
  if (method === "turn/completed") return ` ${(params?.turn as { status?: string } | undefined)?.status}`;
  if (method === "thread/status/changed") {
    const s = params?.status as { type: string; activeFlags?: string[] } | undefined;
    return ` ${s?.type}${s?.activeFlags ? `[${s.activeFlags.join(",")}]` : ""}`;
  }
  return "";
}

/**
 * The transcript of thread `threadId` from a wrapper's log: requests naming it (and the `thread/start` that created
 * it), their answers, its notifications and server requests, and the client's answers to those.
 */
export function threadTranscript(entries: readonly TeeEntry[], threadId: string): Transcript {
  const requestMethod = new Map<unknown, string>();
  const serverRequestMethod = new Map<unknown, string>();
  const creates = new Set<unknown>();
  for (const e of entries) {
    const thread = (e.msg.result as { thread?: { id?: string } } | undefined)?.thread?.id;
    if (e.dir !== "c2s" && e.msg.method === undefined && thread === threadId) creates.add(e.msg.id);
  }
  const steps: string[] = [];
  const shapes = new Map<string, Set<string>>();
  const add = (label: string, payload: unknown) => {
    steps.push(label);
    const set = shapes.get(label) ?? new Set<string>();
    set.add(JSON.stringify(shapeOf(payload)));
    shapes.set(label, set);
  };
  const ofThread = (m: Msg) => {
    const p = m.params as { threadId?: string; thread?: { id?: string } } | undefined;
    return p?.threadId === threadId || p?.thread?.id === threadId;
  };
  for (const e of entries) {
    const m = e.msg;
    const params = m.params as Record<string, unknown> | undefined;
    if (e.dir === "c2s") {
      if (m.method !== undefined) {
        if (ofThread(m) || creates.has(m.id)) {
          requestMethod.set(m.id, m.method);
          add(`→ ${m.method}`, params);
        }
      } else if (serverRequestMethod.has(m.id)) {
        add(`→ answer ${serverRequestMethod.get(m.id)}`, m.result);
      }
      continue;
    }
    if (m.method === undefined) {
      const method = requestMethod.get(m.id);
      if (method) add(`← ${method}${m.error ? " error" : ""}`, m.result ?? m.error);
    } else if (ofThread(m)) {
      if (m.id !== undefined) {
        serverRequestMethod.set(m.id, m.method);
        add(`⇒ ${m.method}`, params);
      } else {
        add(`⇐ ${m.method}${detail(m.method, params)}`, params);
      }
    }
  }
  return { steps, shapes };
}

/**
 * A transcript with each run of the same entry kept once. Used on the native 0.166.0 side only: under load it may
 * send a status it already sent (an unload racing the turn's own end); ours is held to the exact sequence.
 */
export const collapseRepeats = (t: string[]): string[] => t.filter((m, i) => m !== t[i - 1]);
