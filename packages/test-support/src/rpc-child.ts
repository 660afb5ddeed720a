import type { ChildProcessWithoutNullStreams } from "node:child_process";

/** One JSON-RPC message (request, response, notification) as a plain object. */
export type RpcMessage = Record<string, unknown> & {
  id?: number | string;
  method?: string;
  params?: unknown;
};

/** A message on the wire, with when it passed and which way (`out`: to the child, `in`: from it). */
export interface LoggedMessage {
  at: number;
  dir: "out" | "in";
  msg: RpcMessage;
}

export interface JsonRpcChildOptions {
  /** Add `"jsonrpc":"2.0"` to what is sent (ACP, MCP); off for the app-server's JSON-RPC lite. */
  jsonrpc: boolean;
  /** Answers the child's requests (its result; a throw becomes an error answer). */
  onRequest?: (msg: RpcMessage) => unknown;
}

/**
 * A newline-delimited JSON-RPC peer over a child's stdio that records every message both ways. Responses are
 * matched to requests by id; `waitFor` finds a message at or after a point of the log.
 */
export class JsonRpcChild {
  readonly log: LoggedMessage[] = [];
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private nextId = 1;
  private partial = "";
  private readonly pending = new Map<number | string, (m: RpcMessage) => void>();
  private waiters: Array<() => void> = [];

  constructor(
    readonly child: ChildProcessWithoutNullStreams,
    private readonly o: JsonRpcChildOptions,
  ) {
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => this.onData(chunk));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      // Bounded: a chatty child must not grow the test's memory without limit.
      this.stderr = (this.stderr + chunk).slice(-1_000_000);
    });
    child.stdin.on("error", () => {});
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  /** Sends a request; resolves with the whole response message (`result` or `error`). */
  request(method: string, params?: unknown, timeoutMs = 60_000): Promise<RpcMessage> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new Error(`timed out waiting for the answer to ${method}; stderr: ${this.stderr.slice(-2000)}`),
        );
      }, timeoutMs);
      this.pending.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.send(params === undefined ? { id, method } : { id, method, params });
    });
  }

  /** Answers a request of the child's (one the `onRequest` handler left unanswered). */
  respond(id: number | string, result: unknown): void {
    this.send({ id, result });
  }

  notify(method: string, params?: unknown): void {
    this.send(params === undefined ? { method } : { method, params });
  }

  /** The log position now, for `since` and `waitFor`. */
  mark(): number {
    return this.log.length;
  }

  since(mark: number): LoggedMessage[] {
    return this.log.slice(mark);
  }

  /** The first incoming message from log position `from` on that matches. */
  async waitFor(
    pred: (m: RpcMessage) => boolean,
    o: { from?: number; timeoutMs?: number } = {},
  ): Promise<RpcMessage> {
    const deadline = Date.now() + (o.timeoutMs ?? 60_000);
    for (;;) {
      const found = this.log.slice(o.from ?? 0).find((e) => e.dir === "in" && pred(e.msg));
      if (found) return found.msg;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for a message; stderr: ${this.stderr.slice(-2000)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 500);
      });
    }
  }

  /** Ends the child's stdin and waits for it to exit; after `timeoutMs` it is terminated (SIGTERM, then SIGKILL). */
  async close(timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.stdin.end();
    const timer = setTimeout(() => {
      this.child.kill("SIGTERM");
      setTimeout(() => this.child.kill("SIGKILL"), 3000).unref();
    }, timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  private send(body: RpcMessage): void {
    const msg = this.o.jsonrpc ? { jsonrpc: "2.0", ...body } : body;
    this.log.push({ at: Date.now(), dir: "out", msg });
    this.child.stdin.write(`${JSON.stringify(msg)}\n`);
  }

  private onData(chunk: string): void {
    this.partial += chunk;
    let nl = this.partial.indexOf("\n");
    while (nl !== -1) {
      const line = this.partial.slice(0, nl);
      this.partial = this.partial.slice(nl + 1);
      if (line.trim() !== "") this.onLine(line);
      nl = this.partial.indexOf("\n");
    }
    for (const w of this.waiters.splice(0)) w();
  }

  private onLine(line: string): void {
    let msg: RpcMessage;
    try {
      msg = JSON.parse(line) as RpcMessage;
    } catch {
      this.stderr += `[stdout, not JSON] ${line}\n`;
      return;
    }
    this.log.push({ at: Date.now(), dir: "in", msg });
    if (msg.method !== undefined && msg.id !== undefined) {
      void this.answer({ ...msg, id: msg.id });
    } else if (msg.method === undefined && msg.id !== undefined) {
      const settle = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      settle?.(msg);
    }
  }

  private async answer(msg: RpcMessage & { id: number | string }): Promise<void> {
    try {
      const result = await (this.o.onRequest ?? (() => ({})))(msg);
      this.send({ id: msg.id, result });
    } catch (err) {
      this.send({ id: msg.id, error: { code: -32603, message: (err as Error).message } });
    }
  }
}
