import WebSocket from "ws";
import type { Transport, TransportExit, TransportSink } from "./transport.js";

export interface ConnectOptions {
  /** Sent as `Authorization: Bearer <token>` at the handshake (`--ws-auth`); never logged. */
  token?: string | undefined;
  /** Gives up on the handshake after this long (default 10 s). */
  timeoutMs?: number | undefined;
}

/** A refused handshake: the server's HTTP status and its one-line reason. */
export class HandshakeRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(`the app server refused the connection: ${status} ${reason}`);
    this.name = "HandshakeRefusedError";
  }
}

// A text frame is whole UTF-8 (the WebSocket protocol says so), so each is decoded on its own.
const decoder = new TextDecoder();

/** A frame delivered in parts: decoded as one stream, so a character split between parts stays whole. */
function decodeParts(parts: readonly Uint8Array[]): string {
  const streaming = new TextDecoder();
  return parts.map((part, i) => streaming.decode(part, { stream: i < parts.length - 1 })).join("");
}

/** `ws://HOST:PORT[/path]` as is; `unix://PATH` as `ws` spells a WebSocket over a unix socket. */
function socketUrl(url: string): string {
  if (url.startsWith("ws://") || url.startsWith("wss://")) return url;
  if (url.startsWith("unix://")) {
    const socketPath = url.slice("unix://".length);
    if (!socketPath.startsWith("/")) throw new Error(`unix:// URL needs an absolute socket path: ${url}`);
    return `ws+unix://${socketPath}:/`;
  }
  throw new Error(`unsupported app server URL \`${url}\`; expected \`ws://HOST:PORT\` or \`unix:///PATH\``);
}

/**
 * A connection to `codex app-server --listen ws://…|unix://…`: one JSON-RPC message per WebSocket text frame.
 * `closed` settles with `{code: <WebSocket close code>, signal: null}`.
 */
export class WebSocketTransport implements Transport {
  readonly closed: Promise<TransportExit>;
  private sink: TransportSink | null = null;
  private readonly early: string[] = [];

  private constructor(private readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once("close", (code) => resolve({ code, signal: null })));
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      const text = Array.isArray(data) ? decodeParts(data) : decoder.decode(data);
      if (this.sink) this.sink.message(text);
      else this.early.push(text);
    });
    ws.on("error", () => ws.terminate());
  }

  /** Opens the connection; rejects with `HandshakeRefusedError` when the server refuses it (401, 403, 429…). */
  static connect(url: string, options: ConnectOptions = {}): Promise<WebSocketTransport> {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const ws = new WebSocket(socketUrl(url), {
      headers,
      perMessageDeflate: false,
      handshakeTimeout: options.timeoutMs ?? 10_000,
    });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new WebSocketTransport(ws)));
      ws.once("unexpected-response", (_req, res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (body.length < 1024) body += chunk;
        });
        res.on("end", () =>
          reject(new HandshakeRefusedError(res.statusCode ?? 0, body.trim().slice(0, 1024))),
        );
        res.on("error", () => reject(new HandshakeRefusedError(res.statusCode ?? 0, "")));
      });
      ws.once("error", (err) => reject(err));
    });
  }

  start(sink: TransportSink): void {
    this.sink = sink;
    for (const text of this.early.splice(0)) sink.message(text);
  }

  send(message: string): Promise<void> {
    if (this.ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error("connection closed"));
    return new Promise((resolve, reject) => this.ws.send(message, (err) => (err ? reject(err) : resolve())));
  }

  async close(options: { graceMs?: number } = {}): Promise<TransportExit> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.close(1000, "client closing");
    const cut = setTimeout(() => this.ws.terminate(), options.graceMs ?? 5000);
    const exit = await this.closed;
    clearTimeout(cut);
    return exit;
  }

  /** Drops the connection without a close handshake (a client that vanished). */
  terminate(): void {
    this.ws.terminate();
  }
}
