import { randomUUID } from "node:crypto";
import {
  type EventMsg,
  type InputItem,
  invalidRequest,
  type Protocol058,
  type ProtocolPeer,
  type TurnAbortReason,
  type v2,
} from "@codex-ts/app-server-protocol";
import type { ActivePermissionProfile, ConfigRequirements } from "@codex-ts/config-loader";
import type { CoreEvent, NewConversation, Op } from "@codex-ts/core";
import { ApprovalBridge } from "./events/approvals.js";
import { type CodexEventNotification, toV1Notification } from "./events/v1.js";
import { type Notification, V2EventMapper } from "./events/v2.js";
import { type ConversationHandle, FollowedConversation } from "./followed-conversation.js";

export type { ConversationHandle } from "./followed-conversation.js";

/** Listeners (`addConversationListener`, a v2 thread's own) one conversation may have at once. */
export const MAX_LISTENERS_PER_CONVERSATION = 64;

/** What opening a conversation yields (the core's `NewConversation`, over any conversation handle). */
export type OpenedConversation = Omit<NewConversation, "conversation"> & {
  conversation: ConversationHandle;
  /** The managed requirements its config was loaded under (0.166 threads; turn changes must keep to them). */
  requirements?: ConfigRequirements | null | undefined;
  /** What loading its config changed on the user's behalf (0.166.0 sends each as a thread `warning`). */
  configWarnings?: string[] | undefined;
  /** The permission profile its config chose (0.166 threads; absent: the legacy sandbox settings did). */
  permissionProfile?: ActivePermissionProfile | undefined;
};

/** A conversation resumed from its rollout: what the v1 and v2 resume responses report. */
export type ResumedConversation = OpenedConversation & { initialMessages: EventMsg[] };

/** v2 `UserInput` → v1 `InputItem`, what the core's `user_input` op carries. */
export function inputItemFromV2(input: v2.UserInput): InputItem {
  if (input.type === "image") return { type: "image", data: { image_url: input.url } };
  if (input.type === "localImage") return { type: "localImage", data: { path: input.path } };
  return { type: "text", data: { text: input.text } };
}

/** v1 `InputItem` → v2 `UserInput` (for the user-message item of a `turn/start` response). */
function userInputFromItem(item: InputItem): v2.UserInput {
  if (item.type === "image") return { type: "image", url: item.data.image_url };
  if (item.type === "localImage") return { type: "localImage", path: item.data.path };
  return { type: "text", text: item.data.text };
}

/** Per-turn settings of `sendUserTurn` / `turn/start`, in the core op's words. */
export type TurnOverrides = Omit<Extract<Op, { type: "override_turn_context" }>, "type">;

/** One message this server sends for a conversation: a v2 notification or a v1 `codex/event/*`. */
type Outgoing = { v2: Notification } | { v1: CodexEventNotification };

/**
 * Notifications of one conversation held back while a request that causes them is being answered (0.58.0 writes
 * the response of `turn/start` / `sendUserMessage` / `sendUserTurn` before any event of the turn). `release` sends
 * `lead` first (the `turn/started` a `turn/start` response announces), then what was held; only the first call
 * counts, so a handler can release on every path.
 */
export interface Hold {
  release(lead?: Notification): void;
}

/** Whether a held message is a `turn/started` for the turn `lead` announces. */
function announcesSameTurn(o: Outgoing, lead: Notification): boolean {
  return (
    lead.method === "turn/started" &&
    "v2" in o &&
    o.v2.method === "turn/started" &&
    o.v2.params.turn.id === lead.params.turn.id
  );
}

const V1_LISTENER_ITEMS = new Set(["userMessage", "agentMessage", "reasoning", "webSearch"]);

/** Whether 0.58.0's v1 conversation listener sends this v2 notification. */
function sentToV1Listeners(n: Notification): boolean {
  if (n.method === "account/rateLimits/updated") return true;
  if (n.method !== "item/started" && n.method !== "item/completed") return false;
  return V1_LISTENER_ITEMS.has(n.params.item.type);
}

/**
 * One loaded conversation inside the server: a single core subscription fanned out to the v1 listeners, the v2
 * mapper (for threads started or resumed through v2) and the approval bridge. Approvals are asked once per
 * conversation while at least one listener is attached, as 0.58.0 asks through its listener.
 */
export class LoadedConversation {
  readonly listeners = new Set<string>();
  /** The conversation, with the submissions that start a task counted (see `TurnActivity`). */
  readonly conversation: ConversationHandle;
  /** The subscription a v2 thread attached for itself (once, however often it is resumed). */
  v2Subscription: string | null = null;
  v2: V2EventMapper | null = null;
  /**
   * For conversations without v2 (v1 only): 0.58.0's listener still sends the v2 notifications it knows — item
   * events of user/agent/reasoning/web-search items and `account/rateLimits/updated` — and only those.
   */
  private readonly v1Items = new V2EventMapper();
  private held: Outgoing[] = [];
  private holds = 0;
  private readonly followed: FollowedConversation;
  private readonly bridge: ApprovalBridge;

  constructor(
    readonly opened: OpenedConversation,
    private readonly peer: ProtocolPeer<Protocol058>,
    log: (m: string) => void,
  ) {
    const core = opened.conversation;
    this.followed = new FollowedConversation(core, peer.peer);
    this.conversation = this.followed.conversation;
    this.bridge = new ApprovalBridge(peer, core.id, (op) => core.submit(op), log);
  }

  attach(subscriptionId: string): void {
    if (this.listeners.size >= MAX_LISTENERS_PER_CONVERSATION)
      throw invalidRequest(
        `too many listeners on conversation ${this.conversation.id}: the limit is ${MAX_LISTENERS_PER_CONVERSATION}`,
      );
    this.listeners.add(subscriptionId);
    this.followed.follow((e) => this.onEvent(e));
  }

  detach(subscriptionId: string): void {
    this.listeners.delete(subscriptionId);
    if (this.listeners.size === 0) this.followed.unfollow();
  }

  /** Resolves with the abort reason of the running (or starting) task; at once when there is none. */
  untilAborted(): Promise<TurnAbortReason> {
    return this.followed.untilAborted();
  }

  /** Holds this conversation's notifications until `release` (see `Hold`). */
  hold(): Hold {
    this.holds++;
    let released = false;
    return {
      release: (lead) => {
        if (released) return;
        released = true;
        this.holds--;
        if (lead) {
          // A turn the core started while its `turn/start` was in flight was announced by the mapper too; the
          // response's announcement stands for it, and goes out at once, ahead of everything held.
          this.held = this.held.filter((o) => !announcesSameTurn(o, lead));
          this.write({ v2: lead });
        }
        if (this.holds === 0) for (const o of this.held.splice(0)) this.write(o);
      },
    };
  }

  /**
   * v2 `turn/start`: submits the input (after the per-turn overrides, when given) and returns the turn the response
   * announces; the mapper takes it as the thread's current turn.
   */
  async startTurn(input: InputItem[], overrides: TurnOverrides | null): Promise<v2.Turn> {
    this.v2 ??= new V2EventMapper();
    const mapper = this.v2;
    if (overrides) await this.conversation.submit({ type: "override_turn_context", ...overrides });
    const turnId = await this.conversation.submit({ type: "user_input", items: input });
    const turn: v2.Turn = {
      id: turnId,
      items: [{ type: "userMessage", id: turnId, content: input.map(userInputFromItem) }],
      status: "inProgress",
      error: null,
    };
    mapper.beginTurn(turn);
    return turn;
  }

  abandonApprovals(): void {
    this.bridge.abandon("turn interrupted");
  }

  private send(o: Outgoing): void {
    if (this.holds > 0) this.held.push(o);
    else this.write(o);
  }

  private write(o: Outgoing): void {
    void ("v2" in o ? this.peer.send(o.v2) : this.peer.event(o.v1.params));
  }

  /** Sends what the event means to each audience, in order (backpressure: see `FollowedConversation`). */
  private onEvent(event: CoreEvent): void {
    // Every attached listener gets its own copy of the v1 notification, as 0.58.0 sends one per subscription.
    const v1 = toV1Notification(this.conversation.id, event);
    if (v1) for (const _ of this.listeners) this.send({ v1 });
    const v2 = this.v2 ? this.v2.map(event) : this.v1Items.map(event).filter(sentToV1Listeners);
    for (const n of v2) this.send({ v2: n });
    this.bridge.handle(event);
    if (event.msg.type === "turn_aborted") this.abandonApprovals();
  }
}

/**
 * The loaded conversations of one server and the operations the v1/v2 handlers perform on them. Unknown ids get
 * 0.58.0's errors (`conversation not found: <id>`, `subscription not found: <id>`).
 */
export class ConversationRegistry {
  private readonly loaded = new Map<string, LoadedConversation>();
  private readonly subscriptions = new Map<string, string>(); // subscription id → conversation id

  constructor(
    private readonly peer: ProtocolPeer<Protocol058>,
    private readonly log: (m: string) => void = () => {},
  ) {}

  add(opened: OpenedConversation): void {
    this.loaded.set(opened.conversationId, new LoadedConversation(opened, this.peer, this.log));
  }

  /** The loaded conversation `id`, or undefined (a resume of a loaded conversation returns it, as 0.58.0 does). */
  get(conversationId: string): LoadedConversation | undefined {
    return this.loaded.get(conversationId);
  }

  rolloutPathOf(conversationId: string): string | null {
    // "" is an ephemeral thread's: it has no rollout.
    return this.loaded.get(conversationId)?.conversation.rolloutPath || null;
  }

  has(conversationId: string): boolean {
    return this.loaded.has(conversationId);
  }

  forget(conversationId: string): void {
    const c = this.loaded.get(conversationId);
    if (!c) return;
    for (const sub of c.listeners) this.subscriptions.delete(sub);
    for (const sub of [...c.listeners]) c.detach(sub);
    c.abandonApprovals();
    this.loaded.delete(conversationId);
  }

  /** The loaded conversation, or 0.58.0's `conversation not found: <id>`. */
  require(conversationId: string): LoadedConversation {
    const c = this.loaded.get(conversationId);
    if (!c) throw invalidRequest(`conversation not found: ${conversationId}`);
    return c;
  }

  /** A new v1 listener; `-32600 "too many listeners on conversation <id>: the limit is 64"` past the cap. */
  addListener(conversationId: string): { subscriptionId: string } {
    const c = this.require(conversationId);
    const subscriptionId = randomUUID();
    c.attach(subscriptionId);
    this.subscriptions.set(subscriptionId, conversationId);
    return { subscriptionId };
  }

  removeListener(subscriptionId: string): Record<string, never> {
    const conversationId = this.subscriptions.get(subscriptionId);
    if (!conversationId) throw invalidRequest(`subscription not found: ${subscriptionId}`);
    this.subscriptions.delete(subscriptionId);
    this.loaded.get(conversationId)?.detach(subscriptionId);
    return {};
  }

  /** v2 threads: listener attached by the server itself (once per conversation) plus the v2 notification mapper. */
  attachV2(conversationId: string): void {
    const c = this.require(conversationId);
    c.v2 ??= new V2EventMapper();
    if (c.v2Subscription === null || !c.listeners.has(c.v2Subscription))
      c.v2Subscription = this.addListener(conversationId).subscriptionId;
  }

  /** v1 `interruptConversation`: resolves with the abort reason once the core reports the turn aborted. */
  async interrupt(conversationId: string): Promise<{ abortReason: TurnAbortReason }> {
    return { abortReason: await this.interruptAndWait(this.require(conversationId)) };
  }

  /** v2 `turn/interrupt`: answers `{}` once the core reports the turn aborted (after `turn_aborted`, as 0.58.0). */
  async interruptTurn(threadId: string): Promise<Record<string, never>> {
    await this.interruptAndWait(this.require(threadId));
    return {};
  }

  /** v2 `thread/compact`: asks the core to compact the thread's history now; progress arrives as events. */
  async compact(threadId: string): Promise<Record<string, never>> {
    await this.require(threadId).conversation.submit({ type: "compact" });
    return {};
  }

  /** Interrupts the running (or starting) task and waits for its abort; an idle conversation answers at once. */
  private async interruptAndWait(c: LoadedConversation): Promise<TurnAbortReason> {
    const aborted = c.untilAborted();
    await c.conversation.submit({ type: "interrupt" });
    c.abandonApprovals();
    return aborted;
  }
}
