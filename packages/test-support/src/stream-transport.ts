import type { Readable, Writable } from "node:stream";
import {
  LineSplitter,
  type Transport,
  type TransportExit,
  type TransportSink,
} from "@codex-ts/app-server-client";
import { connectAppServer, type TestAppServer } from "./app-server-harness.js";

/**
 * The client's `Transport` over a pair of Node streams (an in-process server's stdin and stdout, e.g. PassThroughs):
 * one line per message, closed when the server's output ends or this side closes.
 */
export class StreamTransport implements Transport {
  readonly closed: Promise<TransportExit>;
  private end: () => void = () => {};

  constructor(
    private readonly toServer: Writable,
    private readonly fromServer: Readable,
  ) {
    this.closed = new Promise((resolve) => {
      this.end = () => resolve({ code: 0, signal: null });
    });
    fromServer.once("end", this.end);
    fromServer.once("close", this.end);
  }

  start(sink: TransportSink): void {
    const lines = new LineSplitter((line) => sink.message(line));
    const decoder = new TextDecoder();
    this.fromServer.on("data", (chunk: Uint8Array | string) =>
      lines.push(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true })),
    );
    this.fromServer.once("end", () => lines.end());
  }

  send(message: string): Promise<void> {
    return this.writeRaw(`${message}\n`);
  }

  /** Writes `text` to the server's input exactly as given (no newline added). */
  writeRaw(text: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.toServer.write(text, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** Stops taking the server's output until `resumeReading()`. */
  pauseReading(): void {
    this.fromServer.pause();
  }

  resumeReading(): void {
    this.fromServer.resume();
  }

  /** Ends the server's input (its cue to finish); the connection counts as closed from here on. */
  async close(): Promise<TransportExit> {
    this.toServer.end();
    this.end();
    return this.closed;
  }
}

/** A harness client of an app server running in this process, connected to its stdin and stdout streams. */
export function connectInProcess(server: { stdin: Writable; stdout: Readable }): TestAppServer {
  return connectAppServer(new StreamTransport(server.stdin, server.stdout));
}
