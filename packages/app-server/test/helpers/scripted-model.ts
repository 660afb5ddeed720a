import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SseEvent } from "@codex-ts/test-support";

/** What the model answers one request with: SSE events, produced lazily (a stream may be very long). */
export type ModelScript = (body: { input?: unknown[] } & Record<string, unknown>) => Iterable<SseEvent>;

export interface ScriptedModel {
  readonly baseUrl: string;
  /** Events written so far, over all requests. */
  readonly sent: () => number;
  /** Whether a write is waiting for the server to read (the model stream is held by backpressure). */
  readonly blocked: () => boolean;
  close(): Promise<void>;
}

function frame(e: SseEvent): string {
  return `${e.event ? `event: ${e.event}\n` : ""}data: ${JSON.stringify(e.data)}\n\n`;
}

/**
 * A Responses-API model on 127.0.0.1 whose answer is computed from each request (so concurrent threads can each get
 * their own stream) and written with backpressure: when the server stops reading, this model stops writing and
 * says so (`blocked`), instead of buffering the rest of the stream in the test process.
 */
export async function startScriptedModel(script: ModelScript): Promise<ScriptedModel> {
  let sent = 0;
  let waiting = 0;
  const write = (res: ServerResponse, text: string) =>
    new Promise<void>((resolve) => {
      if (res.write(text)) return resolve();
      waiting++;
      const done = () => {
        waiting--;
        res.off("drain", done);
        res.off("close", done);
        resolve();
      };
      res.on("drain", done);
      res.on("close", done);
    });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        for (const event of script(body)) {
          if (res.destroyed) return;
          await write(res, frame(event));
          sent++;
        }
        res.end();
      })().catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    sent: () => sent,
    blocked: () => waiting > 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The text of the request's last user message (what the turn was started with). */
export function lastUserText(body: { input?: unknown[] }): string {
  const messages = (body.input ?? []) as { type?: string; role?: string; content?: { text?: string }[] }[];
  const user = messages.filter((m) => m.type === "message" && m.role === "user").at(-1);
  return user?.content?.map((c) => c.text ?? "").join("") ?? "";
}

/** A whole response: one assistant message streamed as the given deltas. */
export function* streamedMessage(id: string, deltas: Iterable<string>): Generator<SseEvent> {
  yield { event: "response.created", data: { type: "response.created", response: { id: `resp_${id}` } } };
  const item = { type: "message", role: "assistant", id, content: [] as { type: string; text: string }[] };
  yield { event: "response.output_item.added", data: { type: "response.output_item.added", item } };
  let text = "";
  for (const delta of deltas) {
    text += delta;
    yield {
      event: "response.output_text.delta",
      data: { type: "response.output_text.delta", delta, item_id: id },
    };
  }
  const done = { ...item, content: [{ type: "output_text", text }] };
  yield { event: "response.output_item.done", data: { type: "response.output_item.done", item: done } };
  yield {
    event: "response.completed",
    data: {
      type: "response.completed",
      response: {
        id: `resp_${id}`,
        usage: {
          input_tokens: 10,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: 5,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: 15,
        },
      },
    },
  };
}
