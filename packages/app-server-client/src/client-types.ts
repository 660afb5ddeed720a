import type {
  NotificationMethod,
  NotificationParams,
  ProtocolDefinition,
  RequestMethod,
  RequestParams,
  RequestResult,
} from "@codex-ts/app-server-protocol";

// The public types of `AppServerClient`: its options, the shapes it hands out, its request arguments.

/** The 0.58.0 generation, the client's default. */
export type { Protocol058 } from "@codex-ts/app-server-protocol";
export type RequestId = number | string;

export interface ClientOptions<P extends ProtocolDefinition> {
  /** The protocol generation the client speaks (default: `protocol058`). */
  protocol?: P;
  /**
   * Check what the server sends against the protocol definition (default true): a response that does not match
   * its method's schema rejects the request with `ProtocolViolationError`; a notification or server request that
   * does not match is reported to `onViolation` listeners instead of the typed handlers (a server request is then
   * answered with an error, so the server never waits).
   */
  strict?: boolean;
}

export interface RequestOptions {
  /** Aborting rejects the request with the signal's reason; a late answer from the server is ignored. */
  signal?: AbortSignal | undefined;
}

export interface ClientInfo {
  name: string;
  version: string;
  title?: string | null;
}

/** A notification of the definition, discriminated by `method`. */
export type Notification<
  P extends ProtocolDefinition,
  N extends NotificationMethod<P> = NotificationMethod<P>,
> = {
  [K in N]: { method: K; params: NotificationParams<P, K> };
}[N];

/** Any notification, including methods the definition does not list (0.58.0's `codex/event/*`). */
export interface AnyNotification {
  method: string;
  params: unknown;
}

/** A JSON-RPC lite message as it travels (`onMessage` sees every one, both ways). */
export type WireMessage = Record<string, unknown>;

export interface NotificationStreamOptions<P extends ProtocolDefinition, N extends NotificationMethod<P>> {
  /** Only these methods (default: every method of the definition). */
  methods?: readonly N[];
  /** Only notifications that pass. */
  filter?: (n: Notification<P, N>) => boolean;
  /** Ends the iteration after yielding the first notification that passes (e.g. `turn/completed`). */
  until?: (n: Notification<P, N>) => boolean;
  /** Aborting ends the iteration: the pending `next()` rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** `request`'s arguments after the method: the params (optional where the method takes none), then options. */
export type RequestArgs<P extends ProtocolDefinition, M extends RequestMethod<P>> =
  undefined extends RequestParams<P, M>
    ? [params?: RequestParams<P, M>, options?: RequestOptions]
    : [params: RequestParams<P, M>, options?: RequestOptions];

export type InitializeResult<P extends ProtocolDefinition> =
  "initialize" extends RequestMethod<P> ? RequestResult<P, "initialize"> : never;
/** What `initialize` may declare in `capabilities` (0.166); a plain object for generations without them. */
export type Capabilities<P extends ProtocolDefinition> =
  "initialize" extends RequestMethod<P>
    ? RequestParams<P, "initialize"> extends { capabilities?: infer C }
      ? NonNullable<C>
      : Record<string, unknown>
    : never;
