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
} from "@codex-ts/app-server-protocol";
import { buildUserAgent } from "@codex-ts/core";
import type { AppServerState, HandlerTable, HandlerTables, Responded } from "./handler.js";

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
  maxLineBytes?: number;
  /** Runs first on shutdown (EOF, signal): abort running turns and flush rollouts here. Errors are logged. */
  onShutdown?: (() => Promise<void>) | undefined;
  /**
   * The handler table of each generation. A factory of the server, since handlers send through its peer and read
   * its state; `createHandlerTables` builds the tables `runAppServer` serves.
   */
  handlers: (server: AppServer) => HandlerTables;
}

const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 } as const;
/** How many recent log lines are kept in memory for feedback bundles. */
const RECENT_LOG_LINES = 2000;
const RESPONDED = Object.freeze({}) as Responded;

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
  private readonly inFlight = new Set<Promise<void>>();
  private readonly opts: AppServerOptions;
  private readonly logThreshold: number;
  private stopping: Promise<void> | null = null;
  private readonly recent: string[] = [];

  constructor(opts: AppServerOptions) {
    this.opts = opts;
    this.logThreshold = LEVELS[opts.logLevel ?? "warn"];
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

  /** Records the client of this connection (the `initialize` handlers call it first thing). */
  recordClient(client: ClientInfo): void {
    this.client = client;
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

  /** Answers one request exactly once: with what its handler returns, what it responded itself, or its error. */
  private async dispatch(req: IncomingRequest): Promise<void> {
    let answered = false;
    const respond = async (result: unknown): Promise<Responded> => {
      if (answered) throw new Error(`${req.method}: the response was already written`);
      answered = true;
      await this.peer.respond(req.id, result);
      return RESPONDED;
    };
    try {
      const result = await this.handle(req, respond);
      if (!answered) await respond(result);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (answered) {
        this.log("error", `${req.method} failed after its response: ${message}`);
      } else if (err instanceof RpcError) {
        await this.peer.respondError(req.id, err.toBody());
      } else {
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
    return handler(decoded.params, { server: this, peer, respond });
  }
}
