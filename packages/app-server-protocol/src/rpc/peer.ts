import type { Readable, Writable } from "node:stream";
import { classifyLine } from "./envelope.js";
import { INVALID_REQUEST, PeerRequestError, type RequestId, type RpcErrorBody } from "./errors.js";
import { type LineEvent, LineReader } from "./line-reader.js";
import { LineWriter } from "./line-writer.js";

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
  /** Lines above this many bytes are discarded with an error instead of being buffered. Default 64 MiB. */
  maxLineBytes?: number | undefined;
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

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

/**
 * One JSON-RPC lite endpoint over a newline-delimited Readable/Writable pair: incoming requests and
 * notifications go to the handlers, responses settle this side's own outgoing requests (integer ids from 0),
 * and every outgoing message is written whole and in call order with backpressure.
 */
export class JsonRpcPeer {
  private readonly writer: LineWriter;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;
  private readonly jsonrpc: boolean;
  private readonly maxLineBytes: number;
  private readonly log: NonNullable<JsonRpcPeerOptions["log"]>;

  constructor(private readonly opts: JsonRpcPeerOptions) {
    this.writer = new LineWriter(opts.output);
    this.jsonrpc = opts.jsonrpc ?? false;
    this.maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.log = opts.log ?? (() => {});
  }

  /** Starts reading; resolves when the input ends (EOF, close or error). */
  run(handlers: PeerHandlers): Promise<void> {
    const reader = new LineReader(this.maxLineBytes, (event) => this.onLine(event, handlers));
    return reader.attach(this.opts.input);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  respond(id: RequestId, result: unknown): Promise<void> {
    return this.send(this.jsonrpc ? { jsonrpc: "2.0", id, result } : { id, result });
  }

  respondError(id: RequestId | null, error: RpcErrorBody): Promise<void> {
    return this.send(this.jsonrpc ? { jsonrpc: "2.0", error, id } : { error, id });
  }

  /** A notification; `envelope` adds members after `params` (0.166.0's `emittedAtMs`). */
  notify(method: string, params?: unknown, envelope?: Readonly<Record<string, unknown>>): Promise<void> {
    const body: Record<string, unknown> = this.jsonrpc ? { jsonrpc: "2.0", method } : { method };
    if (params !== undefined) body.params = params;
    if (envelope) Object.assign(body, envelope);
    return this.send(body);
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
    void this.send(body);
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

  private send(body: Record<string, unknown>): Promise<void> {
    return this.writer.write(JSON.stringify(body));
  }

  private onLine(event: LineEvent, handlers: PeerHandlers): void {
    if (event.kind === "oversized") {
      this.onOversized(event.head, event.bytes);
      return;
    }
    if (event.line.trim() === "") return;
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
      case "response":
        this.settle(msg.id, (p) => p.resolve(msg.result));
        return;
      case "error":
        if (msg.id === null) {
          this.log("warn", `client reported an error without id: ${msg.error.message}`);
          return;
        }
        this.settle(msg.id, (p) =>
          p.reject(new PeerRequestError(msg.error.message, msg.error.code, msg.error.data)),
        );
        return;
    }
  }

  private settle(id: RequestId, apply: (p: Pending) => void): void {
    const pending = typeof id === "number" ? this.pending.get(id) : undefined;
    if (!pending) {
      this.log("warn", `ignoring response to unknown request id ${JSON.stringify(id)}`);
      return;
    }
    this.pending.delete(id as number);
    apply(pending);
  }

  /** A line above the limit: answer it with a clear error when its head shows a request id, else log it. */
  private onOversized(head: string, bytes: number): void {
    const message = `Invalid request: message of ${bytes} bytes exceeds the limit of ${this.maxLineBytes} bytes`;
    this.log("error", message);
    const idMatch = /"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")/.exec(head);
    if (!idMatch?.[1] || !/"method"\s*:/.test(head)) return;
    const id = JSON.parse(idMatch[1]) as RequestId;
    void this.respondError(id, { code: INVALID_REQUEST, message });
  }
}
