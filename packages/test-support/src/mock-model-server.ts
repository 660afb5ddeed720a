import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the mock received, for assertions. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** Which answer the model mock gave: `route:<name>`, `queue`, or `default`. */
  answeredBy?: string;
  /** When the request arrived (`Date.now()`), to check waits between retries. */
  at: number;
}

/** A queued answer, or a function that shapes it after the request body (e.g. a tool call the request offers). */
export type QueuedResponse = ScriptedResponse | ((body: unknown) => ScriptedResponse);

/**
 * Requests a client makes on its own (a title generation, a compaction) answered by content, so that they do not
 * consume the scripted queue and the queue stays in step with the turns a test drives.
 */
export interface MockRoute {
  name: string;
  match(body: unknown): boolean;
  answer(body: unknown): ScriptedResponse;
}

/** An SSE event as the Responses API sends it (`event: <type>` + `data: <json>`), or a raw Chat chunk. */
export interface SseEvent {
  event?: string;
  data: unknown;
}

/** What the mock answers to one model request. */
export type ScriptedResponse =
  | {
      kind: "sse";
      events: SseEvent[];
      headers?: Record<string, string>;
      /** Close the connection after this many events (a dropped stream). */
      cutAfter?: number;
      /** Wait this long between events, so a client can interrupt mid-stream. */
      delayMs?: number;
      /**
       * Send only the first `holdAfter` events, then the rest once `until` settles (never, without it) — unless the
       * client cut the stream meanwhile. A turn that runs exactly until the test ends it (an interrupt, a steer,
       * `until`), however slow the machine: no delay is ever "long enough" under load.
       */
      holdAfter?: number;
      until?: Promise<unknown> | undefined;
    }
  | { kind: "http"; status: number; body: string; headers?: Record<string, string> }
  /** Accepts the request and never answers (no status line, no headers) until the client gives up. */
  | { kind: "hang" }
  /** Sends the SSE headers, then only comment lines (`: keepalive`) every `intervalMs`, never an event. */
  | { kind: "keepalive"; intervalMs: number }
  /**
   * Accepts the request and answers nothing (no status line) until `until` settles, then answers `answer` — unless
   * the client gave up meanwhile. Lets a test hold a turn's next request while it does something mid-turn. (Not
   * `then`: an object with a `then` is taken for a promise by `await`.)
   */
  | { kind: "held"; until: Promise<unknown>; answer: ScriptedResponse }
  /**
   * Sends the SSE headers, then each raw chunk as it is produced (written as fast as the client reads: the mock
   * waits for `drain`), then ends. For streams too big to build up front (see `responses.hugeDelta`, `manyDeltas`).
   */
  | { kind: "chunks"; chunks: () => Iterable<string>; headers?: Record<string, string> };

export interface MockModelServer {
  /** Base URL to put in a provider's `base_url` (`http://127.0.0.1:<port>/v1`). */
  readonly baseUrl: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Adds responses, answered in order; when none is left, the mock answers with a plain "ok" message. */
  enqueue(...responses: QueuedResponse[]): void;
  /** How many queued responses are left. */
  pending(): number;
  /** How many `chunks` chunks were written so far, over all responses. */
  written(): number;
  /** Whether a `chunks` write is waiting for the client to read (the stream is held by backpressure). */
  blocked(): boolean;
  close(): Promise<void>;
}

/** A promise for a `held` answer's or an `sse` stream's `until`, and the function that settles it (`open`). */
export function gate(): { until: Promise<void>; open(): void } {
  let open = () => {};
  const until = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { until, open };
}

let responseCounter = 0;

/** Builders for Responses API SSE streams. */
export const responses = {
  created(): SseEvent {
    return {
      event: "response.created",
      data: { type: "response.created", response: { id: `resp_${++responseCounter}` } },
    };
  },
  completed(usage = { input_tokens: 10, output_tokens: 5, total_tokens: 15 }): SseEvent {
    return {
      event: "response.completed",
      data: {
        type: "response.completed",
        response: {
          id: `resp_${responseCounter}`,
          usage: {
            input_tokens: usage.input_tokens,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: usage.output_tokens,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: usage.total_tokens,
          },
        },
      },
    };
  },
  failed(message: string): SseEvent {
    return { event: "response.failed", data: { type: "response.failed", response: { error: { message } } } };
  },
  /** An assistant message streamed as deltas, with `output_item.added` and `.done` around it. */
  message(text: string, id = `msg_${++responseCounter}`, chunks = 2): SseEvent[] {
    const item = { type: "message", role: "assistant", id, content: [{ type: "output_text", text }] };
    const size = Math.max(1, Math.ceil(text.length / chunks));
    const deltas: SseEvent[] = [];
    for (let i = 0; i < text.length; i += size) {
      deltas.push({
        event: "response.output_text.delta",
        data: { type: "response.output_text.delta", delta: text.slice(i, i + size), item_id: id },
      });
    }
    return [
      {
        event: "response.output_item.added",
        data: { type: "response.output_item.added", item: { ...item, content: [] } },
      },
      ...deltas,
      { event: "response.output_item.done", data: { type: "response.output_item.done", item } },
    ];
  },
  /** A reasoning item with one summary part. */
  reasoning(summary: string, id = `rs_${++responseCounter}`): SseEvent[] {
    const item = {
      type: "reasoning",
      id,
      summary: [{ type: "summary_text", text: summary }],
      encrypted_content: "enc",
    };
    return [
      {
        event: "response.output_item.added",
        data: { type: "response.output_item.added", item: { ...item, summary: [] } },
      },
      {
        event: "response.reasoning_summary_text.delta",
        data: {
          type: "response.reasoning_summary_text.delta",
          delta: summary,
          item_id: id,
          summary_index: 0,
        },
      },
      { event: "response.output_item.done", data: { type: "response.output_item.done", item } },
    ];
  },
  functionCall(name: string, args: unknown, callId = `call_${++responseCounter}`): SseEvent[] {
    const item = {
      type: "function_call",
      id: `fc_${responseCounter}`,
      name,
      arguments: JSON.stringify(args),
      call_id: callId,
    };
    return [{ event: "response.output_item.done", data: { type: "response.output_item.done", item } }];
  },
  customToolCall(name: string, input: string, callId = `call_${++responseCounter}`): SseEvent[] {
    const item = { type: "custom_tool_call", id: `ctc_${responseCounter}`, name, input, call_id: callId };
    return [{ event: "response.output_item.done", data: { type: "response.output_item.done", item } }];
  },
  /**
   * One assistant message whose single text delta is `chars` characters long, streamed in 1 MiB pieces of that one
   * SSE line; then the rest of a turn (the done item repeats only a short text).
   */
  hugeDelta(chars: number, id = `msg_${++responseCounter}`): ScriptedResponse {
    const created = responses.created();
    const added = responses.message("", id, 1)[0]!;
    return {
      kind: "chunks",
      chunks: function* () {
        yield frame(created) + frame(added);
        yield `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"${id}","delta":"`;
        const piece = "x".repeat(1024 * 1024);
        for (let left = chars; left > 0; left -= piece.length)
          yield left >= piece.length ? piece : piece.slice(0, left);
        yield '"}\n\n';
        yield frame(responses.message("huge", id, 1).at(-1)!) + frame(responses.completed());
      },
    };
  },
  /** One assistant message streamed as `count` one-character deltas ("x" each), then the rest of a turn. */
  manyDeltas(count: number, id = `msg_${++responseCounter}`): ScriptedResponse {
    const created = responses.created();
    const [added, , done] = responses.message("x", id, 1) as [SseEvent, SseEvent, SseEvent];
    const delta = frame({
      event: "response.output_text.delta",
      data: { type: "response.output_text.delta", delta: "x", item_id: id },
    });
    const doneItem = {
      ...(done.data as { item: Record<string, unknown> }).item,
      content: [{ type: "output_text", text: "x".repeat(count) }],
    };
    return {
      kind: "chunks",
      chunks: function* () {
        yield frame(created) + frame(added);
        const batch = delta.repeat(1000);
        let left = count;
        for (; left >= 1000; left -= 1000) yield batch;
        if (left > 0) yield delta.repeat(left);
        yield frame({
          event: "response.output_item.done",
          data: { type: "response.output_item.done", item: doneItem },
        });
        yield frame(responses.completed());
      },
    };
  },
  /**
   * One assistant message streamed as the given deltas, one SSE frame per chunk, produced lazily (`deltas` may be
   * long), then the rest of a turn: the done item carries the whole text.
   */
  streamedMessage(deltas: () => Iterable<string>, id = `msg_${++responseCounter}`): ScriptedResponse {
    const created = responses.created();
    const [added, , done] = responses.message("x", id, 1) as [SseEvent, SseEvent, SseEvent];
    const doneItem = (done.data as { item: Record<string, unknown> }).item;
    return {
      kind: "chunks",
      chunks: function* () {
        yield frame(created) + frame(added);
        let text = "";
        for (const delta of deltas()) {
          text += delta;
          yield frame({
            event: "response.output_text.delta",
            data: { type: "response.output_text.delta", delta, item_id: id },
          });
        }
        const item = { ...doneItem, content: [{ type: "output_text", text }] };
        yield frame({
          event: "response.output_item.done",
          data: { type: "response.output_item.done", item },
        });
        yield frame(responses.completed());
      },
    };
  },
  /** A whole turn: created, the given items, completed. */
  turn(...items: (SseEvent | SseEvent[])[]): ScriptedResponse {
    return { kind: "sse", events: [responses.created(), ...items.flat(), responses.completed()] };
  },
};

/** Builders for Chat Completions streams (`data:` chunks, then `[DONE]`). */
export const chat = {
  text(text: string, chunks = 2): ScriptedResponse {
    const size = Math.max(1, Math.ceil(text.length / chunks));
    const events: SseEvent[] = [];
    for (let i = 0; i < text.length; i += size) {
      events.push({ data: { choices: [{ index: 0, delta: { content: text.slice(i, i + size) } }] } });
    }
    events.push({ data: { choices: [{ index: 0, delta: {}, finish_reason: "stop" }] } });
    events.push({ data: "[DONE]" });
    return { kind: "sse", events };
  },
  toolCall(name: string, args: unknown, callId = `call_${++responseCounter}`): ScriptedResponse {
    return {
      kind: "sse",
      events: [
        {
          data: {
            choices: [
              {
                index: 0,
                delta: {
                  tool_calls: [
                    {
                      index: 0,
                      id: callId,
                      type: "function",
                      function: { name, arguments: JSON.stringify(args) },
                    },
                  ],
                },
              },
            ],
          },
        },
        { data: { choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] } },
        { data: "[DONE]" },
      ],
    };
  },
};

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One SSE event as the mock writes it (`event:` line when named, one `data:` line, blank line). */
export function frame(e: SseEvent): string {
  const data = typeof e.data === "string" ? e.data : JSON.stringify(e.data);
  return `${e.event ? `event: ${e.event}\n` : ""}data: ${data}\n\n`;
}

const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };

/** What the mock's `chunks` writes have done so far (see `MockModelServer.written` and `blocked`). */
interface WriteStats {
  written: number;
  waiting: number;
}

/** Writes `chunk`, waiting for the client to take it when the socket's buffer is full; false once it is gone. */
async function write(res: ServerResponse, chunk: string, stats: WriteStats): Promise<boolean> {
  if (res.destroyed) return false;
  stats.written++;
  if (res.write(chunk)) return true;
  stats.waiting++;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
  stats.waiting--;
  return !res.destroyed;
}

/** Waits for `until` (forever without it) or the client closing the connection; true when the answer goes on. */
async function heldUntil(res: ServerResponse, until: Promise<unknown> | undefined): Promise<boolean> {
  if (res.destroyed) return false;
  let closed = () => {};
  const gone = new Promise<void>((resolve) => {
    closed = resolve;
    res.once("close", resolve);
  });
  await Promise.race([until?.catch(() => undefined) ?? gone, gone]);
  res.off("close", closed);
  return !res.destroyed;
}

async function answer(res: ServerResponse, scripted: ScriptedResponse, stats: WriteStats): Promise<void> {
  if (scripted.kind === "http") {
    res.writeHead(scripted.status, { "content-type": "application/json", ...scripted.headers });
    res.end(scripted.body);
    return;
  }
  if (scripted.kind === "hang") return; // the server's close() ends the connection
  if (scripted.kind === "held") {
    await scripted.until.catch(() => undefined);
    if (!res.destroyed) await answer(res, scripted.answer, stats);
    return;
  }
  if (scripted.kind === "keepalive") {
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    const timer = setInterval(() => res.write(": keepalive\n\n"), scripted.intervalMs);
    res.once("close", () => clearInterval(timer));
    return;
  }
  if (scripted.kind === "chunks") {
    res.writeHead(200, { ...SSE_HEADERS, ...scripted.headers });
    for (const chunk of scripted.chunks()) if (!(await write(res, chunk, stats))) return;
    res.end();
    return;
  }
  res.writeHead(200, { ...SSE_HEADERS, ...scripted.headers });
  const events = scripted.events;
  for (let i = 0; i < events.length; i++) {
    if (scripted.cutAfter !== undefined && i >= scripted.cutAfter) {
      res.destroy();
      return;
    }
    if (i === scripted.holdAfter && !(await heldUntil(res, scripted.until))) return;
    if (res.destroyed) return;
    res.write(frame(events[i]!));
    if (scripted.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs));
  }
  res.end();
}

/** Every text of a Responses request's `input` (messages' parts, tool outputs), joined by newlines. */
export function requestText(body: unknown): string {
  const parts: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === "string") parts.push(v);
    else if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === "object") for (const x of Object.values(v)) walk(x);
  };
  walk((body as { input?: unknown } | null)?.input);
  return parts.join("\n");
}

/** The names of the tools a Responses request offers (`name`, or `type` for built-in tools). */
export function offeredTools(body: unknown): string[] {
  const tools = (body as { tools?: { name?: string; type?: string }[] } | null)?.tools ?? [];
  return tools.map((t) => t.name ?? t.type ?? "");
}

/**
 * A real HTTP server on 127.0.0.1 (ephemeral port) that plays the model provider: `POST /v1/responses` answers
 * with scripted Responses SSE, `POST /v1/chat/completions` with Chat chunks; every request is recorded. A request
 * one of `opts.routes` matches gets that route's answer; any other the next queued one.
 */
export async function startMockModelServer(
  initial: QueuedResponse[] = [],
  opts: { routes?: readonly MockRoute[] } = {},
): Promise<MockModelServer> {
  const queue = [...initial];
  const requests: RecordedRequest[] = [];
  const stats: WriteStats = { written: 0, waiting: 0 };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const at = Date.now();
      const body = await readBody(req);
      const isChat = (req.url ?? "").includes("/chat/completions");
      const route = opts.routes?.find((r) => r.match(body));
      const queued = route ? undefined : queue.shift();
      const answeredBy = route ? `route:${route.name}` : queued ? "queue" : "default";
      requests.push({
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body,
        answeredBy,
        at,
      });
      const next =
        route?.answer(body) ??
        (typeof queued === "function" ? queued(body) : queued) ??
        (isChat ? chat.text("ok") : responses.turn(responses.message("ok")));
      await answer(res, next, stats);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue: (...more) => queue.push(...more),
    pending: () => queue.length,
    written: () => stats.written,
    blocked: () => stats.waiting > 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
