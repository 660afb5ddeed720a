import { createParser } from "eventsource-parser";
import { ModelError } from "./types.js";

/** SSE lines of a body as parsed events, with an idle timeout between chunks. */
export async function* sseEvents(
  response: Response,
  signal: AbortSignal,
  idleMs: number,
): AsyncGenerator<{ event?: string; data: string }> {
  const queue: { event?: string; data: string }[] = [];
  const parser = createParser({
    onEvent: (e) => queue.push({ ...(e.event ? { event: e.event } : {}), data: e.data }),
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ModelError("stream idle timeout", true)), idleMs);
      });
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await Promise.race([reader.read(), idle]);
      } catch (err) {
        if (signal.aborted) throw err;
        if (err instanceof ModelError) throw new ModelError(`stream disconnected: ${err.message}`, true);
        // A body cut mid-stream, worded as 0.58.0 reports reqwest's error (both wires).
        throw new ModelError(
          "stream disconnected before completion: Transport error: Error while reading the server response: error decoding response body",
          true,
        );
      } finally {
        clearTimeout(timer);
      }
      if (chunk.done) break;
      parser.feed(decoder.decode(chunk.value, { stream: true }));
      while (queue.length) yield queue.shift()!;
    }
    while (queue.length) yield queue.shift()!;
  } finally {
    reader.releaseLock();
    await response.body?.cancel().catch(() => undefined);
  }
}
