import type { z } from "zod";
import { explainIssues } from "../decode/describe.js";
import type {
  DecodedServerRequestResult,
  NotificationMessage,
  NotificationMethod,
  NotificationParams,
  ProtocolDefinition,
  ServerRequestMethod,
  ServerRequestParams,
} from "../registry/definition.js";
import type { EventMsg } from "../schema/v1.js";
import { PeerRequestError } from "./errors.js";
import type { JsonRpcPeer, OutgoingRequestOptions } from "./peer.js";

/**
 * What a `ProtocolPeer` sends through: one connection's `JsonRpcPeer`, or something that fans messages out to
 * several connections (the app-server's thread subscribers).
 */
export type OutgoingChannel = Pick<
  JsonRpcPeer,
  "notify" | "request" | "rejectPending" | "outputBackedUp" | "outputRoom"
>;

/** The params of a 0.58.0 `codex/event/<type>` notification: one core event of one conversation. */
export interface CodexEventParams {
  /** The submission (turn) id the event belongs to. */
  id: string;
  msg: EventMsg;
  conversationId: string;
}

/**
 * The outgoing side of a JSON-RPC peer, typed by one protocol generation: notifications and server requests can
 * only be sent with their method's params, and a client's answer to a server request is decoded against the
 * generation's schema before anyone sees it (a malformed answer rejects like an error answer).
 */
export class ProtocolPeer<P extends ProtocolDefinition> {
  private readonly suppressed = new Set<string>();

  constructor(
    readonly protocol: P,
    readonly peer: OutgoingChannel,
  ) {}

  /** Notifications the client opted out of (0.166 `initialize.capabilities.optOutNotificationMethods`). */
  suppress(methods: Iterable<string>): void {
    for (const m of methods) this.suppressed.add(m);
  }

  /** Whether the client opted out of `method`. */
  suppresses(method: string): boolean {
    return this.suppressed.has(method);
  }

  notify<N extends NotificationMethod<P>>(method: N, params: NotificationParams<P, N>): Promise<void> {
    if (this.suppressed.has(method)) return Promise.resolve();
    return this.peer.notify(method, params, this.envelope());
  }

  /** One notification given as a message (`{method, params}`), e.g. from a list an event mapper produced. */
  send(notification: NotificationMessage<P>): Promise<void> {
    if (this.suppressed.has(notification.method)) return Promise.resolve();
    return this.peer.notify(notification.method, notification.params, this.envelope());
  }

  /** 0.166.0 stamps every notification with the time it was emitted (`emittedAtMs`); 0.58.0 sends none. */
  private envelope(): { emittedAtMs: number } | undefined {
    return this.protocol.generation === "0.58" ? undefined : { emittedAtMs: Date.now() };
  }

  /**
   * A 0.58.0 listener's `codex/event/<type>` notification (the v1 event stream: one per core event, outside the
   * registry's notification table, as in the reference's schema).
   */
  event(params: CodexEventParams): Promise<void> {
    return this.peer.notify(`codex/event/${params.msg.type}`, params);
  }

  /** Sends a server request; resolves with the client's decoded answer. */
  async request<R extends ServerRequestMethod<P>>(
    method: R,
    params: ServerRequestParams<P, R>,
    options: OutgoingRequestOptions = {},
  ): Promise<DecodedServerRequestResult<P, R>> {
    const answer = await this.peer.request(method, params, options);
    const schema: z.ZodType = (this.protocol.serverRequests[method] as { response: z.ZodType }).response;
    const decoded = schema.safeParse(answer);
    if (!decoded.success) {
      const { detail } = explainIssues(schema, answer, decoded.error.issues);
      throw new PeerRequestError(`invalid answer to ${method}: ${detail}`);
    }
    return decoded.data as DecodedServerRequestResult<P, R>;
  }
}
