import type { Readable, Writable } from "node:stream";

/**
 * One client's message channel, whatever carries it (stdio, a WebSocket over TCP or a unix socket): `input` yields
 * newline-delimited JSON-RPC messages and `output` takes one newline-terminated message per write, which is what
 * `JsonRpcPeer` reads and writes. A transport that frames messages itself (WebSocket) converts at this edge.
 */
export interface TransportConnection {
  readonly input: Readable;
  readonly output: Writable;
  /** Who is on the other end, for logs (never carries credentials). */
  readonly description: string;
  /** Drops the connection (the peer sees its input end). */
  close(): void;
}

/** A listening transport: hands each accepted connection to `onConnection` until closed. */
export interface TransportListener {
  /** The address it listens on, as a `--listen` URL (`ws://127.0.0.1:PORT` with the port it got, `unix://PATH`). */
  readonly url: string;
  /** Stops accepting, drops open connections and removes what it created (the socket file). */
  close(): Promise<void>;
}

/** The process's stdin/stdout as the single connection (`--listen stdio://`, the default). */
export function stdioConnection(input: Readable, output: Writable): TransportConnection {
  return { input, output, description: "stdio", close: () => input.destroy() };
}
