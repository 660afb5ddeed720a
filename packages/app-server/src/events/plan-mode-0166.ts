import type { EventMsg } from "@codex-ts/app-server-protocol";
import { agentMessageItem, type ItemOf0166, type ThreadItem0166 } from "./items-0166.js";
import type { Notification0166 } from "./notifications-0166.js";
import { ProposedPlanParser } from "./proposed-plan.js";

/** What the event mapper lends a plan-mode turn: its item bookkeeping (times, open items, the turn's answer). */
export interface PlanModeOutput {
  started(item: ThreadItem0166): Notification0166[];
  completed(item: ThreadItem0166): Notification0166[];
}

/**
 * The agent messages of a turn in 0.166's plan collaboration mode, as 0.166.0 reports them: the text outside a
 * `<proposed_plan>` block streams as the agent message (its item starts with the first such text, so a message
 * that is all plan has no agent message item), the block streams as `item/plan/delta` of one `plan` item per turn
 * (id `<turnId>-plan`), and when the message completes the plan item completes first, then the agent message with
 * the text outside the block. The rollout and the model's history keep the message as the model wrote it.
 */
export class PlanModeMessages {
  private message: {
    item: ItemOf0166<"agentMessage">;
    started: boolean;
    parser: ProposedPlanParser;
  } | null = null;
  private plan: { item: ItemOf0166<"plan">; started: boolean } | null = null;

  constructor(
    private readonly threadId: string,
    private readonly turnId: string,
    private readonly out: PlanModeOutput,
  ) {}

  /** The notifications of `msg` when it belongs to an agent message of this turn; null for every other event. */
  handle(msg: EventMsg): Notification0166[] | null {
    if (msg.type === "item_started" && "AgentMessage" in msg.item) {
      this.message = {
        item: agentMessageItem(msg.item.AgentMessage.id, ""),
        started: false,
        parser: new ProposedPlanParser(),
      };
      return [];
    }
    const message = this.message;
    if (!message) return null;
    if (msg.type === "agent_message_content_delta" && msg.item_id === message.item.id)
      return this.segments(message.parser.feed(msg.delta));
    if (
      msg.type === "item_completed" &&
      "AgentMessage" in msg.item &&
      msg.item.AgentMessage.id === message.item.id
    ) {
      const out = this.segments(message.parser.finish());
      this.message = null;
      if (this.plan?.started) out.push(...this.out.completed(this.plan.item));
      this.plan = null;
      if (message.started) out.push(...this.out.completed(message.item));
      return out;
    }
    return null;
  }

  private segments(segments: ReturnType<ProposedPlanParser["feed"]>): Notification0166[] {
    const message = this.message;
    if (!message) return [];
    const out: Notification0166[] = [];
    const ids = { threadId: this.threadId, turnId: this.turnId };
    for (const s of segments) {
      if (s.kind === "planOpen") {
        // A later block replaces the plan: same item, its text starts again.
        if (this.plan) this.plan.item.text = "";
        else {
          this.plan = { item: { type: "plan", id: `${this.turnId}-plan`, text: "" }, started: true };
          out.push(...this.out.started(this.plan.item));
        }
      } else if (s.kind === "plan" && this.plan) {
        this.plan.item.text += s.text;
        out.push({ method: "item/plan/delta", params: { ...ids, itemId: this.plan.item.id, delta: s.text } });
      } else if (s.kind === "text") {
        if (!message.started) {
          message.started = true;
          out.push(...this.out.started(message.item));
        }
        message.item.text += s.text;
        out.push({
          method: "item/agentMessage/delta",
          params: { ...ids, itemId: message.item.id, delta: s.text },
        });
      }
    }
    return out;
  }
}
