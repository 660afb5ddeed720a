import { invalidRequest } from "@codex-ts/app-server-protocol";
import {
  type ConversationRegistry,
  type InputItem,
  inputItemFromV2,
  type OpenedConversation,
} from "../conversations.js";
import type { Turn } from "../events/v2.js";
import { object, requiredConversationId, requiredString } from "../params.js";
import type { RequestHandler } from "../server.js";
import { coreApprovalPolicy, type SessionSettings, sessionSettings } from "../session-settings.js";

/** Opens a new core conversation from the request's own settings (config layering is the opener's job). */
export type ConversationOpener = (settings: SessionSettings) => Promise<OpenedConversation>;

function items(p: Record<string, unknown>, key: string): unknown[] {
  if (!(key in p)) throw invalidRequest(`Invalid request: missing field \`${key}\``);
  if (!Array.isArray(p[key]))
    throw invalidRequest(`Invalid request: invalid type: expected a sequence for \`${key}\``);
  return p[key] as unknown[];
}

const PER_TURN_KEYS = ["cwd", "approvalPolicy", "sandboxPolicy", "model", "effort", "summary"] as const;
const OP_KEYS: Record<(typeof PER_TURN_KEYS)[number], string> = {
  cwd: "cwd",
  approvalPolicy: "approval_policy",
  sandboxPolicy: "sandbox_policy",
  model: "model",
  effort: "effort",
  summary: "summary",
};

/**
 * Camel-case request fields → the snake_case fields of the core's turn ops (only those given). v2 spells the
 * approval policy in camelCase; the core takes v1's spelling (sandbox policies the core reads in either).
 */
function turnOverrides(p: Record<string, unknown>): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  for (const k of PER_TURN_KEYS) if (p[k] !== undefined && p[k] !== null) out[OP_KEYS[k]] = p[k];
  if (typeof out.approval_policy === "string") out.approval_policy = coreApprovalPolicy(out.approval_policy);
  return Object.keys(out).length > 0 ? out : null;
}

/** The v1 and v2 conversation/turn handlers, over one registry of loaded conversations. */
export function createConversationHandlers(registry: ConversationRegistry, open: ConversationOpener) {
  const newConversation: RequestHandler<SessionSettings> = {
    decode: (params) => sessionSettings(object(params, "struct NewConversationParams"), "v1"),
    async handle(settings) {
      const opened = await open(settings);
      registry.add(opened);
      return {
        conversationId: opened.conversationId,
        model: opened.sessionConfigured.model,
        reasoningEffort: opened.sessionConfigured.reasoning_effort ?? null,
        rolloutPath: opened.rolloutPath,
      };
    },
  };
  const threadStart: RequestHandler<SessionSettings> = {
    decode: (params) => sessionSettings(object(params, "struct ThreadStartParams"), "v2"),
    async handle(settings) {
      const opened = await open(settings);
      registry.add(opened);
      registry.attachV2(opened.conversationId);
      const thread = {
        id: opened.conversationId,
        preview: "",
        modelProvider: opened.modelProvider ?? "",
        createdAt: Math.floor(Date.now() / 1000),
        path: opened.rolloutPath,
      };
      return { thread };
    },
    afterResponse(result, { peer }) {
      void peer.notify("thread/started", { thread: (result as { thread: unknown }).thread });
    },
  };
  const conversationIdOf = (params: unknown, name: string) =>
    requiredConversationId(object(params, `struct ${name}`), "conversationId");
  return {
    newConversation,
    "thread/start": threadStart,
    addConversationListener: {
      decode: (params: unknown) => conversationIdOf(params, "AddConversationListenerParams"),
      handle: (id: string) => registry.addListener(id),
    } satisfies RequestHandler<string>,
    removeConversationListener: {
      decode: (params: unknown) =>
        requiredString(object(params, "struct RemoveConversationListenerParams"), "subscriptionId"),
      handle: (id: string) => registry.removeListener(id),
    } satisfies RequestHandler<string>,
    sendUserMessage: {
      decode(params: unknown) {
        const p = object(params, "struct SendUserMessageParams");
        return { id: requiredConversationId(p, "conversationId"), items: items(p, "items") as InputItem[] };
      },
      handle: ({ id, items: input }: { id: string; items: InputItem[] }) =>
        registry.sendUserMessage(id, input),
      afterResponse: (_result, _ctx, params) => registry.releaseHeld(conversationIdParam(params)),
    } satisfies RequestHandler<{ id: string; items: InputItem[] }>,
    sendUserTurn: {
      decode(params: unknown) {
        const p = object(params, "struct SendUserTurnParams");
        return {
          id: requiredConversationId(p, "conversationId"),
          items: items(p, "items") as InputItem[],
          overrides: turnOverrides(p) ?? {},
        };
      },
      handle: (p: { id: string; items: InputItem[]; overrides: Record<string, unknown> }) =>
        registry.sendUserTurn(p.id, { items: p.items, ...p.overrides }),
      afterResponse: (_result, _ctx, params) => registry.releaseHeld(conversationIdParam(params)),
    } satisfies RequestHandler<{ id: string; items: InputItem[]; overrides: Record<string, unknown> }>,
    interruptConversation: {
      decode: (params: unknown) => conversationIdOf(params, "InterruptConversationParams"),
      handle: (id: string) => registry.interrupt(id),
    } satisfies RequestHandler<string>,
    "turn/start": {
      decode(params: unknown) {
        const p = object(params, "struct TurnStartParams");
        const input = items(p, "input").map((i) =>
          inputItemFromV2(object(i, "enum UserInput") as { type: string }),
        );
        return { threadId: requiredString(p, "threadId"), input, overrides: turnOverrides(p) };
      },
      async handle(p: { threadId: string; input: InputItem[]; overrides: Record<string, unknown> | null }) {
        return { turn: await registry.startTurn(p.threadId, p.input, p.overrides) };
      },
      afterResponse(result: unknown) {
        const turn = (result as { turn: Turn }).turn;
        registry.announceTurnFor(turn);
      },
    },
    "thread/compact": {
      decode: (params: unknown) => requiredString(object(params, "struct ThreadCompactParams"), "threadId"),
      handle: (threadId: string) => registry.compact(threadId),
    } satisfies RequestHandler<string>,
    "turn/interrupt": {
      decode(params: unknown) {
        const p = object(params, "struct TurnInterruptParams");
        return { threadId: requiredString(p, "threadId"), turnId: requiredString(p, "turnId") };
      },
      handle: (p: { threadId: string; turnId: string }) => registry.interruptTurn(p.threadId),
    } satisfies RequestHandler<{ threadId: string; turnId: string }>,
  };
}

/** The `conversationId` of params a decoder has accepted. */
function conversationIdParam(params: unknown): string {
  return String((params as { conversationId?: unknown }).conversationId);
}
