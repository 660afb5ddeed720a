import type { Readable, Writable } from "node:stream";
import { classifyLine } from "./envelope.js";
import {
  INTERNAL_ERROR,
  INVALID_REQUEST,
  PeerRequestError,
  type RequestId,
  type RpcErrorBody,
} from "./errors.js";
import {
  CONTAINER_WEIGHT,
  jsonWeight,
  MAX_ANSWER_DEPTH,
  MAX_MESSAGE_WEIGHT,
  tooDeepPath,
} from "./json-limits.js";
import { type LineEvent, LineReader } from "./line-reader.js";
import { DEFAULT_OUTPUT_HIGH_WATER_BYTES, LineWriter } from "./line-writer.js";
import { serializeMessage } from "./serialize.js";

export interface IncomingRequest {
  id: RequestId;
  method: string;
  params: unknown;
  /** False when the message had no `params` member (0.58.0 distinguishes `missing field params`). */
  hasParams: boolean;
}
export interface IncomingNotification {
  method: string;
  params: unknown;
  hasParams: boolean;
}

export interface PeerHandlers {
  onRequest(req: IncomingRequest): void;
  onNotification?(n: IncomingNotification): void;
}

export interface JsonRpcPeerOptions {
  input: Readable;
  output: Writable;
  /** Adds `"jsonrpc":"2.0"` to every outgoing message (MCP). Off for the app-server, as in Codex 0.58.0. */
  jsonrpc?: boolean | undefined;
  /** Lines above this many bytes are discarded with an error instead of being buffered. Default 16 MiB. */
  maxLineBytes?: number | undefined;
  /** Above this many bytes of unwritten output, input is no longer read. Default 256 KiB. */
  outputHighWaterBytes?: number | undefined;
  /** Receives log lines (the servers send them to stderr; stdout is the protocol channel). */
  log?: ((level: "error" | "warn" | "debug", message: string) => void) | undefined;
}

export interface OutgoingRequestOptions {
  /** Groups pending requests (e.g. by conversation id) so they can be abandoned together on interrupt. */
  tag?: string;
  /** Told the request's id before it is written (0.166's `serverRequest/resolved` names it). */
  onId?: (id: number) => void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: PeerRequestError): void;
  tag: string | undefined;
  method: string;
}

/** An incoming line above this is refused unread (room for a large image as a data URL; 0.58.0 has no limit). */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
/** Lines handled per turn of the event loop: a flood of small requests cannot starve timers and other I/O. */
const LINES_PER_TURN = 64;
/** Lines read but not yet handled above which the input is paused… */
const MAX_QUEUED_LINES = 1024;
/** …or characters of them (one line at the size limit is always taken). */
const MAX_QUEUED_CHARS = 4 * 1024 * 1024;

/**
 * One JSON-RPC lite endpoint over a newline-delimited Readable/Writable pair: incoming requests and
 * notifications go to the handlers, responses settle this side's own outgoing requests (integer ids from 0),
 * and every outgoing message is written whole and in call order with backpressure.
 *
 * Nothing a client sends can make it hold unbounded memory: input is read only while output flows (a client that
 * never reads its stdout stops being read), lines are handled a batch per event-loop turn, a line is bounded in
 * size and in the number of values it may parse into, and a client's answer nested too deep is refused.
 */
export class JsonRpcPeer {
  private readonly writer: LineWriter;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;
  private readonly jsonrpc: boolean;
  private readonly maxLineBytes: number;
  private readonly log: NonNullable<JsonRpcPeerOptions["log"]>;
  private readonly queue: LineEvent[] = [];
  private queueHead = 0;
  private queuedChars = 0;
  private pumpScheduled = false;
  private inputPaused = false;
  private idle: Array<() => void> = [];

  constructor(private readonly opts: JsonRpcPeerOptions) {
    this.writer = new LineWriter(opts.output, opts.outputHighWaterBytes ?? DEFAULT_OUTPUT_HIGH_WATER_BYTES);
    this.jsonrpc = opts.jsonrpc ?? false;
    this.maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.log = opts.log ?? (() => {});
  }

  /** Starts reading; resolves when the input has ended (EOF, close or error) and every line read is handled. */
  async run(handlers: PeerHandlers): Promise<void> {
    const reader = new LineReader(this.maxLineBytes, (event) => {
      this.queue.push(event);
      this.queuedChars += event.kind === "line" ? event.line.length : event.head.length;
      this.schedule(handlers);
    });
    await reader.attach(this.opts.input);
    if (this.queuedLines() > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Whether the client is behind on reading: more than the high-water mark of output is waiting for it. */
  get outputBackedUp(): boolean {
    return this.writer.backedUp;
  }

  /** Resolves at once while output flows, else once the client has read enough of it. */
  outputRoom(): Promise<void> {
    return this.writer.room();
  }

  respond(id: RequestId, result: unknown): Promise<void> {
    return this.send(
      this.jsonrpc ? { jsonrpc: "2.0", id, result } : { id, result },
      `response to ${String(id)}`,
    );
  }

  respondError(id: RequestId | null, error: RpcErrorBody): Promise<void> {
    return this.send(this.jsonrpc ? { jsonrpc: "2.0", error, id } : { error, id }, `error response to ${id}`);
  }

  /** A notification; `envelope` adds members after `params` (0.166.0's `emittedAtMs`). */
  notify(method: string, params?: unknown, envelope?: Readonly<Record<string, unknown>>): Promise<void> {
    const body: Record<string, unknown> = this.jsonrpc ? { jsonrpc: "2.0", method } : { method };
    if (params !== undefined) body.params = params;
    if (envelope) Object.assign(body, envelope);
    return this.send(body, method);
  }

  /** Sends a request to the other side; settles on its response, its error, `rejectPending` or `close`. */
  request<T = unknown>(method: string, params: unknown, options: OutgoingRequestOptions = {}): Promise<T> {
    if (this.closed) return Promise.reject(new PeerRequestError("connection closed"));
    const id = this.nextId++;
    options.onId?.(id);
    const result = new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, tag: options.tag, method });
    });
    const body: Record<string, unknown> = this.jsonrpc ? { jsonrpc: "2.0", id, method } : { id, method };
    if (params !== undefined) body.params = params;
    void this.send(body, method);
    return result;
  }

  /** Abandons every pending request with `tag` (e.g. the turn was interrupted). Returns how many. */
  rejectPending(tag: string, reason: string): number {
    let count = 0;
    for (const [id, p] of this.pending) {
      if (p.tag !== tag) continue;
      this.pending.delete(id);
      p.reject(new PeerRequestError(reason));
      count++;
    }
    return count;
  }

  /** Rejects all pending requests and waits until queued output has been written. */
  async close(reason = "connection closed"): Promise<void> {
    this.closed = true;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new PeerRequestError(reason));
    }
    await this.writer.flushed();
  }

  /** Resolves when everything queued so far is written. */
  flushed(): Promise<void> {
    return this.writer.flushed();
  }

  /**
   * Serialises where a failure can be handled: a message that cannot be serialised as it is goes out with the
   * offending values replaced (a response that cannot be repaired becomes an internal error), and it is logged.
   */
  private send(body: Record<string, unknown>, what: string): Promise<void> {
    const { line, repaired } = serializeMessage(body, (reason) =>
      "result" in body
        ? {
            error: { code: INTERNAL_ERROR, message: `the response could not be serialised: ${reason}` },
            id: body.id,
          }
        : { ...body, params: null },
    );
    if (repaired !== null)
      this.log(
        "error",
        `${what} could not be serialised as it was (${repaired}); sent with those values replaced`,
      );
    return this.writer.write(line);
  }

  private queuedLines(): number {
    return this.queue.length - this.queueHead;
  }

  private schedule(handlers: PeerHandlers): void {
    this.updateInputFlow();
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => this.pump(handlers));
  }

  /** Handles a batch of queued lines, then yields; waits for the client to read while output is backed up. */
  private pump(handlers: PeerHandlers): void {
    this.pumpScheduled = false;
    if (this.writer.backedUp) {
      this.pumpScheduled = true;
      this.updateInputFlow();
      void this.writer.room().then(() => this.pump(handlers));
      return;
    }
    for (let n = 0; n < LINES_PER_TURN && this.queuedLines() > 0; n++) {
      const event = this.queue[this.queueHead] as LineEvent;
      this.queue[this.queueHead] = { kind: "line", line: "" };
      this.queueHead++;
      this.queuedChars -= event.kind === "line" ? event.line.length : event.head.length;
      try {
        this.onLine(event, handlers);
      } catch (err) {
        this.log("error", `handling a message failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (this.queueHead > 256 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    if (this.queuedLines() > 0) {
      this.schedule(handlers);
      return;
    }
    this.updateInputFlow();
    for (const w of this.idle.splice(0)) w();
  }

  /** Input is read while output flows and little input waits; otherwise paused until both are true again. */
  private updateInputFlow(): void {
    const input = this.opts.input;
    const hold =
      this.writer.backedUp || this.queuedLines() > MAX_QUEUED_LINES || this.queuedChars > MAX_QUEUED_CHARS;
    if (hold && !this.inputPaused) {
      this.inputPaused = true;
      input.pause();
      void this.writer.room().then(() => this.updateInputFlow());
    } else if (!hold && this.inputPaused) {
      this.inputPaused = false;
      input.resume();
    }
  }

  private onLine(event: LineEvent, handlers: PeerHandlers): void {
    if (event.kind === "oversized") {
      this.refuseLine(
        event.head,
        `Invalid request: message of ${event.bytes} bytes exceeds the limit of ${this.maxLineBytes} bytes`,
      );
      return;
    }
    if (/^\s*$/.test(event.line)) return;
    if (jsonWeight(event.line) > MAX_MESSAGE_WEIGHT) {
      this.refuseLine(
        event.line.slice(0, 512),
        `Invalid request: message has too many JSON values (the limit is ${MAX_MESSAGE_WEIGHT} elements; an array or object counts as ${CONTAINER_WEIGHT})`,
      );
      return;
    }
    const msg = classifyLine(event.line);
    switch (msg.kind) {
      case "invalid":
        this.log("error", `Failed to deserialize JSONRPCMessage: ${msg.reason}`);
        return;
      case "request":
        handlers.onRequest({ id: msg.id, method: msg.method, params: msg.params, hasParams: msg.hasParams });
        return;
      case "notification":
        handlers.onNotification?.({ method: msg.method, params: msg.params, hasParams: msg.hasParams });
        return;
      case "response": {
        const tooDeep = tooDeepPath(msg.result, MAX_ANSWER_DEPTH, "result");
        if (tooDeep !== null) {
          const message = `Invalid request: \`${tooDeep}\` is nested deeper than ${MAX_ANSWER_DEPTH} levels`;
          this.settle(msg.id, (p) => {
            this.log("error", `answer to ${p.method} refused: ${message}`);
            p.reject(new PeerRequestError(message, INVALID_REQUEST));
          });
          return;
        }
        this.settle(msg.id, (p) => p.resolve(msg.result));
        return;
      }
      case "error": {
        if (msg.id === null) {
          this.log("warn", `client reported an error without id: ${msg.error.message}`);
          return;
        }
        const { data } = msg.error;
        const keepData = data !== undefined && tooDeepPath(data, MAX_ANSWER_DEPTH, "data") === null;
        this.settle(msg.id, (p) =>
          p.reject(new PeerRequestError(msg.error.message, msg.error.code, keepData ? data : undefined)),
        );
        return;
      }
    }
  }

  private settle(id: RequestId, apply: (p: Pending) => void): void {
    const pending = typeof id === "number" ? this.pending.get(id) : undefined;
    if (!pending) {
      this.log("warn", `ignoring response to unknown request id ${JSON.stringify(id).slice(0, 100)}`);
      return;
    }
    this.pending.delete(id as number);
    apply(pending);
  }

  /** A line over a limit, never parsed: answered with `message` when its head shows a request id, else logged. */
  private refuseLine(head: string, message: string): void {
    this.log("error", message);
    const idMatch = /"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")/.exec(head);
    if (!idMatch?.[1] || !/"method"\s*:/.test(head)) return;
    const id = JSON.parse(idMatch[1]) as RequestId;
    void this.respondError(id, { code: INVALID_REQUEST, message });
  }
}
