import {
  classifyLine,
  type NotificationMethod,
  type NotificationParams,
  type ProtocolDefinition,
  protocol058,
  type RequestMethod,
  type RequestResult,
  type ServerRequestMethod,
  type ServerRequestParams,
  type ServerRequestResult,
} from "@codex-ts/app-server-protocol";
import { type ApprovalDecision, type ApprovalRequest, approvalKind, approvalResponse } from "./approvals.js";
import type {
  AnyNotification,
  Capabilities,
  ClientInfo,
  ClientOptions,
  InitializeResult,
  Notification,
  NotificationStreamOptions,
  Protocol058,
  RequestArgs,
  RequestId,
  RequestOptions,
  WireMessage,
} from "./client-types.js";
import {
  AppServerError,
  ConnectionClosedError,
  ProtocolViolationError,
  type ViolationKind,
} from "./errors.js";
import { NotificationQueue } from "./notification-queue.js";
import { type SpawnOptions, StdioTransport } from "./stdio-transport.js";
import type { Transport, TransportExit } from "./transport.js";
import { type ConnectOptions, WebSocketTransport } from "./websocket-transport.js";

/** Any schema of a protocol definition (a zod schema). */
type Schema = ProtocolDefinition["notifications"][string];
type ServerRequestHandler = (params: unknown, request: { id: RequestId; method: string }) => unknown;

interface Pending {
  method: string;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/**
 * A typed client of the Codex app server. `P` is the protocol generation (a `ProtocolDefinition`); methods, params,
 * results, notifications and server requests are typed from it, and checked against its schemas when `strict`.
 */
export class AppServerClient<P extends ProtocolDefinition = Protocol058, T extends Transport = Transport> {
  readonly protocol: P;
  readonly strict: boolean;
  private nextId = 1;
  private isClosed = false;
  private readonly pending = new Map<RequestId, Pending>();
  private readonly handlers = new Map<string, Set<(params: unknown) => void>>();
  private readonly anyHandlers = new Set<(n: AnyNotification) => void>();
  private readonly streams = new Set<{ accept(n: AnyNotification): void; end(): void }>();
  private readonly requestHandlers = new Map<string, ServerRequestHandler>();
  private approvalHandler:
    | ((request: ApprovalRequest) => ApprovalDecision | Promise<ApprovalDecision>)
    | null = null;
  private readonly traces = new Set<(direction: "in" | "out", message: WireMessage) => void>();
  private readonly violations = new Set<(violation: ProtocolViolationError) => void>();

  constructor(
    readonly transport: T,
    options: ClientOptions<P> = {},
  ) {
    this.protocol = options.protocol ?? (protocol058 as ProtocolDefinition as P);
    this.strict = options.strict ?? true;
    // Started on the next microtask: listeners added right after construction see every message.
    queueMicrotask(() => transport.start({ message: (text) => this.receive(text) }));
    void transport.closed.then(() => this.shutDown());
  }

  /** Starts an app server over stdio (e.g. `{ command: "codex", args: ["app-server"] }`) and connects to it. */
  static spawn(
    options: SpawnOptions & ClientOptions<Protocol058>,
  ): Promise<AppServerClient<Protocol058, StdioTransport>>;
  static spawn<P extends ProtocolDefinition>(
    options: SpawnOptions & ClientOptions<P> & { protocol: P },
  ): Promise<AppServerClient<P, StdioTransport>>;
  static async spawn<P extends ProtocolDefinition>(
    options: SpawnOptions & ClientOptions<P>,
  ): Promise<AppServerClient<P, StdioTransport>> {
    const transport = await StdioTransport.spawn(options);
    return new AppServerClient<P, StdioTransport>(transport, options);
  }

  /**
   * Connects to a server started with `--listen` (`ws://HOST:PORT`, `unix:///PATH`), with `token` as the
   * handshake's bearer token when the server requires one.
   */
  static connect(
    url: string,
    options?: ConnectOptions & ClientOptions<Protocol058>,
  ): Promise<AppServerClient<Protocol058, WebSocketTransport>>;
  static connect<P extends ProtocolDefinition>(
    url: string,
    options: ConnectOptions & ClientOptions<P> & { protocol: P },
  ): Promise<AppServerClient<P, WebSocketTransport>>;
  static async connect<P extends ProtocolDefinition>(
    url: string,
    options: ConnectOptions & ClientOptions<P> = {},
  ): Promise<AppServerClient<P, WebSocketTransport>> {
    const transport = await WebSocketTransport.connect(url, options);
    return new AppServerClient<P, WebSocketTransport>(transport, options);
  }

  /** Settles when the connection is gone (the server exited or `close()` finished). */
  get closed(): Promise<TransportExit> {
    return this.transport.closed;
  }

  /**
   * The handshake: `initialize` with `clientInfo` (and `capabilities`, which 0.166 servers read to pick their
   * generation: sent as given, `{}` by default for 0.166), then the `initialized` notification.
   */
  async initialize(
    clientInfo: ClientInfo,
    capabilities?: Capabilities<P>,
    options: RequestOptions = {},
  ): Promise<InitializeResult<P>> {
    const params: Record<string, unknown> = {
      clientInfo: { name: clientInfo.name, title: clientInfo.title ?? null, version: clientInfo.version },
    };
    if (capabilities !== undefined) params.capabilities = capabilities;
    else if (this.protocol.generation === "0.166") params.capabilities = {};
    const result = await this.send("initialize", params, options);
    if (Object.hasOwn(this.protocol.clientNotifications, "initialized")) await this.notifyRaw("initialized");
    return result as InitializeResult<P>;
  }

  /** Sends a request; resolves with its result, rejects with `AppServerError` when the server answers an error. */
  request<M extends RequestMethod<P>>(method: M, ...args: RequestArgs<P, M>): Promise<RequestResult<P, M>> {
    const [params, options] = args;
    return this.send(method, params, options ?? {}) as Promise<RequestResult<P, M>>;
  }

  /** Sends a client notification of the definition (e.g. `initialized`). */
  notify(method: keyof P["clientNotifications"] & string, params?: unknown): Promise<void> {
    return this.notifyRaw(method, params);
  }

  /** Calls `handler` with the params of every `method` notification; returns the unsubscribe function. */
  on<N extends NotificationMethod<P>>(
    method: N,
    handler: (params: NotificationParams<P, N>) => void,
  ): () => void {
    const set = this.handlers.get(method) ?? new Set();
    this.handlers.set(method, set);
    const h = handler as (params: unknown) => void;
    set.add(h);
    return () => set.delete(h);
  }

  /** Every notification, including methods the definition does not list; returns the unsubscribe function. */
  onNotification(handler: (notification: AnyNotification) => void): () => void {
    this.anyHandlers.add(handler);
    return () => this.anyHandlers.delete(handler);
  }

  /** The definition's notifications from now on, as an async iterator (buffered until read). */
  notifications<N extends NotificationMethod<P> = NotificationMethod<P>>(
    options: NotificationStreamOptions<P, N> = {},
  ): AsyncIterableIterator<Notification<P, N>> {
    const methods = options.methods ? new Set<string>(options.methods) : null;
    const stream = {
      accept: (n: AnyNotification) => {
        if (!Object.hasOwn(this.protocol.notifications, n.method)) return;
        if (methods && !methods.has(n.method)) return;
        const typed = n as Notification<P, N>;
        if (options.filter && !options.filter(typed)) return;
        queue.push(typed);
        if (options.until?.(typed)) queue.end();
      },
      end: () => queue.end(),
    };
    const queue = new NotificationQueue<Notification<P, N>>(
      () => this.streams.delete(stream),
      options.signal,
    );
    if (this.isClosed) queue.end();
    else if (!options.signal?.aborted) this.streams.add(stream);
    return queue;
  }

  /**
   * Answers the server's `method` requests with what `handler` returns. A thrown `AppServerError` becomes that
   * JSON-RPC error; any other throw an internal error (-32603). Returns the function that removes the handler.
   */
  onServerRequest<R extends ServerRequestMethod<P>>(
    method: R,
    handler: (
      params: ServerRequestParams<P, R>,
      request: { id: RequestId; method: R },
    ) => ServerRequestResult<P, R> | Promise<ServerRequestResult<P, R>>,
  ): () => void {
    const h = handler as ServerRequestHandler;
    this.requestHandlers.set(method, h);
    return () => {
      if (this.requestHandlers.get(method) === h) this.requestHandlers.delete(method);
    };
  }

  /**
   * Decides every approval the server asks for (both generations' methods, see `ApprovalDecision`). Without a
   * handler, approvals are declined: the server never waits on this client.
   */
  onApproval(
    handler: (request: ApprovalRequest) => ApprovalDecision | Promise<ApprovalDecision>,
  ): () => void {
    this.approvalHandler = handler;
    return () => {
      if (this.approvalHandler === handler) this.approvalHandler = null;
    };
  }

  /** Every message in both directions, parsed (a debugging and logging hook). */
  onMessage(listener: (direction: "in" | "out", message: WireMessage) => void): () => void {
    this.traces.add(listener);
    return () => this.traces.delete(listener);
  }

  /** What the server sent that its protocol does not allow (see `strict`). */
  onViolation(listener: (violation: ProtocolViolationError) => void): () => void {
    this.violations.add(listener);
    return () => this.violations.delete(listener);
  }

  /**
   * Ends the connection: stdio closes the server's stdin, waits `graceMs` (default 5 s) for it to exit, then
   * sends SIGTERM and finally SIGKILL. Requests still waiting reject with `ConnectionClosedError`.
   */
  async close(options: { graceMs?: number } = {}): Promise<TransportExit> {
    const exit = await this.transport.close(options);
    this.shutDown();
    return exit;
  }

  private send(method: string, params: unknown, options: RequestOptions): Promise<unknown> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.isClosed) return Promise.reject(new ConnectionClosedError());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.pending.delete(id);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const settle =
        <A>(fn: (a: A) => void) =>
        (a: A) => {
          signal?.removeEventListener("abort", onAbort);
          fn(a);
        };
      this.pending.set(id, { method, resolve: settle(resolve), reject: settle(reject) });
      this.write(params === undefined ? { id, method } : { id, method, params }).catch((err: unknown) => {
        this.pending.delete(id);
        settle(reject)(err);
      });
    });
  }

  private notifyRaw(method: string, params?: unknown): Promise<void> {
    return this.write(params === undefined ? { method } : { method, params });
  }

  private write(message: WireMessage): Promise<void> {
    for (const t of this.traces) t("out", message);
    return this.transport.send(JSON.stringify(message));
  }

  private receive(text: string): void {
    const msg = classifyLine(text);
    if (msg.kind === "invalid") {
      this.violation("message", undefined, text, [msg.reason]);
      return;
    }
    if (this.traces.size > 0) {
      const parsed = JSON.parse(text) as WireMessage;
      for (const t of this.traces) t("in", parsed);
    }
    switch (msg.kind) {
      case "response": {
        const pending = this.takePending(msg.id);
        if (!pending) return;
        const schema = this.responseSchema(pending.method);
        const issues = this.strict && schema ? check(schema, msg.result) : [];
        if (issues.length > 0)
          pending.reject(new ProtocolViolationError("response", pending.method, msg.result, issues));
        else pending.resolve(msg.result);
        return;
      }
      case "error": {
        const pending = msg.id === null ? undefined : this.takePending(msg.id);
        pending?.reject(new AppServerError(msg.error.code, msg.error.message, msg.error.data));
        return;
      }
      case "notification":
        this.dispatchNotification({ method: msg.method, params: msg.params });
        return;
      case "request":
        void this.answerServerRequest(msg.id, msg.method, msg.params);
        return;
    }
  }

  private takePending(id: RequestId): Pending | undefined {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    return pending;
  }

  private responseSchema(method: string): Schema | undefined {
    return Object.hasOwn(this.protocol.requests, method)
      ? this.protocol.requests[method]?.response
      : undefined;
  }

  private dispatchNotification(n: AnyNotification): void {
    for (const h of this.anyHandlers) h(n);
    const schema = Object.hasOwn(this.protocol.notifications, n.method)
      ? this.protocol.notifications[n.method]
      : undefined;
    if (!schema) return;
    const issues = this.strict ? check(schema, n.params) : [];
    if (issues.length > 0) {
      this.violation("notification", n.method, n.params, issues);
      return;
    }
    for (const h of this.handlers.get(n.method) ?? []) h(n.params);
    for (const s of this.streams) s.accept(n);
  }

  private async answerServerRequest(id: RequestId, method: string, params: unknown): Promise<void> {
    let reply: WireMessage;
    try {
      reply = { id, result: await this.decideServerRequest(id, method, params) };
    } catch (err) {
      const error =
        err instanceof AppServerError
          ? err.toBody()
          : { code: -32603, message: err instanceof Error ? err.message : String(err) };
      reply = { id, error };
    }
    if (!this.isClosed) await this.write(reply).catch(() => {});
  }

  private async decideServerRequest(id: RequestId, method: string, params: unknown): Promise<unknown> {
    const definition = Object.hasOwn(this.protocol.serverRequests, method)
      ? this.protocol.serverRequests[method]
      : undefined;
    const issues = this.strict && definition ? check(definition.params, params) : [];
    if (issues.length > 0) {
      this.violation("serverRequest", method, params, issues);
      throw new AppServerError(-32602, `invalid params for ${method}: ${issues.join("; ")}`);
    }
    const handler = this.requestHandlers.get(method);
    if (handler) return handler(params, { id, method });
    const kind = approvalKind(method);
    if (kind) {
      const decision = this.approvalHandler
        ? await this.approvalHandler({ id, method, kind, params })
        : "decline";
      return approvalResponse(method, decision);
    }
    if (!definition)
      this.violation("serverRequest", method, params, ["method not in the protocol definition"]);
    throw new AppServerError(-32601, `no handler for server request ${method}`);
  }

  private violation(kind: ViolationKind, method: string | undefined, value: unknown, issues: string[]): void {
    const v = new ProtocolViolationError(kind, method, value, issues);
    for (const l of this.violations) l(v);
  }

  private shutDown(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new ConnectionClosedError());
    }
    for (const s of this.streams) s.end();
  }
}

/** The schema's complaints about `value` as `path: message` lines (none when it matches). */
function check(schema: Schema, value: unknown): string[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`);
}
