import type { Readable, Writable } from "node:stream";
import {
  INTERNAL_ERROR,
  type IncomingRequest,
  invalidRequest,
  JsonRpcPeer,
  RpcError,
  validateRequest,
} from "@codex-ts/app-server-protocol";
import { CLIENT_REQUEST_METHODS } from "./methods.js";
import { buildUserAgent, type ClientInfo } from "./user-agent.js";

/** What a handler sees besides its params. */
export interface RequestContext {
  readonly server: AppServerState;
  readonly peer: JsonRpcPeer;
}

/**
 * A request handler. `decode` checks the params (throwing `RpcError` with 0.58.0's decoder wording) and runs
 * before the handshake check, as in 0.58.0; `handle` resolves with the `result` or throws `RpcError`.
 */
export interface RequestHandler<P = unknown> {
  decode(params: unknown): P;
  handle(params: P, ctx: RequestContext): Promise<unknown> | unknown;
  /**
   * Runs once the response is written, for notifications that must follow it (e.g. `turn/started`); `params` are
   * the request's params as received (already accepted by `decode`).
   */
  afterResponse?(result: unknown, ctx: RequestContext, params: unknown): void;
}

export interface AppServerState {
  /** Completes the handshake (the `initialize` handler calls it). */
  markInitialized(client: ClientInfo): void;
  /** `initialize.clientInfo`, null until the handshake. */
  readonly clientInfo: ClientInfo | null;
  /** The user agent sent to model providers; carries the client suffix after `initialize`. */
  userAgent(): string;
  log(level: "error" | "warn" | "info" | "debug", message: string): void;
  /** The most recent log lines at every level (for feedback bundles). */
  recentLogs(): readonly string[];
}

export interface AppServerOptions {
  stdin: Readable;
  stdout: Writable;
  /** Where logs go (stderr in the CLI). Never stdout: that is the protocol channel. */
  logSink?: Writable;
  /** Logs at or above this level are written. Default "warn". */
  logLevel?: "error" | "warn" | "info" | "debug";
  originator?: string;
  /** Version in the user agent. Default "0.58.0", the protocol version this server is a drop-in for. */
  version?: string;
  env?: NodeJS.ProcessEnv | undefined;
  maxLineBytes?: number;
  /** Runs first on shutdown (EOF, signal): abort running turns and flush rollouts here. Errors are logged. */
  onShutdown?: (() => Promise<void>) | undefined;
  /** Handlers by method name (each must be a Codex 0.58.0 method). */
  // biome-ignore lint/suspicious/noExplicitAny: handlers of every params type share one table
  handlers?: Record<string, RequestHandler<any>>;
}

const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 } as const;
/** How many recent log lines are kept in memory for feedback bundles. */
const RECENT_LOG_LINES = 2000;

/**
 * `codex app-server` over one stdin/stdout pair: handshake, request validation and dispatch, concurrent
 * handlers, and an orderly shutdown at EOF or on `shutdown()`.
 */
export class AppServer implements AppServerState {
  readonly peer: JsonRpcPeer;
  private initialized = false;
  private client: ClientInfo | null = null;
  private readonly handlers = new Map<string, RequestHandler>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly opts: AppServerOptions;
  private readonly logThreshold: number;
  private stopping: Promise<void> | null = null;
  private readonly recent: string[] = [];

  constructor(opts: AppServerOptions) {
    this.opts = opts;
    this.logThreshold = LEVELS[opts.logLevel ?? "warn"];
    this.peer = new JsonRpcPeer({
      input: opts.stdin,
      output: opts.stdout,
      maxLineBytes: opts.maxLineBytes,
      log: (level, message) => this.log(level, message),
    });
    for (const [method, handler] of Object.entries(opts.handlers ?? {})) this.register(method, handler);
  }

  get clientInfo(): ClientInfo | null {
    return this.client;
  }

  // biome-ignore lint/suspicious/noExplicitAny: handlers of every params type share one table
  register(method: string, handler: RequestHandler<any>): void {
    if (!CLIENT_REQUEST_METHODS.some(([m]) => m === method))
      throw new Error(`not a Codex request method: ${method}`);
    this.handlers.set(method, handler);
  }

  userAgent(): string {
    return buildUserAgent({
      originator: this.opts.originator ?? "codex_cli_rs",
      version: this.opts.version ?? "0.58.0",
      client: this.client,
      env: this.opts.env,
    });
  }

  log(level: keyof typeof LEVELS, message: string): void {
    const line = `${new Date().toISOString()} ${level.toUpperCase()} codex_app_server: ${message}\n`;
    this.recent.push(line);
    if (this.recent.length > RECENT_LOG_LINES) this.recent.shift();
    if (LEVELS[level] > this.logThreshold) return;
    const sink = this.opts.logSink;
    if (!sink || sink.destroyed) return;
    sink.write(line);
  }

  recentLogs(): readonly string[] {
    return this.recent;
  }

  /** Serves until stdin ends or `shutdown()` is called, then finishes in-flight work and flushes output. */
  async run(): Promise<void> {
    const inputDone = this.peer.run({
      onRequest: (req) => this.track(this.dispatch(req)),
      onNotification: (n) => {
        if (n.method !== "initialized") this.log("debug", `ignoring client notification ${n.method}`);
      },
    });
    await Promise.race([inputDone, this.whenStopping()]);
    await this.shutdown();
  }

  /** Stops serving: abandons pending server→client requests, waits for in-flight handlers and flushes output. */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      this.resolveStop?.();
      try {
        await this.opts.onShutdown?.();
      } catch (err) {
        this.log("error", `shutdown: ${err instanceof Error ? err.message : String(err)}`);
      }
      await this.peer.close("app-server shutting down");
      await Promise.allSettled([...this.inFlight]);
      await this.peer.flushed();
    })();
    return this.stopping;
  }

  private resolveStop: (() => void) | undefined;
  private whenStopping(): Promise<void> {
    return new Promise((resolve) => {
      this.resolveStop = resolve;
    });
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async dispatch(req: IncomingRequest): Promise<void> {
    try {
      const result = await this.handle(req);
      await this.peer.respond(req.id, result);
      this.handlers.get(req.method)?.afterResponse?.(result, { server: this, peer: this.peer }, req.params);
    } catch (err) {
      if (err instanceof RpcError) {
        await this.peer.respondError(req.id, err.toBody());
      } else {
        const message = err instanceof Error ? err.message : String(err);
        this.log("error", `${req.method} failed: ${message}`);
        await this.peer.respondError(req.id, { code: INTERNAL_ERROR, message });
      }
    }
  }

  private async handle(req: IncomingRequest): Promise<unknown> {
    const entry = CLIENT_REQUEST_METHODS.find(([m]) => m === req.method);
    const handler = this.handlers.get(req.method);
    if (!entry || !handler) throw invalidRequest(`Invalid request: ${this.unknownVariant(req.method)}`);
    const [, takesParams] = entry;
    const hasParams = req.hasParams && req.params !== null;
    if (takesParams && !hasParams) throw invalidRequest("Invalid request: missing field `params`");
    if (!takesParams && hasParams) throw invalidRequest("Invalid request: invalid type: map, expected unit");
    // Like 0.58.0, the params are decoded before the handshake state is checked.
    const params = handler.decode(req.params);
    // The handler's decoder words the errors 0.58.0's clients match on; the protocol schema then checks everything
    // it leaves unread (nested policies, input items, enums), so no malformed field reaches a handler.
    // serde also reads a struct from a positional array (`[]` for all-default params); the decoders accept what
    // 0.58.0 accepts there, and the schema (objects only) has nothing to add.
    const checked = Array.isArray(req.params)
      ? ({ ok: true } as const)
      : validateRequest({ method: req.method, params: req.params ?? undefined });
    if (!checked.ok)
      throw new RpcError(checked.code, checked.message, checked.path ? { path: checked.path } : undefined);
    if (req.method === "initialize") {
      if (this.initialized) throw invalidRequest("Already initialized");
    } else if (!this.initialized) {
      throw invalidRequest("Not initialized");
    }
    return handler.handle(params, { server: this, peer: this.peer });
  }

  /** Completes the handshake (called by the `initialize` handler once its params are valid). */
  markInitialized(client: ClientInfo): void {
    this.client = client;
    this.initialized = true;
  }

  /** serde's unknown-variant text, listing every 0.58.0 method in its registry order, as the real server does. */
  private unknownVariant(method: string): string {
    const all = CLIENT_REQUEST_METHODS.map(([m]) => `\`${m}\``);
    return `unknown variant \`${method}\`, expected one of ${all.join(", ")}`;
  }
}
