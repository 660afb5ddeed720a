import type { z } from "zod";

/** The protocol generations one server speaks; a connection picks one at `initialize` (see `generationOf`). */
export type Generation = "0.58" | "0.166";

/** One client request: its params and response schemas and, for 0.58.0, which API family it belongs to. */
export interface RequestSchema {
  readonly params: z.ZodType;
  readonly response: z.ZodType;
  readonly namespace?: "v1" | "v2";
}

/** One server → client request and the client's response. */
export interface ServerRequestSchema {
  readonly params: z.ZodType;
  readonly response: z.ZodType;
}

/**
 * Everything one generation of the protocol says: the single source of method names, params and response schemas,
 * notifications and server requests. Method lists, the wire unions (`ClientRequest`, `ServerNotification`, …), the
 * exported JSON Schema and the unknown-method error are derived from it.
 */
export interface ProtocolDefinition {
  readonly generation: Generation;
  /** client → server requests, in the reference's registry order (the order its unknown-variant error lists them) */
  readonly requests: Readonly<Record<string, RequestSchema>>;
  /** server → client notifications */
  readonly notifications: Readonly<Record<string, z.ZodType>>;
  /** server → client requests and the client's response */
  readonly serverRequests: Readonly<Record<string, ServerRequestSchema>>;
  /** client → server notifications */
  readonly clientNotifications: Readonly<Record<string, z.ZodType>>;
}

/** A client request method of generation `P`. */
export type RequestMethod<P extends ProtocolDefinition> = keyof P["requests"] & string;
/** What a client sends as `params` (the schema's input). */
export type RequestParams<P extends ProtocolDefinition, M extends RequestMethod<P>> = z.input<
  P["requests"][M]["params"]
>;
/** What a handler receives: the params after the one decode (the schema's output). */
export type DecodedParams<P extends ProtocolDefinition, M extends RequestMethod<P>> = z.output<
  P["requests"][M]["params"]
>;
/** What the client gets as `result`. */
export type RequestResult<P extends ProtocolDefinition, M extends RequestMethod<P>> = z.output<
  P["requests"][M]["response"]
>;

/** A server → client notification method of generation `P`. */
export type NotificationMethod<P extends ProtocolDefinition> = keyof P["notifications"] & string;
export type NotificationParams<P extends ProtocolDefinition, N extends NotificationMethod<P>> = z.output<
  P["notifications"][N]
>;
/** Any one notification of generation `P` as a message (`{method, params}`), the union the wire carries. */
export type NotificationMessage<P extends ProtocolDefinition> = {
  [N in NotificationMethod<P>]: { method: N; params: NotificationParams<P, N> };
}[NotificationMethod<P>];

/** A server → client request method of generation `P`. */
export type ServerRequestMethod<P extends ProtocolDefinition> = keyof P["serverRequests"] & string;
export type ServerRequestParams<P extends ProtocolDefinition, R extends ServerRequestMethod<P>> = z.output<
  P["serverRequests"][R]["params"]
>;
/** What the client answers to a server request (the schema's input: what is on the wire). */
export type ServerRequestResult<P extends ProtocolDefinition, R extends ServerRequestMethod<P>> = z.input<
  P["serverRequests"][R]["response"]
>;
/** The client's answer after the server decoded it against the schema. */
export type DecodedServerRequestResult<
  P extends ProtocolDefinition,
  R extends ServerRequestMethod<P>,
> = z.output<P["serverRequests"][R]["response"]>;

/** A client → server notification method of generation `P`. */
export type ClientNotificationMethod<P extends ProtocolDefinition> = keyof P["clientNotifications"] & string;
