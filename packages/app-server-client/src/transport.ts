/** How a connection ended: a process's exit code and signal; a socket transport reports `{code, signal: null}`. */
export interface TransportExit {
  code: number | null;
  signal: string | null;
}

/**
 * What the client needs from a connection to an app server: one JSON-RPC message per `send`, every incoming message
 * handed to the sink whole, and an end. The stdio transport frames messages as lines; a WebSocket transport would
 * map them to text frames. Nothing here is tied to Node.
 */
export interface Transport {
  /** Starts delivering incoming messages (JSON text, one message each) to `sink`. Called once, by the client. */
  start(sink: TransportSink): void;
  /** Sends one message (JSON text without a trailing newline). Resolves once it is handed to the connection. */
  send(message: string): Promise<void>;
  /** Ends the connection gracefully (stdio: close stdin, wait, then signal); resolves when it is gone. */
  close(options?: { graceMs?: number }): Promise<TransportExit>;
  /** Settles when the connection is gone, whoever ended it. Never rejects. */
  readonly closed: Promise<TransportExit>;
}

export interface TransportSink {
  message(text: string): void;
}

/** Cuts a text stream into lines (`\n`, an optional `\r` before it dropped); blank lines are skipped. */
export class LineSplitter {
  private partial = "";

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    this.partial += chunk;
    let nl = this.partial.indexOf("\n");
    while (nl !== -1) {
      const line = this.partial.slice(0, nl);
      this.partial = this.partial.slice(nl + 1);
      this.emit(line);
      nl = this.partial.indexOf("\n");
    }
  }

  /** Delivers a final line that had no newline. */
  end(): void {
    const rest = this.partial;
    this.partial = "";
    this.emit(rest);
  }

  private emit(line: string): void {
    const text = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (text.trim() !== "") this.onLine(text);
  }
}
