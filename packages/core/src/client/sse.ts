import { setImmediate as nextMacrotask } from "node:timers/promises";
import { createParser } from "eventsource-parser";
import { timerMs } from "./retry.js";
import { ModelError } from "./types.js";

/**
 * The largest SSE event the client takes, in characters of its fields (an incomplete line included): a bigger one
 * fails the stream at once, before it is held in memory. Legitimate events are far smaller (the largest,
 * `response.completed`, carries the response's output items).
 */
export const SSE_EVENT_MAX_CHARS = 16 * 1024 * 1024;

/** The longest the stream is processed without letting other work (requests, timers, writes) run. */
const BREATHE_EVERY_MS = 10;

/** 0.58.0's report of a stream that sent no event for `stream_idle_timeout_ms` (CodexErr::Stream's wording). */
export const IDLE_TIMEOUT_MESSAGE = "stream disconnected before completion: idle timeout waiting for SSE";

export interface SseEvent {
  event?: string;
  data: string;
}

/**
 * The SSE events of a response body, for both wires. The idle timeout counts parsed events, as 0.58.0 does: comment
 * lines (`: keepalive`) and a trickle of bytes that never completes an event do not keep a stream alive, and the
 * time the consumer spends on an event does not count against the provider. An event larger than
 * `SSE_EVENT_MAX_CHARS` fails the stream (not retried: the provider would send it again). Every
 * `BREATHE_EVERY_MS` of continuous processing the generator yields to the event loop, so a flood of tiny events
 * (or a consumer that does a lot per event) cannot starve the rest of the process.
 */
export async function* sseEvents(
  response: Response,
  signal: AbortSignal,
  idleMs: number,
  maxEventChars = SSE_EVENT_MAX_CHARS,
): AsyncGenerator<SseEvent> {
  let parsed: SseEvent[] = [];
  let oversize = false;
  const parser = createParser({
    onEvent: (e) => parsed.push({ ...(e.event ? { event: e.event } : {}), data: e.data }),
    onError: (err) => {
      if (err.type === "max-buffer-size-exceeded") oversize = true;
    },
    maxBufferSize: maxEventChars,
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let lastEventAt = performance.now();
  let breathedAt = lastEventAt;
  try {
    for (;;) {
      const chunk = await readBefore(reader, lastEventAt + idleMs, signal);
      if (chunk.done) break;
      parser.feed(decoder.decode(chunk.value, { stream: true }));
      if (oversize)
        throw ModelError.fatal(
          `stream disconnected before completion: an SSE event exceeded the limit of ${maxEventChars} characters`,
        );
      const events = parsed;
      parsed = [];
      for (const e of events) {
        // Interrupted: the events already parsed are not handed out (a big chunk can hold thousands).
        signal.throwIfAborted();
        yield e;
        lastEventAt = performance.now();
        if (lastEventAt - breathedAt >= BREATHE_EVERY_MS) {
          await nextMacrotask();
          breathedAt = lastEventAt = performance.now();
        }
      }
    }
  } finally {
    reader.releaseLock();
    await response.body?.cancel().catch(() => undefined);
  }
}

/** The next chunk of the body, unless the idle deadline (a `performance.now()` time) passes first. */
async function readBefore(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  deadline: number,
  signal: AbortSignal,
): Promise<Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]>>> {
  let timer: NodeJS.Timeout | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(ModelError.turn(IDLE_TIMEOUT_MESSAGE)),
      timerMs(deadline - performance.now()),
    );
  });
  try {
    return await Promise.race([reader.read(), idle]);
  } catch (err) {
    if (signal.aborted) throw err;
    if (err instanceof ModelError) throw err;
    // A body cut mid-stream, worded as 0.58.0 reports reqwest's error (both wires).
    throw ModelError.turn(
      "stream disconnected before completion: Transport error: Error while reading the server response: error decoding response body",
    );
  } finally {
    clearTimeout(timer);
  }
}
