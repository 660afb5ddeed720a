// TEMPORARY ADAPTER — delete when the protocol registry (CONTRACT-registry.md, branch arch-registry) lands on main.
//
// It builds the contract's `ProtocolDefinition` objects and generic type helpers from today's registry tables
// (`clientRequests`, `serverNotifications`, `serverRequests`, `clientNotifications`), under the names the contract
// gives them, so the rest of this package already codes against the contract. When the registry lands, every
// `from "./protocol-adapter.js"` becomes `from "@codex-ts/app-server-protocol"` and this file goes.
//
// Zod is reached only structurally (a schema's `_zod.input` / `_zod.output` and `safeParse`), so this package needs
// no dependency of its own on zod.
import {
  clientNotifications,
  clientRequests,
  serverNotifications,
  serverRequests,
} from "@codex-ts/app-server-protocol";

/** The structural view of a zod schema this package needs: its input/output types and a non-throwing parse. */
export interface Schema {
  readonly _zod: { readonly input: unknown; readonly output: unknown };
  safeParse(value: unknown): { success: boolean };
}

export type Generation = "0.58" | "0.166";

export interface ProtocolDefinition {
  readonly generation: Generation;
  /** client → server requests, in the reference's registry order */
  readonly requests: Readonly<
    Record<string, { readonly params: Schema; readonly response: Schema; readonly namespace?: "v1" | "v2" }>
  >;
  /** server → client notifications */
  readonly notifications: Readonly<Record<string, Schema>>;
  /** server → client requests and the client's response */
  readonly serverRequests: Readonly<Record<string, { readonly params: Schema; readonly response: Schema }>>;
  /** client → server notifications */
  readonly clientNotifications: Readonly<Record<string, Schema>>;
}

type In<S> = S extends { _zod: { input: infer I } } ? I : unknown;
type Out<S> = S extends { _zod: { output: infer O } } ? O : unknown;

export type RequestMethod<P extends ProtocolDefinition> = keyof P["requests"] & string;
/** What a client sends. */
export type RequestParams<P extends ProtocolDefinition, M extends RequestMethod<P>> = In<
  P["requests"][M]["params"]
>;
/** What it gets back. */
export type RequestResult<P extends ProtocolDefinition, M extends RequestMethod<P>> = Out<
  P["requests"][M]["response"]
>;
export type NotificationMethod<P extends ProtocolDefinition> = keyof P["notifications"] & string;
export type NotificationParams<P extends ProtocolDefinition, N extends NotificationMethod<P>> = Out<
  P["notifications"][N]
>;
export type ServerRequestMethod<P extends ProtocolDefinition> = keyof P["serverRequests"] & string;
export type ServerRequestParams<P extends ProtocolDefinition, R extends ServerRequestMethod<P>> = Out<
  P["serverRequests"][R]["params"]
>;
export type ServerRequestResult<P extends ProtocolDefinition, R extends ServerRequestMethod<P>> = In<
  P["serverRequests"][R]["response"]
>;
export type ClientNotificationMethod<P extends ProtocolDefinition> = keyof P["clientNotifications"] & string;

/** The 0.58.0 generation: every request, notification and server request of codex 0.58.0. */
// Annotated with `typeof` the tables, so declaration files refer to them instead of spelling out every schema.
export const protocol058: {
  readonly generation: "0.58";
  readonly requests: typeof clientRequests;
  readonly notifications: typeof serverNotifications;
  readonly serverRequests: typeof serverRequests;
  readonly clientNotifications: typeof clientNotifications;
} = {
  generation: "0.58",
  requests: clientRequests,
  notifications: serverNotifications,
  serverRequests,
  clientNotifications,
} as const satisfies ProtocolDefinition;

/**
 * The 0.166 generation as far as this adapter knows it: the methods whose 0.58.0 schemas accept what 0.166 answers
 * (the fields 0.166 adds pass through unchecked): `initialize`, `thread/list`, `account/read`. (`model/list` is
 * not one: 0.166 has more reasoning efforts.) The registry's `protocol0166` replaces it.
 */
export const protocol0166: {
  readonly generation: "0.166";
  readonly requests: Pick<typeof clientRequests, "initialize" | "thread/list" | "account/read">;
  readonly notifications: Record<never, Schema>;
  readonly serverRequests: Record<never, { params: Schema; response: Schema }>;
  readonly clientNotifications: typeof clientNotifications;
} = {
  generation: "0.166",
  requests: {
    initialize: clientRequests.initialize,
    "thread/list": clientRequests["thread/list"],
    "account/read": clientRequests["account/read"],
  },
  notifications: {},
  serverRequests: {},
  clientNotifications,
} as const satisfies ProtocolDefinition;
