import {
  type Generation,
  type JsonRpcPeer,
  type OutgoingChannel,
  type OutgoingRequestOptions,
  PeerRequestError,
  type Protocol0166,
  ProtocolPeer,
  protocol0166,
} from "@codex-ts/app-server-protocol";
import type { ThreadFollows } from "../threads/follows.js";

/** How long a settled approval's per-connection ids are kept for its `serverRequest/resolved` (which a held thread may send late). */
const RESOLVED_ID_KEEP_MS = 60_000;

/**
 * Notifications 0.166.0 sends every initialized 0.166 connection, not only the thread's subscribers (checked with
 * two connections on 0.166.0 `app-server --listen`): a client's thread list learns of new threads, their status,
 * name, goal, archiving, deletion and unloading without following them. A thread's turn and item events, token
 * usage, read state and server requests go only to the connections following it.
 */
export const SERVER_WIDE_0166: ReadonlySet<string> = new Set([
  "thread/started",
  "thread/status/changed",
  "thread/closed",
  "thread/name/updated",
  "thread/goal/updated",
  "thread/goal/cleared",
  "thread/archived",
  "thread/unarchived",
  "thread/deleted",
]);

/** A connection as the fan-out sees it (an `AppServer`). */
export interface Subscriber {
  readonly peer: JsonRpcPeer;
  /** The protocol its `initialize` chose (null before it); only 0.166 connections hear of threads. */
  readonly generation: Generation | null;
  /** The connection's typed peer: what it opted out of at `initialize`. */
  readonly peers: { readonly "0.166": ProtocolPeer<Protocol0166> };
}

interface Membership {
  readonly threads: Set<string>;
  readonly gone: Promise<void>;
  leave(): void;
}

/** One server request of a thread, sent to each of its subscribers; the first answer settles it. */
interface FanoutRequest {
  readonly threadId: string;
  readonly tag: string | undefined;
  /** Sends this request to one more connection (a subscriber, or one that subscribed while it was open). */
  readonly deliver: (sub: Subscriber) => void;
  /** The request id each connection was given (0.166's `serverRequest/resolved` names it, per connection). */
  readonly ids: Map<Subscriber, number>;
  /** The tag the per-connection requests carry, to withdraw them once another connection answered. */
  readonly localTag: string;
  settled: boolean;
  reject(err: PeerRequestError): void;
}

/**
 * Which 0.166 connections follow which thread, and a per-thread `OutgoingChannel` over them: a thread's
 * notifications go to every connection subscribed to it (each honouring its own opt-outs), its server requests
 * (approvals) to each of them with the first answer winning, and the others are told with `serverRequest/resolved`
 * carrying the id their copy had. A thread nobody follows keeps running: its events still reach the rollout, and
 * an approval nobody can answer is declined. Backpressure is per thread: only the subscribers of a thread that are
 * behind on reading hold its turn back.
 */
export class ThreadSubscribers {
  private readonly members = new Map<Subscriber, Membership>();
  /** Every open connection of the server (the server-wide notifications go to its 0.166 ones). */
  private readonly connections = new Set<Subscriber>();
  private readonly byThread = new Map<string, Set<Subscriber>>();
  private readonly requests = new Map<number, FanoutRequest>();
  private nextRequestId = 0;

  /** A connection opened (its generation is known once it has initialized). */
  connect(sub: Subscriber): void {
    this.connections.add(sub);
  }

  /**
   * Subscribes a connection to a thread (0.166 `thread/start`, `thread/resume`, `thread/fork`). Approvals of the
   * thread still open are sent to it too, as 0.166.0 does: a client that joins a waiting thread can answer them.
   */
  subscribe(sub: Subscriber, threadId: string): void {
    this.membership(sub).threads.add(threadId);
    let subs = this.byThread.get(threadId);
    if (!subs) {
      subs = new Set();
      this.byThread.set(threadId, subs);
    }
    subs.add(sub);
    for (const req of this.requests.values())
      if (req.threadId === threadId && !req.settled && !req.ids.has(sub)) req.deliver(sub);
  }

  /** Tells every initialized 0.166 connection but `except` (e.g. `skills/changed`: the asker was told already). */
  announce(except: Subscriber, method: string, params: unknown): void {
    for (const sub of this.initialized0166())
      if (sub !== except && !sub.peers["0.166"].suppresses(method))
        void sub.peer.notify(method, params, { emittedAtMs: Date.now() });
  }

  /**
   * Where the handlers send the server-wide notifications they make themselves (`thread/archived`,
   * `thread/name/updated`, a thread's unloading, …): every initialized 0.166 connection, each honouring its own
   * opt-outs. It sends no server requests.
   */
  everyone(): ProtocolPeer<Protocol0166> {
    const channel: OutgoingChannel = {
      notify: async (method, params, envelope) => {
        await Promise.all(
          this.initialized0166()
            .filter((sub) => !sub.peers["0.166"].suppresses(method))
            .map((sub) => sub.peer.notify(method, params, envelope)),
        );
      },
      request: () => Promise.reject(new PeerRequestError("server requests go to a thread's subscribers")),
      rejectPending: () => 0,
      outputBackedUp: false,
      outputRoom: () => Promise.resolve(),
    };
    return new ProtocolPeer(protocol0166, channel);
  }

  /** One connection's subscriptions, as the thread handlers of that connection see them. */
  followsOf(sub: Subscriber): ThreadFollows {
    return {
      has: (threadId) => this.isSubscribed(sub, threadId),
      add: (threadId) => this.subscribe(sub, threadId),
      delete: (threadId) => this.unsubscribe(sub, threadId),
      anyone: (threadId) => (this.byThread.get(threadId)?.size ?? 0) > 0,
    };
  }

  /** Forgets who followed a thread that was unloaded: resuming it later subscribes afresh. */
  forget(threadId: string): void {
    for (const sub of this.subscribersOf(threadId)) this.unsubscribe(sub, threadId);
  }

  unsubscribe(sub: Subscriber, threadId: string): void {
    this.members.get(sub)?.threads.delete(threadId);
    const subs = this.byThread.get(threadId);
    subs?.delete(sub);
    if (subs?.size === 0) this.byThread.delete(threadId);
  }

  isSubscribed(sub: Subscriber, threadId: string): boolean {
    return this.byThread.get(threadId)?.has(sub) ?? false;
  }

  /** The connections following a thread now. */
  subscribersOf(threadId: string): Subscriber[] {
    return [...(this.byThread.get(threadId) ?? [])];
  }

  /** Forgets a connection that closed; approvals it alone could answer are declined. */
  drop(sub: Subscriber): void {
    this.connections.delete(sub);
    const m = this.members.get(sub);
    if (!m) return;
    for (const threadId of m.threads) this.unsubscribe(sub, threadId);
    this.members.delete(sub);
    m.leave();
    for (const [id, req] of this.requests) {
      if (!req.ids.delete(sub) || req.settled || req.ids.size > 0) continue;
      this.requests.delete(id);
      req.settled = true;
      req.reject(new PeerRequestError("every client following the thread disconnected"));
    }
  }

  /** The channel a thread's events and approvals go out through (given to its `LoadedThread`). */
  channel(threadId: string): ProtocolPeer<Protocol0166> {
    const hub = this;
    const channel: OutgoingChannel = {
      notify: (method, params, envelope) => hub.notify(threadId, method, params, envelope),
      request: <T>(method: string, params: unknown, options?: OutgoingRequestOptions) =>
        hub.request(threadId, method, params, options) as Promise<T>,
      rejectPending: (tag, reason) => hub.rejectPending(threadId, tag, reason),
      get outputBackedUp() {
        return hub.subscribersOf(threadId).some((s) => s.peer.outputBackedUp);
      },
      outputRoom: () => hub.room(threadId),
    };
    return new ProtocolPeer(protocol0166, channel);
  }

  private initialized0166(): Subscriber[] {
    return [...this.connections].filter((s) => s.generation === "0.166");
  }

  private membership(sub: Subscriber): Membership {
    let m = this.members.get(sub);
    if (!m) {
      let leave = () => {};
      const gone = new Promise<void>((resolve) => {
        leave = resolve;
      });
      m = { threads: new Set(), gone, leave };
      this.members.set(sub, m);
    }
    return m;
  }

  private async notify(
    threadId: string,
    method: string,
    params: unknown,
    envelope?: Readonly<Record<string, unknown>>,
  ): Promise<void> {
    const sends: Promise<void>[] = [];
    const to = SERVER_WIDE_0166.has(method) ? this.initialized0166() : this.subscribersOf(threadId);
    for (const sub of to) {
      if (sub.peers["0.166"].suppresses(method)) continue;
      sends.push(sub.peer.notify(method, this.forConnection(sub, method, params), envelope));
    }
    await Promise.all(sends);
  }

  /** `serverRequest/resolved` names the request by the id this connection's copy had. */
  private forConnection(sub: Subscriber, method: string, params: unknown): unknown {
    if (method !== "serverRequest/resolved" || typeof params !== "object" || params === null) return params;
    const hubId = (params as { requestId?: unknown }).requestId;
    const req = typeof hubId === "number" ? this.requests.get(hubId) : undefined;
    const local = req?.ids.get(sub);
    return local === undefined ? params : { ...params, requestId: local };
  }

  private request(
    threadId: string,
    method: string,
    params: unknown,
    options: OutgoingRequestOptions = {},
  ): Promise<unknown> {
    const hubId = this.nextRequestId++;
    options.onId?.(hubId);
    const subs = this.subscribersOf(threadId);
    if (subs.length === 0)
      return Promise.reject(new PeerRequestError(`no client is following thread ${threadId}`));
    return new Promise<unknown>((resolve, reject) => {
      const localTag = `${threadId}#${hubId}`;
      const finish = (apply: () => void) => {
        if (req.settled) return;
        req.settled = true;
        apply();
        // The others' copies are withdrawn locally; `serverRequest/resolved` tells them (sent by the thread).
        for (const other of req.ids.keys()) other.peer.rejectPending(localTag, "answered by another client");
        // Kept until the thread's `serverRequest/resolved` went out (its ids are translated per connection).
        setTimeout(() => this.requests.delete(hubId), RESOLVED_ID_KEEP_MS).unref();
      };
      const deliver = (sub: Subscriber) => {
        const answer = sub.peer.request(method, params, {
          tag: localTag,
          onId: (id) => req.ids.set(sub, id),
        });
        answer.then(
          (value) => finish(() => resolve(value)),
          (err: PeerRequestError) => {
            // A connection that went away does not decide; `drop` settles when no one is left.
            if (!this.members.has(sub)) return;
            finish(() => reject(err));
          },
        );
      };
      const req: FanoutRequest = {
        threadId,
        tag: options.tag,
        deliver,
        ids: new Map(),
        localTag,
        settled: false,
        reject,
      };
      this.requests.set(hubId, req);
      for (const sub of subs) deliver(sub);
    });
  }

  private rejectPending(threadId: string, tag: string, reason: string): number {
    let count = 0;
    for (const [id, req] of this.requests) {
      if (req.threadId !== threadId || req.tag !== tag || req.settled) continue;
      req.settled = true;
      this.requests.delete(id);
      for (const sub of req.ids.keys()) sub.peer.rejectPending(req.localTag, reason);
      req.reject(new PeerRequestError(reason));
      count++;
    }
    return count;
  }

  /** Resolves once every subscriber of the thread that is behind has room again (or has gone). */
  private async room(threadId: string): Promise<void> {
    await Promise.all(
      this.subscribersOf(threadId)
        .filter((s) => s.peer.outputBackedUp)
        .map((s) => Promise.race([s.peer.outputRoom(), this.membership(s).gone])),
    );
  }
}
