import { type Protocol058, ReasoningEffort, type v2 } from "@codex-ts/app-server-protocol";
import {
  type ConversationRegistry,
  inputItemFromV2,
  type OpenedConversation,
  type TurnOverrides,
} from "../conversations.js";
import type { Handlers } from "../handler.js";
import {
  coreApprovalPolicy,
  type SessionSettings,
  v1SessionSettings,
  v2SessionSettings,
} from "../session-settings.js";

/** Opens a new core conversation from the request's own settings (config layering is the opener's job). */
export type ConversationOpener = (settings: SessionSettings) => Promise<OpenedConversation>;

/** The conversation's reasoning effort as the wire names it (null when the core reports none it knows). */
export function reasoningEffortOf(opened: OpenedConversation): ReasoningEffort | null {
  const effort = ReasoningEffort.safeParse(opened.sessionConfigured.reasoning_effort);
  return effort.success ? effort.data : null;
}

/** The per-turn fields `turn/start` was given, as the core's turn op spells them; null when none. */
function turnOverrides(p: v2.TurnStartParams): TurnOverrides | null {
  const out: TurnOverrides = {};
  if (p.cwd != null) out.cwd = p.cwd;
  if (p.approvalPolicy != null) out.approval_policy = coreApprovalPolicy(p.approvalPolicy);
  if (p.sandboxPolicy != null) out.sandbox_policy = p.sandboxPolicy;
  if (p.model != null) out.model = p.model;
  if (p.effort != null) out.effort = p.effort;
  if (p.summary != null) out.summary = p.summary;
  return Object.keys(out).length > 0 ? out : null;
}

type ConversationMethods =
  | "newConversation"
  | "thread/start"
  | "addConversationListener"
  | "removeConversationListener"
  | "sendUserMessage"
  | "sendUserTurn"
  | "interruptConversation"
  | "turn/start"
  | "thread/compact"
  | "turn/interrupt";

/**
 * The v1 and v2 conversation/turn handlers, over one registry of loaded conversations. A turn's notifications
 * follow its request's response: the handler holds them, submits, responds, then releases them (after the
 * `turn/started` a `turn/start` response announces); `thread/start` answers before it sends `thread/started`.
 */
export function createConversationHandlers(
  registry: ConversationRegistry,
  open: ConversationOpener,
  execOutputSchema?: unknown,
): Handlers<Protocol058, ConversationMethods> {
  return {
    async newConversation(p) {
      const opened = await open(v1SessionSettings(p));
      registry.add(opened);
      return {
        conversationId: opened.conversationId,
        model: opened.sessionConfigured.model,
        reasoningEffort: reasoningEffortOf(opened),
        rolloutPath: opened.rolloutPath,
      };
    },

    async "thread/start"(p, ctx) {
      const opened = await open(v2SessionSettings(p));
      registry.add(opened);
      registry.attachV2(opened.conversationId);
      const thread = {
        id: opened.conversationId,
        preview: "",
        modelProvider: opened.modelProvider,
        createdAt: Math.floor(Date.now() / 1000),
        path: opened.rolloutPath,
      };
      const sent = await ctx.respond({ thread });
      void ctx.peer.notify("thread/started", { thread });
      return sent;
    },

    addConversationListener: (p) => registry.addListener(p.conversationId),
    removeConversationListener: (p) => registry.removeListener(p.subscriptionId),

    async sendUserMessage(p, ctx) {
      const c = registry.require(p.conversationId);
      const hold = c.hold();
      try {
        // `codex exec --output-schema` (ConversationRuntime.execOutputSchema): the turn answers in that schema.
        await c.conversation.submit(
          execOutputSchema != null
            ? { type: "user_turn", items: p.items, final_output_json_schema: execOutputSchema }
            : { type: "user_input", items: p.items },
        );
        return await ctx.respond({});
      } finally {
        hold.release();
      }
    },

    async sendUserTurn(p, ctx) {
      const c = registry.require(p.conversationId);
      const hold = c.hold();
      try {
        await c.conversation.submit({
          type: "user_turn",
          items: p.items,
          cwd: p.cwd,
          approval_policy: p.approvalPolicy,
          sandbox_policy: p.sandboxPolicy,
          model: p.model,
          ...(p.effort != null ? { effort: p.effort } : {}),
          summary: p.summary,
        });
        return await ctx.respond({});
      } finally {
        hold.release();
      }
    },

    interruptConversation: (p) => registry.interrupt(p.conversationId),

    async "turn/start"(p, ctx) {
      const c = registry.require(p.threadId);
      const hold = c.hold();
      try {
        const turn = await c.startTurn(p.input.map(inputItemFromV2), turnOverrides(p));
        const sent = await ctx.respond({ turn });
        hold.release({ method: "turn/started", params: { turn } });
        return sent;
      } finally {
        hold.release();
      }
    },

    "thread/compact": (p) => registry.compact(p.threadId),
    "turn/interrupt": (p) => registry.interruptTurn(p.threadId),
  };
}
