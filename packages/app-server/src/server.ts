import os from "node:os";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import {
  type ClientInfo,
  decodeRequest,
  type Generation,
  generationOf,
  INTERNAL_ERROR,
  type IncomingRequest,
  invalidRequest,
  JsonRpcPeer,
  type Protocol058,
  type Protocol0166,
  type ProtocolDefinition,
  ProtocolPeer,
  protocols,
  RpcError,
  serverOverloaded,
} from "@codex-ts/app-server-protocol";
import { buildUserAgent } from "@codex-ts/core";
import type { AppServerState, HandlerTable, HandlerTables, Responded } from "./handler.js";
import { cutLogMessage, LogRing } from "./log-ring.js";

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
  /** CODEX_HOME (a 0.166 `initialize` reports it). Default `~/.codex`. */
  codexHome?: string | undefined;
  /** Incoming lines above this many bytes are refused unread (default 16 MiB, `DEFAULT_MAX_LINE_BYTES`). */
  maxLineBytes?: number;
  /** Requests handled at once; more are answered `-32001 "Server overloaded; retry later."`. Default 128. */
  maxRequestsInFlight?: number;
  /** Runs first on shutdown (EOF, signal): abort running turns and flush rollouts here. Errors are logged. */
  onShutdown?: (() => Promise<void>) | undefined;
  /**
   * Told of each request this connection handles, before it is handled; what it returns hears the outcome just
   * before the response is written (a listening server subscribes the connection to the threads it starts or
   * resumes here).
   */
  observe?: RequestObserver | undefined;
  /**
   * The handler table of each generation. A factory of the server, since handlers send through its peer and read
   * its state; `createHandlerTables` builds the tables `runAppServer` serves.
   */
  handlers: (server: AppServer) => HandlerTables;
}

/** What a request observer hears of one request's outcome (`ok` false: it was answered with an error). */
export type RequestOutcome = { ok: true; result: unknown } | { ok: false };
export type RequestObserver = (
  generation: Generation | null,
  req: IncomingRequest,
) => ((outcome: RequestOutcome) => void) | undefined;

const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 } as const;
const RESPONDED = Object.freeze({}) as Responded;
/** Requests handled at once by default (later Codex's bounded request queue has 128 places too). */
export const MAX_REQUESTS_IN_FLIGHT = 128;
/** How long shutdown waits for running requests before answering them itself. */
const SHUTDOWN_GRACE_MS = 10_000;

/** A request being handled: answers it with an error if shutdown cannot wait for its handler any longer. */
type Abandon = (message: string) => void;

/**
 * `codex app-server` over one stdin/stdout pair: the handshake (which also picks the connection's protocol
 * generation), the one decode of every request against that generation's registry, concurrent handlers, and an
 * orderly shutdown at EOF or on `shutdown()`.
 */
export class AppServer implements AppServerState {
  readonly peer: JsonRpcPeer;
  /** The typed outgoing side of the peer, per generation. */
  readonly peers: {
    readonly "0.58": ProtocolPeer<Protocol058>;
    readonly "0.166": ProtocolPeer<Protocol0166>;
  };
  readonly codexHome: string;
  private session: Generation | null = null;
  private client: ClientInfo | null = null;
  private readonly tables: HandlerTables;
  private readonly inFlight = new Map<Promise<void>, Abandon>();
  private readonly opts: AppServerOptions;
  private readonly logThreshold: number;
  private stopping: Promise<void> | null = null;
  private readonly recent = new LogRing();
  private readonly closeHooks: Array<() => void> = [];
  private readonly maxInFlight: number;
  /** Requests whose handling has begun and not ended; counted before a handler runs, so a handler sees itself. */
  private handling = 0;

  constructor(opts: AppServerOptions) {
    this.opts = opts;
    this.logThreshold = LEVELS[opts.logLevel ?? "warn"];
    this.maxInFlight = opts.maxRequestsInFlight ?? MAX_REQUESTS_IN_FLIGHT;
    this.codexHome = path.resolve(opts.codexHome ?? path.join(os.homedir(), ".codex"));
    this.peer = new JsonRpcPeer({
      input: opts.stdin,
      output: opts.stdout,
      maxLineBytes: opts.maxLineBytes,
      log: (level, message) => this.log(level, message),
    });
    this.peers = {
      "0.58": new ProtocolPeer(protocols["0.58"], this.peer),
      "0.166": new ProtocolPeer(protocols["0.166"], this.peer),
    };
    this.tables = opts.handlers(this);
  }

  get generation(): Generation | null {
    return this.session;
  }

  get clientInfo(): ClientInfo | null {
    return this.client;
  }

  /** Requests of this connection being handled now (`server/diagnostics` reports it). */
  get requestsInFlight(): number {
    return this.handling;
  }

  /** Records the client of this connection (the `initialize` handlers call it first thing). */
  recordClient(client: ClientInfo): void {
    this.client = client;
  }

  userAgent(originator = this.opts.originator ?? "codex_cli_rs"): string {
    return buildUserAgent({
      originator,
      version: this.opts.version ?? "0.58.0",
      client: this.client,
      env: this.opts.env,
    });
  }

  /** Logs one line (cut to LOG_MESSAGE_MAX_CHARS: messages can carry what a client sent). */
  log(level: keyof typeof LEVELS, message: string): void {
    const line = `${new Date().toISOString()} ${level.toUpperCase()} codex_app_server: ${cutLogMessage(message)}\n`;
    this.recent.push(line);
    if (LEVELS[level] > this.logThreshold) return;
    const sink = this.opts.logSink;
    if (!sink || sink.destroyed) return;
    sink.write(line);
  }

  recentLogs(): readonly string[] {
    return this.recent.snapshot();
  }

  /** Serves until stdin ends or `shutdown()` is called, then finishes in-flight work and flushes output. */
  async run(): Promise<void> {
    const inputDone = this.peer.run({
      onRequest: (req) => this.accept(req),
      onNotification: (n) => {
        // Cut before it is part of a longer string: a method name can be megabytes.
        if (n.method !== "initialized")
          this.log("debug", `ignoring client notification ${cutLogMessage(n.method)}`);
      },
    });
    await Promise.race([inputDone, this.whenStopping()]);
    await this.shutdown();
  }

  /**
   * Runs `hook` when this connection ends, before its in-flight requests settle: what it started (commands, fuzzy
   * search sessions, filesystem watches) ends with it.
   */
  onClose(hook: () => void): void {
    this.closeHooks.push(hook);
  }

  /** Stops serving: abandons pending server→client requests, waits for in-flight handlers and flushes output. */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      this.resolveStop?.();
      for (const hook of this.closeHooks.splice(0)) {
        try {
          hook();
        } catch (err) {
          this.log("error", `shutdown: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      try {
        await this.opts.onShutdown?.();
      } catch (err) {
        this.log("error", `shutdown: ${err instanceof Error ? err.message : String(err)}`);
      }
      await this.peer.close("app-server shutting down");
      await this.settleInFlight();
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

  /**
   * Waits for the requests still running (their handlers end once conversations and commands are stopped); any
   * still running after the grace period are answered `-32603` so that no request goes unanswered.
   */
  private async settleInFlight(): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), SHUTDOWN_GRACE_MS);
    });
    const outcome = await Promise.race([Promise.allSettled([...this.inFlight.keys()]), grace]);
    clearTimeout(timer);
    if (outcome !== "late") return;
    for (const abandon of this.inFlight.values()) abandon("app-server shutting down");
  }

  /** Starts handling a request, or answers it as overloaded when MAX_REQUESTS_IN_FLIGHT are being handled. */
  private accept(req: IncomingRequest): void {
    if (this.inFlight.size >= this.maxInFlight) {
      void this.peer.respondError(req.id, serverOverloaded().toBody());
      return;
    }
    let abandon: Abandon = () => {};
    this.handling++;
    const running = this.dispatch(req, (a) => {
      abandon = a;
    });
    this.inFlight.set(running, (message) => abandon(message));
    void running.finally(() => {
      this.inFlight.delete(running);
      this.handling--;
    });
  }

  /** Answers one request exactly once: with what its handler returns, what it responded itself, or its error. */
  private async dispatch(req: IncomingRequest, onAbandon: (abandon: Abandon) => void): Promise<void> {
    let answered = false;
    const settled = this.opts.observe?.(this.session, req);
    const failed = () => settled?.({ ok: false });
    const respond = async (result: unknown): Promise<Responded> => {
      if (answered) throw new Error(`${req.method}: the response was already written`);
      answered = true;
      settled?.({ ok: true, result });
      await this.peer.respond(req.id, result);
      return RESPONDED;
    };
    onAbandon((message) => {
      if (answered) return;
      answered = true;
      failed();
      this.log("error", `${req.method} was still running at shutdown; answered with an error`);
      void this.peer.respondError(req.id, { code: INTERNAL_ERROR, message });
    });
    try {
      const result = await this.handle(req, respond);
      if (!answered) await respond(result);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (answered) {
        this.log("error", `${req.method} failed after its response: ${message}`);
      } else if (err instanceof RpcError) {
        answered = true;
        failed();
        await this.peer.respondError(req.id, err.toBody());
      } else {
        answered = true;
        failed();
        this.log("error", `${req.method} failed: ${message}`);
        await this.peer.respondError(req.id, { code: INTERNAL_ERROR, message });
      }
    }
  }

  /**
   * Before the handshake a request is read as 0.58.0 reads it (an `initialize` as the generation its params ask
   * for, see `generationOf`); after it, as the connection's generation.
   */
  private handle(req: IncomingRequest, respond: (result: unknown) => Promise<Responded>): unknown {
    const generation = this.session ?? (req.method === "initialize" ? generationOf(req.params) : "0.58");
    return generation === "0.58"
      ? this.call(generation, this.tables["0.58"], this.peers["0.58"], req, respond)
      : this.call(generation, this.tables["0.166"], this.peers["0.166"], req, respond);
  }

  private call<P extends ProtocolDefinition>(
    generation: Generation,
    table: HandlerTable<P>,
    peer: ProtocolPeer<P>,
    req: IncomingRequest,
    respond: (result: unknown) => Promise<Responded>,
  ): unknown {
    // Like 0.58.0, the params are decoded before the handshake state is looked at.
    const decoded = decodeRequest(peer.protocol, {
      method: req.method,
      params: req.hasParams ? req.params : undefined,
    });
    if (!decoded.ok) throw new RpcError(decoded.error.code, decoded.error.message, decoded.error.data);
    if (decoded.method === "initialize") {
      if (this.session) throw invalidRequest("Already initialized");
      this.session = generation;
    } else if (!this.session) {
      throw invalidRequest("Not initialized");
    }
    const handler = table[decoded.method];
    return handler(decoded.params, { server: this, peer, respond, requestId: req.id });
  }
}
