import { responses } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import {
  type Conversation,
  type CoreEvent,
  type InputItem,
  SessionsStore,
  SteerError,
  type SteerRefusal,
} from "../src/index.js";
import { mockConfig, useConversationFixtures } from "./helpers/mock-conversations.js";

const fx = useConversationFixtures("codex-steer");

const text = (t: string): InputItem[] => [{ type: "text", data: { text: t } }];

/** Resolves with the first event of `type` from now on. */
function next(
  c: Conversation,
  type: string,
  where: (e: CoreEvent) => boolean = () => true,
): Promise<CoreEvent> {
  return new Promise((resolve) => {
    const off = c.subscribe((e) => {
      if (e.msg.type === type && where(e)) {
        off();
        resolve(e);
      }
    });
  });
}

function refusal(f: () => unknown): SteerRefusal {
  try {
    f();
  } catch (err) {
    if (err instanceof SteerError) return err.refusal;
    throw err;
  }
  throw new Error("expected a SteerError");
}

/** The user messages' texts of a model request, in order. */
function userTexts(body: unknown): string[] {
  const input = (body as { input: { type: string; role?: string; content?: { text?: string }[] }[] }).input;
  return input
    .filter((i) => i.type === "message" && i.role === "user")
    .map((i) => i.content?.[0]?.text ?? "")
    .filter((t) => !t.startsWith("<"));
}

/**
 * A response whose message streams its first word, then holds the rest until the client cuts the stream: a turn
 * that runs until the test steers or interrupts it, however slow the machine.
 */
function heldMessage(words: number) {
  const textOf = Array.from({ length: words }, (_, i) => `w${i} `).join("");
  return {
    kind: "sse" as const,
    // created, the message's output_item.added, its first delta.
    holdAfter: 3,
    events: [responses.created(), ...responses.message(textOf, "msg_slow", words), responses.completed()],
  };
}

describe("input added to a running turn (steer)", () => {
  it("cuts the streaming request short and asks again with the new input; the cut answer is dropped", async () => {
    fx.mock.enqueue(heldMessage(40), responses.turn(responses.message("answer to both", "msg_both")));
    const { conversation, rolloutPath } = await fx.manager.newConversation(
      await mockConfig({ home: fx.home, baseUrl: fx.mock.baseUrl, cwd: fx.work }),
    );
    const events: CoreEvent[] = [];
    conversation.subscribe((e) => events.push(e));
    const turnId = await conversation.submit({ type: "user_input", items: text("first") });
    await next(conversation, "agent_message_content_delta");
    expect(conversation.activeTurn()).toEqual({ id: turnId, kind: "regular" });
    const done = next(conversation, "task_complete");
    expect(conversation.steer(text("second"), { expectedTurnId: turnId, itemId: "steered-1" })).toBe(turnId);
    expect((await done).msg).toMatchObject({ last_agent_message: "answer to both" });

    expect(fx.mock.requests).toHaveLength(2);
    expect(userTexts(fx.mock.requests[1]!.body)).toEqual(["first", "second"]);
    // The steered input is announced as a user message item with the id given, after the cut stream.
    const userItems = events.filter((e) => e.msg.type === "item_completed" && "UserMessage" in e.msg.item);
    expect(
      userItems.map(
        (e) => e.msg.type === "item_completed" && "UserMessage" in e.msg.item && e.msg.item.UserMessage.id,
      ),
    ).toEqual([expect.any(String), "steered-1"]);
    // The cut message was started but never completed; it is neither in the history nor in the rollout.
    const completedMessages = events.flatMap((e) =>
      e.msg.type === "item_completed" && "AgentMessage" in e.msg.item ? [e.msg.item.AgentMessage.id] : [],
    );
    expect(completedMessages).toEqual(["msg_both"]);
    // Servers are told to drop it (the extension event), before the steered input is announced.
    const types: string[] = events.map((e) => e.msg.type);
    const discarded = types.indexOf("stream_items_discarded");
    expect(events[discarded]?.msg).toEqual({ type: "stream_items_discarded", item_ids: ["msg_slow"] });
    expect(discarded).toBeLessThan(events.indexOf(userItems[1]!));
    const rollout = await new SessionsStore(fx.home).loadHistory(rolloutPath);
    const texts = rollout.items.flatMap((i) =>
      i.type === "event_msg" && (i.payload.type === "user_message" || i.payload.type === "agent_message")
        ? [i.payload.message]
        : [],
    );
    expect(texts).toEqual(["first", "second", "answer to both"]);
    expect(conversation.activeTurn()).toBeNull();
  });

  it("input added while a tool waits is recorded after the tool's output, before the next request", async () => {
    fx.mock.enqueue(
      responses.turn(
        responses.functionCall("shell", { command: ["bash", "-lc", "echo hi > out.txt"] }, "call_1"),
      ),
      responses.turn(responses.message("done")),
    );
    const { conversation } = await fx.manager.newConversation(
      await mockConfig({
        home: fx.home,
        baseUrl: fx.mock.baseUrl,
        cwd: fx.work,
        overrides: ["approval_policy=untrusted", "sandbox_mode=danger-full-access"],
      }),
    );
    const asked = next(conversation, "exec_approval_request");
    const turnId = await conversation.submit({ type: "user_input", items: text("run it") });
    await asked;
    conversation.steer(text("and then stop"));
    const done = next(conversation, "task_complete");
    await conversation.submit({ type: "exec_approval", id: "call_1", decision: "approved" });
    expect((await done).id).toBe(turnId);
    expect(fx.mock.requests).toHaveLength(2);
    const input = (fx.mock.requests[1]!.body as { input: { type: string }[] }).input;
    expect(input.slice(-2).map((i) => i.type)).toEqual(["function_call_output", "message"]);
    expect(userTexts(fx.mock.requests[1]!.body).at(-1)).toBe("and then stop");
  });

  it("refuses without a running user turn, for another turn id, and empty input", async () => {
    fx.mock.enqueue(heldMessage(30));
    const { conversation } = await fx.manager.newConversation(
      await mockConfig({ home: fx.home, baseUrl: fx.mock.baseUrl, cwd: fx.work }),
    );
    expect(conversation.activeTurn()).toBeNull();
    expect(refusal(() => conversation.steer(text("x")))).toEqual({ kind: "no_active_turn" });
    const turnId = await conversation.submit({ type: "user_input", items: text("go") });
    await next(conversation, "agent_message_content_delta");
    expect(refusal(() => conversation.steer(text("x"), { expectedTurnId: "other" }))).toEqual({
      kind: "expected_turn_mismatch",
      expected: "other",
      actual: turnId,
    });
    expect(refusal(() => conversation.steer([], { expectedTurnId: turnId }))).toEqual({
      kind: "empty_input",
    });
    const aborted = next(conversation, "turn_aborted");
    await conversation.submit({ type: "interrupt" });
    // Once interrupted the turn takes no more input, and what it had queued goes with it.
    expect(refusal(() => conversation.steer(text("late")))).toEqual({ kind: "no_active_turn" });
    await aborted;
    expect(conversation.activeTurn()).toBeNull();
  });

  it("a compaction is running but cannot be steered", async () => {
    fx.mock.enqueue(heldMessage(20));
    const { conversation } = await fx.manager.newConversation(
      await mockConfig({ home: fx.home, baseUrl: fx.mock.baseUrl, cwd: fx.work }),
    );
    const started = next(conversation, "task_started");
    const id = await conversation.submit({ type: "compact" });
    await started;
    expect(conversation.activeTurn()).toEqual({ id, kind: "compact" });
    expect(refusal(() => conversation.steer(text("x")))).toEqual({
      kind: "not_steerable",
      turnKind: "compact",
    });
    await conversation.submit({ type: "interrupt" });
    await next(conversation, "turn_aborted");
  });
});
