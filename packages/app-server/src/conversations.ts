import { randomUUID } from "node:crypto";
import { invalidRequest, type JsonRpcPeer } from "@codex-ts/app-server-protocol";
import { ApprovalBridge } from "./events/approvals.js";
import type { CoreEvent } from "./events/core-events.js";
import { toV1Notification } from "./events/v1.js";
import { type Turn, V2EventMapper } from "./events/v2.js";

/** The core conversation as the server uses it (DESIGN.md `Conversation`). */
export interface ConversationLike {
  readonly id: string;
  readonly rolloutPath: string;
  submit(op: { type: string } & Record<string, unknown>): Promise<string>;
  subscribe(listener: (e: CoreEvent) => void): () => void;
}

/** What opening a conversation yields (DESIGN.md `NewConversation`). */
export interface OpenedConversation {
  conversationId: string;
  conversation: ConversationLike;
  sessionConfigured: { model: string; reasoning_effort?: string | null } & Record<string, unknown>;
  rolloutPath: string;
  /** Provider id of the conversation's config (for v2 `Thread.modelProvider`). */
  modelProvider?: string;
}

/** v1 `InputItem` (`{type, data}`), what the core's `user_input` op carries. */
export type InputItem = { type: string; data: Record<string, unknown> };

/** v2 `UserInput` → v1 `InputItem`. */
export function inputItemFromV2(input: { type: string } & Record<string, unknown>): InputItem {
  if (input.type === "image") return { type: "image", data: { image_url: input.url } };
  if (input.type === "localImage") return { type: "localImage", data: { path: input.path } };
  return { type: "text", data: { text: input.text } };
}

/** v1 `InputItem` → v2 `UserInput` (for the user-message item of a `turn/start` response). */
function userInputFromItem(item: InputItem): Record<string, unknown> {
  if (item.type === "image") return { type: "image", url: item.data.image_url };
  if (item.type === "localImage") return { type: "localImage", path: item.data.path };
  return { type: "text", text: item.data.text };
}

const V1_LISTENER_ITEMS = new Set(["userMessage", "agentMessage", "reasoning", "webSearch"]);

/** Whether 0.58.0's v1 conversation listener sends this v2 notification. */
function sentToV1Listeners(n: { method: string; params: unknown }): boolean {
  if (n.method === "account/rateLimits/updated") return true;
  if (n.method !== "item/started" && n.method !== "item/completed") return false;
  return V1_LISTENER_ITEMS.has(String((n.params as { item?: { type?: string } }).item?.type));
}

/**
 * One loaded conversation inside the server: a single core subscription fanned out to the v1 listeners, the v2
 * mapper (for threads started or resumed through v2) and the approval bridge. Approvals are asked once per
 * conversation while at least one listener is attached, as 0.58.0 asks through its listener.
 */
class LoadedConversation {
  readonly listeners = new Set<string>();
  v2: V2EventMapper | null = null;
  /**
   * For conversations without v2 (v1 only): 0.58.0's listener still sends the v2 notifications it knows — item
   * events of user/agent/reasoning/web-search items and `account/rateLimits/updated` — and only those.
   */
  private readonly v1Items = new V2EventMapper();
  /**
   * Notifications (v1 and v2) held back until the `turn/start` response is written: 0.58.0 answers and sends
   * `turn/started` before any event of the turn, so `turn/started` leads.
   */
  private held: { method: string; params: unknown }[] | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly bridge: ApprovalBridge;
  private abortWaiters: Array<(reason: string) => void> = [];

  constructor(
    readonly conversation: ConversationLike,
    private readonly peer: JsonRpcPeer,
    log: (m: string) => void,
  ) {
    this.bridge = new ApprovalBridge(peer, conversation.id, (op) => conversation.submit(op), log);
  }

  attach(subscriptionId: string): void {
    this.listeners.add(subscriptionId);
    this.unsubscribe ??= this.conversation.subscribe((e) => this.onEvent(e));
  }

  detach(subscriptionId: string): void {
    this.listeners.delete(subscriptionId);
    if (this.listeners.size === 0 && this.unsubscribe) {
      this.unsubscribe();
      this.unsubscribe = null;
    }
  }

  /** Resolves with the abort reason of the next `turn_aborted`. */
  nextAbort(): Promise<string> {
    return new Promise((resolve) => this.abortWaiters.push(resolve));
  }

  holdV2(): void {
    this.held ??= [];
  }

  /** Sends `turn/started`, then whatever the turn produced while its response was being written. */
  releaseV2(turn: Turn | null): void {
    const held = this.held ?? [];
    this.held = null;
    if (turn) void this.peer.notify("turn/started", { turn });
    for (const n of held) void this.peer.notify(n.method, n.params);
  }

  abandonApprovals(): void {
    this.bridge.abandon("turn interrupted");
  }

  private onEvent(event: CoreEvent): void {
    const out: { method: string; params: unknown }[] = [];
    // Every attached listener gets its own copy of the v1 notification, as 0.58.0 sends one per subscription.
    for (const _ of this.listeners) {
      const n = toV1Notification(this.conversation.id, event);
      if (n) out.push(n);
    }
    if (this.v2) out.push(...this.v2.map(event));
    else out.push(...this.v1Items.map(event).filter(sentToV1Listeners));
    for (const n of out) {
      if (this.held) this.held.push(n);
      else void this.peer.notify(n.method, n.params);
    }
    this.bridge.handle(event);
    if (event.msg.type === "turn_aborted") {
      const reason = String(event.msg.reason ?? "interrupted");
      for (const w of this.abortWaiters.splice(0)) w(reason);
      this.abandonApprovals();
    }
  }
}

/**
 * The loaded conversations of one server and the operations the v1/v2 handlers perform on them. Unknown ids get
 * 0.58.0's errors (`conversation not found: <id>`, `subscription not found: <id>`).
 */
export class ConversationRegistry {
  private readonly loaded = new Map<string, LoadedConversation>();
  private readonly subscriptions = new Map<string, string>(); // subscription id → conversation id
  private readonly turnThreads = new WeakMap<Turn, string>(); // turns awaiting their turn/started

  constructor(
    private readonly peer: JsonRpcPeer,
    private readonly log: (m: string) => void = () => {},
  ) {}

  add(opened: OpenedConversation): void {
    this.loaded.set(opened.conversationId, new LoadedConversation(opened.conversation, this.peer, this.log));
  }

  rolloutPathOf(conversationId: string): string | null {
    return this.loaded.get(conversationId)?.conversation.rolloutPath ?? null;
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

  private require(conversationId: string): LoadedConversation {
    const c = this.loaded.get(conversationId);
    if (!c) throw invalidRequest(`conversation not found: ${conversationId}`);
    return c;
  }

  addListener(conversationId: string): { subscriptionId: string } {
    const c = this.require(conversationId);
    const subscriptionId = randomUUID();
    this.subscriptions.set(subscriptionId, conversationId);
    c.attach(subscriptionId);
    return { subscriptionId };
  }

  removeListener(subscriptionId: string): Record<string, never> {
    const conversationId = this.subscriptions.get(subscriptionId);
    if (!conversationId) throw invalidRequest(`subscription not found: ${subscriptionId}`);
    this.subscriptions.delete(subscriptionId);
    this.loaded.get(conversationId)?.detach(subscriptionId);
    return {};
  }

  /** v2 threads: listener attached by the server itself plus the v2 notification mapper. */
  attachV2(conversationId: string): void {
    const c = this.require(conversationId);
    c.v2 ??= new V2EventMapper();
    this.addListener(conversationId);
  }

  /**
   * v1 `sendUserMessage` / `sendUserTurn`: submits the turn. Its notifications are held until the response is
   * written (`releaseHeld`), since 0.58.0 answers before the turn's first event.
   */
  async sendUserMessage(conversationId: string, items: InputItem[]): Promise<Record<string, never>> {
    return this.submitHeld(conversationId, { type: "user_input", items });
  }

  async sendUserTurn(conversationId: string, turn: Record<string, unknown>): Promise<Record<string, never>> {
    return this.submitHeld(conversationId, { type: "user_turn", ...turn });
  }

  private async submitHeld(
    conversationId: string,
    op: { type: string } & Record<string, unknown>,
  ): Promise<Record<string, never>> {
    const c = this.require(conversationId);
    c.holdV2();
    try {
      await c.conversation.submit(op);
    } catch (err) {
      c.releaseV2(null);
      throw err;
    }
    return {};
  }

  /** After a v1 turn request's response: the notifications held meanwhile. */
  releaseHeld(conversationId: string): void {
    this.loaded.get(conversationId)?.releaseV2(null);
  }

  /**
   * v2 `turn/start`: submits the input (with per-turn overrides when given) and returns the turn; the caller
   * responds, then sends `turn/started` via `announceTurn`.
   */
  async startTurn(
    threadId: string,
    input: InputItem[],
    overrides: Record<string, unknown> | null,
  ): Promise<Turn> {
    const c = this.require(threadId);
    c.v2 ??= new V2EventMapper();
    c.v2.expectTurn();
    c.holdV2();
    let turnId: string;
    try {
      if (overrides) await c.conversation.submit({ type: "override_turn_context", ...overrides });
      turnId = await c.conversation.submit({ type: "user_input", items: input });
    } catch (err) {
      c.releaseV2(null);
      throw err;
    }
    const turn: Turn = {
      id: turnId,
      items: [{ type: "userMessage", id: turnId, content: input.map(userInputFromItem) }],
      status: "inProgress",
      error: null,
    };
    c.v2.beginTurn(turn);
    this.turnThreads.set(turn, threadId);
    return turn;
  }

  /** After the `turn/start` response: `turn/started`, then the held item notifications. */
  announceTurnFor(turn: Turn): void {
    const threadId = this.turnThreads.get(turn);
    if (threadId) this.loaded.get(threadId)?.releaseV2(turn);
  }

  /** v1 `interruptConversation`: resolves with the abort reason once the core reports the turn aborted. */
  async interrupt(conversationId: string): Promise<{ abortReason: string }> {
    const c = this.require(conversationId);
    const aborted = c.nextAbort();
    await c.conversation.submit({ type: "interrupt" });
    c.abandonApprovals();
    return { abortReason: await aborted };
  }

  /** v2 `thread/compact`: asks the core to compact the thread's history now; progress arrives as events. */
  async compact(threadId: string): Promise<Record<string, never>> {
    await this.require(threadId).conversation.submit({ type: "compact" });
    return {};
  }

  /** v2 `turn/interrupt`: answers `{}` once the core reports the turn aborted (after `turn_aborted`, as 0.58.0). */
  async interruptTurn(threadId: string): Promise<Record<string, never>> {
    const c = this.require(threadId);
    const aborted = c.nextAbort();
    await c.conversation.submit({ type: "interrupt" });
    c.abandonApprovals();
    await aborted;
    return {};
  }
}
