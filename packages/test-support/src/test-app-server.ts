import {
  AppServerClient,
  AppServerError,
  type AppServerErrorBody,
  type Capabilities,
  type ClientInfo,
  type Protocol058,
  type ProtocolDefinition,
  ProtocolViolationError,
  type RequestArgs,
  type RequestId,
  type RequestMethod,
  type RequestOptions,
  type ServerRequestMethod,
  type ServerRequestResult,
  StdioTransport,
  type Transport,
  type TransportExit,
} from "@codex-ts/app-server-client";
import { stopped } from "./harness-registry.js";
import { OneWriteTransport } from "./one-write.js";
import { type Message, wireIssues } from "./wire-checks.js";

/**
 * The client e2e tests drive app servers with: a typed `AppServerClient` (from `@codex-ts/app-server-client`) that
 * also records every message both ways, waits for messages, holds the server's requests until the test answers them,
 * checks every message it receives against the protocol registry, and has a raw escape hatch for bytes the typed
 * client would never send. Started by `startAppServer` / `connectAppServer` (app-server-harness.ts).
 */

/** How much of a server's stderr a test keeps (it searches it; a runaway log must not exhaust memory). */
const STDERR_CAP = 4 * 1024 * 1024;
const WAIT_MS = 60_000;
const TEST_CLIENT: ClientInfo = { name: "test-client", version: "1.2.3" };

/**
 * What the raw escape hatch needs of a transport besides `Transport`: unframed writes and reading that can pause.
 * `StdioTransport` and `StreamTransport` have them.
 */
interface ByteLevel {
  writeRaw(text: string): Promise<void>;
  pauseReading(): void;
  resumeReading(): void;
}

function byteLevel(transport: Transport): ByteLevel | undefined {
  const t = transport as Transport & Partial<ByteLevel>;
  return t.writeRaw && t.pauseReading && t.resumeReading ? (t as Transport & ByteLevel) : undefined;
}

export class TestAppServer<P extends ProtocolDefinition = Protocol058> extends AppServerClient<P, Transport> {
  /** Every message received, in order (parsed; responses, notifications and server requests). */
  readonly messages: Message[] = [];
  /** Every message sent, in order. */
  readonly sent: Message[] = [];
  /** What broke the protocol: messages that fail the registry's checks, lines that are not JSON-RPC. */
  readonly wireViolations: string[] = [];
  /** How many of `wireViolations` the vitest setup has already reported. */
  reportedViolations = 0;
  private stderrText = "";
  private ended = false;
  private wakers: Array<() => void> = [];
  private readonly held = new Map<RequestId, { resolve(r: unknown): void; reject(e: unknown): void }>();
  private readonly writes: OneWriteTransport;
  private readonly process: StdioTransport | undefined;
  private readonly bytes: ByteLevel | undefined;
  private readonly unrecorded = new Set<(m: Message) => boolean>();

  constructor(
    transport: Transport,
    protocol: P,
    readonly label: string,
  ) {
    const writes = new OneWriteTransport(transport);
    super(writes, { protocol });
    this.writes = writes;
    this.process = transport instanceof StdioTransport ? transport : undefined;
    this.bytes = byteLevel(transport);
    this.onMessage((direction, m) => {
      if (direction === "out") {
        this.sent.push(m);
        return;
      }
      if (!this.isUnrecorded(m)) this.messages.push(m);
      if (protocol.generation === "0.58") this.wireViolations.push(...wireIssues(m));
      this.wake();
    });
    this.onViolation((v) => {
      // For 0.58.0, `wireIssues` already judged notifications and server requests (more strictly).
      if (protocol.generation === "0.58" && (v.kind === "notification" || v.kind === "serverRequest")) return;
      this.wireViolations.push(v.message);
      this.wake();
    });
    // Server requests wait for the test's `answer` (a test replaces this per method with `onServerRequest`).
    for (const method of Object.keys(protocol.serverRequests) as ServerRequestMethod<P>[])
      this.onServerRequest(method, (_params, { id }) => this.hold(id));
    void this.closed.then(() => {
      this.ended = true;
      this.wake();
    });
  }

  /** The first 4 MiB of the server's stderr. */
  get stderr(): string {
    return this.stderrText;
  }

  /** @internal the spawn hook feeds stderr here */
  appendStderr(text: string): void {
    if (this.stderrText.length < STDERR_CAP)
      this.stderrText += text.slice(0, STDERR_CAP - this.stderrText.length);
    this.wake();
  }

  /** True until the connection ends (the server process exited, or an in-process server closed its output). */
  get running(): boolean {
    return !this.ended;
  }

  /** The exit code and signal, when the server has exited. */
  get exited(): Promise<TransportExit> {
    return this.closed;
  }

  /** Signals the server process (false for an in-process server, or one that has exited). */
  kill(signal?: string): boolean {
    return this.process?.kill(signal) ?? false;
  }

  /** The server's process id (undefined for an in-process server). */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  /**
   * Sends every message `send` sends (synchronously: typed requests, `fire`, `raw.send`) in one write, so the
   * server reads them together, e.g. two requests that must be in flight at once. Returns what `send` returns.
   */
  inOneWrite<T>(send: () => T): T {
    return this.writes.together(send);
  }

  /**
   * Leaves the messages `skip` picks out of `messages` (they are still checked against the registry and seen by
   * `onMessage` listeners), for floods of hundreds of thousands a test counts rather than keeps. Returns the undo.
   */
  skipRecording(skip: (m: Message) => boolean): () => void {
    this.unrecorded.add(skip);
    return () => this.unrecorded.delete(skip);
  }

  /**
   * Stops reading the server's output until `resumeReading()`: a client that has fallen behind (or never reads), so
   * the server's writes back up and its backpressure shows. Messages already read are still delivered.
   */
  pauseReading(): void {
    this.byteLevel().pauseReading();
  }

  resumeReading(): void {
    this.byteLevel().resumeReading();
  }

  /** Resolves once `holds()` is true, checked on every message and stderr chunk and at least once a second. */
  async waitUntil(holds: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
    await this.until(
      () => holds() || undefined,
      () => what,
      timeoutMs,
    );
  }

  /** The handshake as a test client (`test-client` 1.2.3 unless told). */
  override initialize(
    clientInfo: ClientInfo = TEST_CLIENT,
    capabilities?: Capabilities<P>,
    options?: RequestOptions,
  ): ReturnType<AppServerClient<P>["initialize"]> {
    return super.initialize(clientInfo, capabilities, options);
  }

  /** Closes its input and waits for the server to end (a process is killed only if it has not after 30 s). */
  override close(options: { graceMs?: number } = {}): Promise<TransportExit> {
    stopped(this);
    return super.close({ graceMs: options.graceMs ?? 30_000 });
  }

  /** Resolves with the first received message that passes `pred` (already received or future). */
  async waitFor(pred: (m: Message) => boolean, what = "message", timeoutMs = WAIT_MS): Promise<Message> {
    return this.until(
      () => this.messages.find(pred),
      () => `${what}; got ${JSON.stringify(this.messages)}`,
      timeoutMs,
    );
  }

  /** Resolves once the server's stderr contains `text`. */
  async waitStderr(text: string, timeoutMs = WAIT_MS): Promise<void> {
    await this.until(
      () => this.stderrText.includes(text) || undefined,
      () => `stderr containing ${JSON.stringify(text)}; got ${this.stderrText.slice(-2000)}`,
      timeoutMs,
    );
  }

  /** Answers a server request this client holds (one from `messages`) with `result`. */
  answer<R extends ServerRequestMethod<P>>(request: Message, result: ServerRequestResult<P, R>): void {
    this.release(request).resolve(result);
  }

  /** Answers a held server request with a JSON-RPC error. */
  answerError(request: Message, error: AppServerErrorBody): void {
    this.release(request).reject(new AppServerError(error.code, error.message, error.data));
  }

  /** The response to the latest request of `method` this client sent (undefined until it has arrived). */
  responseTo(method: string): Message | undefined {
    const request = this.sent.findLast((m) => m.method === method && m.id !== undefined);
    return request && this.messages.find((m) => m.method === undefined && m.id === request.id);
  }

  /** The method of the request a received response answers (undefined for anything else). */
  answeredMethod(response: Message): string | undefined {
    if (response.method !== undefined || response.id === undefined) return undefined;
    return this.sent.find((m) => m.method !== undefined && m.id === response.id)?.method;
  }

  /**
   * The escape hatch for tests of framing and malformed input: bytes the typed client would never send. Its
   * request ids are strings, so they never meet the client's integer ids.
   */
  readonly raw = {
    /** Writes `text` and a newline to the server's stdin as is. */
    send: (text: string): Promise<void> => this.transport.send(text),
    /** Sends a request with any method and params; resolves with the whole response message. */
    call: async (id: string, method: string, params?: unknown): Promise<Message> => {
      const message = params === undefined ? { id, method } : { id, method, params };
      this.sent.push(message);
      await this.transport.send(JSON.stringify(message));
      return this.raw.reply(id);
    },
    /** The response to a request sent raw with `id` (e.g. a line built by hand), once it has arrived. */
    reply: (id: string, timeoutMs = WAIT_MS): Promise<Message> =>
      this.waitFor((m) => m.id === id && m.method === undefined, `response ${id}`, timeoutMs),
    /**
     * Writes `text` exactly as given (no newline added: a line may be written in pieces), outside any `inOneWrite`
     * group. Resolves true once the server's input has taken it, false when it has not within `stallMs` (the server
     * stopped reading; the bytes stay queued and go when it reads again).
     */
    write: async (text: string, stallMs = WAIT_MS): Promise<boolean> => {
      const taken = this.byteLevel()
        .writeRaw(text)
        .then(() => true as const);
      // A write that fails after the stall was reported (the server exited) has nobody left to tell.
      taken.catch(() => {});
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stalled = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), stallMs);
      });
      try {
        return await Promise.race([taken, stalled]);
      } finally {
        clearTimeout(timer);
      }
    },
  };

  /** Sends a typed request without waiting for it (the result is still checked when it comes). */
  fire<M extends RequestMethod<P>>(method: M, ...args: RequestArgs<P, M>): void {
    this.request(method, ...args).catch((err: unknown) => {
      if (err instanceof ProtocolViolationError) this.wireViolations.push(err.message);
    });
  }

  private isUnrecorded(m: Message): boolean {
    for (const skip of this.unrecorded) if (skip(m)) return true;
    return false;
  }

  private byteLevel(): ByteLevel {
    if (!this.bytes) throw new Error(`${this.label}: its transport cannot write raw bytes or pause reading`);
    return this.bytes;
  }

  private hold(id: RequestId): Promise<never> {
    return new Promise((resolve, reject) => this.held.set(id, { resolve, reject }));
  }

  private release(request: Message) {
    const id = request.id as RequestId;
    const held = this.held.get(id);
    if (!held) throw new Error(`no server request ${JSON.stringify(id)} is waiting for an answer`);
    this.held.delete(id);
    return held;
  }

  private wake(): void {
    for (const w of this.wakers.splice(0)) w();
  }

  /** Polls `find` on every message, stderr chunk and second until it finds something, the deadline or the end. */
  private async until<T>(find: () => T | undefined, what: () => string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (this.ended) {
        const exit = await this.closed;
        throw new Error(`${this.label} ended (${JSON.stringify(exit)}) while waiting for ${what()}`);
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
      await new Promise<void>((resolve) => {
        // Woken by the next message or stderr chunk, else after a second; the timer goes either way (a flood
        // of messages must not leave a timer per message behind).
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, 1000);
        this.wakers.push(wake);
      });
    }
  }
}
