import {
  AppServerClient,
  AppServerError,
  type AppServerErrorBody,
  type Capabilities,
  type ClientInfo,
  type Protocol058,
  type ProtocolDefinition,
  ProtocolViolationError,
  protocol058,
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
import { OneWriteTransport } from "./one-write.js";
import { CLI_MAIN, CODEX_0166_BIN, REFERENCE_CODEX_BIN } from "./reference-codex.js";
import { tempDir } from "./temp-dirs.js";
import { type Message, wireIssues } from "./wire-checks.js";

/**
 * The process harness e2e tests drive app servers with: a typed `AppServerClient` (from
 * `@codex-ts/app-server-client`) that also records every message both ways, waits for messages, holds the server's
 * requests until the test answers them, and checks every message it receives against the protocol registry.
 */

/** Which server to start: ours (the built CLI), the real 0.58.0, the native 0.166.0, or any executable. */
export type AppServerBinary = "ours" | "reference" | "0.166" | { path: string };

export interface StartAppServerOptions<P extends ProtocolDefinition = Protocol058> {
  /** Default `ours`. `reference` and `0.166` throw when the binary is not installed (check the constants first). */
  bin?: AppServerBinary;
  /** CODEX_HOME (default: a fresh temp dir). */
  home?: string;
  /** Added to the environment (which is this process's plus CODEX_HOME). */
  env?: Record<string, string | undefined>;
  /** Arguments after `app-server` (ours: e.g. `-c model="o3"`, `--enable …`). */
  args?: string[];
  cwd?: string;
  /** The protocol generation the client speaks (default 0.58.0). */
  protocol?: P;
}

/** How much of a server's stderr a test keeps (it searches it; a runaway log must not exhaust memory). */
const STDERR_CAP = 4 * 1024 * 1024;
const WAIT_MS = 60_000;
const TEST_CLIENT: ClientInfo = { name: "test-client", version: "1.2.3" };

/** Harness clients not yet stopped, and those whose wire violations are not all reported (see vitest-setup.ts). */
interface Tracked {
  readonly label: string;
  readonly wireViolations: string[];
  reportedViolations: number;
  readonly running: boolean;
  close(options?: { graceMs?: number }): Promise<TransportExit>;
}
const live = new Set<Tracked>();
const unchecked = new Set<Tracked>();

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

  constructor(
    transport: Transport,
    protocol: P,
    readonly label: string,
  ) {
    const writes = new OneWriteTransport(transport);
    super(writes, { protocol });
    this.writes = writes;
    this.process = transport instanceof StdioTransport ? transport : undefined;
    this.onMessage((direction, m) => {
      if (direction === "out") {
        this.sent.push(m);
        return;
      }
      this.messages.push(m);
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
    live.delete(this);
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
  };

  /** Sends a typed request without waiting for it (the result is still checked when it comes). */
  fire<M extends RequestMethod<P>>(method: M, ...args: RequestArgs<P, M>): void {
    this.request(method, ...args).catch((err: unknown) => {
      if (err instanceof ProtocolViolationError) this.wireViolations.push(err.message);
    });
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
      await new Promise<void>((r) => {
        this.wakers.push(r);
        setTimeout(r, 1000);
      });
    }
  }
}

function command(bin: AppServerBinary): {
  command: string;
  args: string[];
  reference: boolean;
  label: string;
} {
  if (bin === "ours") return { command: process.execPath, args: [CLI_MAIN], reference: false, label: "ours" };
  if (bin === "reference") {
    if (!REFERENCE_CODEX_BIN) throw new Error("the real codex 0.58.0 is not installed (REFERENCE_CODEX_BIN)");
    return { command: REFERENCE_CODEX_BIN, args: [], reference: true, label: "codex 0.58.0" };
  }
  if (bin === "0.166") {
    if (!CODEX_0166_BIN) throw new Error("the native codex 0.166.0 is not installed (CODEX_0166_BIN)");
    return { command: CODEX_0166_BIN, args: [], reference: true, label: "codex 0.166.0" };
  }
  return { command: bin.path, args: [], reference: true, label: bin.path };
}

/**
 * Starts `codex app-server` (ours unless `bin` says otherwise) with CODEX_HOME = `home` (a fresh temp dir by
 * default) and returns the harness client, not yet initialized. The vitest setup stops it after the test file.
 */
export function startAppServer(
  options?: StartAppServerOptions<Protocol058>,
): Promise<TestAppServer<Protocol058>>;
export function startAppServer<P extends ProtocolDefinition>(
  options: StartAppServerOptions<P> & { protocol: P },
): Promise<TestAppServer<P>>;
export async function startAppServer<P extends ProtocolDefinition>(
  options: StartAppServerOptions<P> = {},
): Promise<TestAppServer<P>> {
  const bin = command(options.bin ?? "ours");
  const home = options.home ?? (await tempDir("codex-home-"));
  // Ours gets a fixed terminal (the user agent names it); the Rust binaries log errors only.
  const env = bin.reference
    ? { ...process.env, CODEX_HOME: home, RUST_LOG: "error", ...options.env }
    : { ...process.env, CODEX_HOME: home, TERM: "xterm", TERM_PROGRAM: "", ...options.env };
  let client: TestAppServer<P> | undefined;
  const early: string[] = [];
  const transport = await StdioTransport.spawn({
    command: bin.command,
    args: [...bin.args, "app-server", ...(options.args ?? [])],
    env,
    cwd: options.cwd,
    onStderr: (text) => (client ? client.appendStderr(text) : early.push(text)),
  });
  const protocol = (options.protocol ?? protocol058) as P;
  client = track(new TestAppServer(transport, protocol, bin.label));
  for (const text of early) client.appendStderr(text);
  return client;
}

/**
 * A harness client on any transport (e.g. an in-process server's streams, see `connectInProcess`), checked and
 * stopped like the ones `startAppServer` makes.
 */
export function connectAppServer(transport: Transport, label?: string): TestAppServer<Protocol058>;
export function connectAppServer<P extends ProtocolDefinition>(
  transport: Transport,
  label: string,
  protocol: P,
): TestAppServer<P>;
export function connectAppServer<P extends ProtocolDefinition>(
  transport: Transport,
  label = "in-process",
  protocol?: P,
): TestAppServer<P> {
  return track(new TestAppServer(transport, (protocol ?? protocol058) as P, label));
}

function track<C extends Tracked>(client: C): C {
  live.add(client);
  unchecked.add(client);
  return client;
}

/** Resolves with the JSON-RPC error a request was answered with; fails when it succeeded instead. */
export async function errorOf(request: Promise<unknown>): Promise<AppServerErrorBody> {
  try {
    const result = await request;
    throw new Error(`expected an error, got the result ${JSON.stringify(result)}`);
  } catch (err) {
    if (err instanceof AppServerError) return err.toBody();
    throw err;
  }
}

/** Wire violations the setup has not reported yet, across every live client (and marks them reported). */
export function takeWireViolations(): string[] {
  const out: string[] = [];
  for (const c of unchecked) {
    out.push(...c.wireViolations.slice(c.reportedViolations).map((v) => `${c.label}: ${v}`));
    c.reportedViolations = c.wireViolations.length;
    if (!c.running) unchecked.delete(c);
  }
  return out;
}

/** Stops every harness client still running (stdin closed, killed after 5 s). */
export async function stopAppServers(): Promise<void> {
  const clients = [...live];
  live.clear();
  await Promise.all(clients.map((c) => (c.running ? c.close({ graceMs: 5000 }) : undefined)));
}

export type { RequestOptions };
