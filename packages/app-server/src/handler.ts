import type {
  ClientInfo,
  DecodedParams,
  Generation,
  Protocol058,
  Protocol0166,
  ProtocolDefinition,
  ProtocolPeer,
  RequestId,
  RequestMethod,
  RequestResult,
} from "@codex-ts/app-server-protocol";

/** What a handler sees of the server besides its params. */
export interface AppServerState {
  /** The generation this connection speaks (chosen at `initialize`); null before the handshake. */
  readonly generation: Generation | null;
  /** `initialize.clientInfo`, null until the handshake. */
  readonly clientInfo: ClientInfo | null;
  /** Records the client of this connection (the `initialize` handlers call it first thing). */
  recordClient(client: ClientInfo): void;
  /**
   * The user agent sent to model providers and reported to the client; carries the client after `initialize`.
   * `originator` replaces the server's (a 0.166 connection's threads name the client, as 0.166.0 does).
   */
  userAgent(originator?: string): string;
  /** CODEX_HOME of this server (reported by a 0.166 `initialize`). */
  readonly codexHome: string;
  log(level: "error" | "warn" | "info" | "debug", message: string): void;
  /** The most recent log lines at every level (for feedback bundles). */
  recentLogs(): readonly string[];
}

declare const respondedBrand: unique symbol;
/** Proof that a handler wrote its response itself (`ctx.respond`); only `respond` makes one. */
export interface Responded {
  readonly [respondedBrand]: true;
}

/** One request's context: the server, the generation's typed peer, and the way to answer early. */
export interface RequestContext<P extends ProtocolDefinition, M extends RequestMethod<P>> {
  readonly server: AppServerState;
  /** Notifications and server requests of this connection's generation. */
  readonly peer: ProtocolPeer<P>;
  /** The request's JSON-RPC id (a later request may name it, e.g. to cancel it). */
  readonly requestId: RequestId;
  /**
   * Writes this request's response now, so that what the handler does next (notifications that must follow the
   * response, releasing held events) happens after it. The handler then returns the token. Answering twice is a
   * programming error and throws.
   */
  respond(result: RequestResult<P, M>): Promise<Responded>;
}

/**
 * The handler of method `M` of generation `P`: gets the decoded params, resolves with the method's result (or the
 * token of having responded itself) or throws `RpcError`; anything else thrown is answered as -32603.
 */
export type Handler<P extends ProtocolDefinition, M extends RequestMethod<P>> = (
  params: DecodedParams<P, M>,
  ctx: RequestContext<P, M>,
) => Promise<RequestResult<P, M> | Responded> | RequestResult<P, M> | Responded;

/** Every method of generation `P`, each with its handler: a missing or mistyped one does not compile. */
export type HandlerTable<P extends ProtocolDefinition> = { [M in RequestMethod<P>]: Handler<P, M> };

/** A part of a handler table (what one feature contributes). */
export type Handlers<P extends ProtocolDefinition, M extends RequestMethod<P>> = { [K in M]: Handler<P, K> };

/** The handler tables of every generation this server speaks. */
export interface HandlerTables {
  readonly "0.58": HandlerTable<Protocol058>;
  readonly "0.166": HandlerTable<Protocol0166>;
}
