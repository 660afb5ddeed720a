import { readFile } from "node:fs/promises";
import { type MockModelServer, responses, startMockModelServer, tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  autoCompactTokenLimit,
  type ConversationManager,
  type CoreEvent,
  compactedHistory,
  historyFromRollout,
  modelContextWindow,
  truncateMiddle,
} from "../src/index.js";
import type { RolloutItem } from "../src/rollout/line.js";
import { mockConfig, testConversationManager } from "./helpers/mock-conversations.js";

const user = (text: string) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });
const assistant = (text: string) => ({
  type: "message",
  role: "assistant",
  content: [{ type: "output_text", text }],
});
const env = user("<environment_context>\n  <cwd>/old</cwd>\n</environment_context>");
const agents = user("# AGENTS.md instructions for /old\n\n<INSTRUCTIONS>\nBe nice.\n</INSTRUCTIONS>");
const developer = { type: "message", role: "developer", content: [{ type: "input_text", text: "dev" }] };
const fresh = [developer, user("<environment_context>\n  <cwd>/new</cwd>\n</environment_context>")];

describe("compacted history", () => {
  it("keeps initial context, the user's own messages and the summary; drops everything else", () => {
    const ghost = { type: "ghost_snapshot", ghost_commit: { id: "abc" } };
    const previous = [
      developer,
      agents,
      env,
      user("first"),
      assistant("answer"),
      { type: "function_call", name: "shell", arguments: "{}", call_id: "c1" },
      { type: "function_call_output", call_id: "c1", output: "ok" },
      ghost,
      { type: "message", role: "user", content: [{ type: "input_image", image_url: "data:" }] },
      user("second"),
    ];
    expect(compactedHistory(fresh, previous, "SUMMARY")).toEqual([
      ...fresh,
      user("first"),
      user("second"),
      user("SUMMARY"),
      ghost,
    ]);
    expect(compactedHistory(fresh, previous, "").at(-2)).toEqual(user("(no summary available)"));
  });

  it("keeps the newest user messages within 80000 bytes, middle-truncating the oldest one kept", () => {
    const old = user(`HEAD${"x".repeat(50_000)}MID${"y".repeat(50_000)}TAIL`);
    const oldest = user("dropped entirely");
    const history = compactedHistory([], [oldest, old, user("z".repeat(30_000))], "S");
    expect(history).toHaveLength(3);
    const kept = (history[0]!.content as { text: string }[])[0]!.text;
    expect(kept.startsWith("HEADxxx")).toBe(true);
    expect(kept.endsWith("yyyTAIL")).toBe(true);
    expect(kept).toMatch(/x…\d+ tokens truncated…\ny/);
    expect(kept).not.toContain("MID");
    // The budget left for it (50000 bytes) holds the kept text and the marker; the newline after it is extra.
    expect(Buffer.byteLength(kept)).toBe(50_001);
    expect((history[1]!.content as { text: string }[])[0]!.text).toHaveLength(30_000);
  });

  it("truncates on character boundaries and leaves short text alone", () => {
    expect(truncateMiddle("short", 10)).toBe("short");
    const cut = truncateMiddle("é".repeat(1000), 101);
    expect(cut).not.toContain("\uFFFD");
    expect(cut).toMatch(/^é+…\d+ tokens truncated…\né+$/);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(102);
  });

  it("rebuilds a resumed history at every compacted line with the initial context of now", () => {
    const items: RolloutItem[] = [
      ...[developer, env, user("q1"), assistant("a1")].map((payload) => ({ type: "response_item", payload })),
      { type: "turn_context", payload: {} },
      { type: "compacted", payload: { message: "S1" } },
      ...[assistant("a2"), user("q2"), assistant("a3")].map((payload) => ({
        type: "response_item",
        payload,
      })),
      { type: "compacted", payload: { message: "S2" } },
      { type: "response_item", payload: assistant("a4") },
    ] as RolloutItem[];
    // The first summary counts as a user message of the second compaction, as it did live.
    expect(historyFromRollout(items, () => fresh)).toEqual([
      ...fresh,
      user("q1"),
      user("S1"),
      user("q2"),
      user("S2"),
      assistant("a4"),
    ]);
  });
});

describe("model family defaults", () => {
  it("reports the context window and the auto-compact limit 0.58.0 uses", () => {
    expect(modelContextWindow({ model: "gpt-5-codex" })).toBe(258_400);
    expect(autoCompactTokenLimit({ model: "gpt-5-codex" })).toBe(244_800);
    expect(modelContextWindow({ model: "o3" })).toBe(190_000);
    expect(autoCompactTokenLimit({ model: "o3" })).toBe(180_000);
    expect(modelContextWindow({ model: "gpt-4.1" })).toBe(995_197);
    expect(autoCompactTokenLimit({ model: "gpt-4.1" })).toBe(942_818);
    expect(modelContextWindow({ model: "mystery-model" })).toBeNull();
    expect(autoCompactTokenLimit({ model: "mystery-model" })).toBeNull();
    expect(autoCompactTokenLimit({ model: "mystery-model", modelAutoCompactTokenLimit: 5 })).toBe(5);
    expect(modelContextWindow({ model: "gpt-5-codex", modelContextWindow: 1000 })).toBe(1000);
  });
});

describe("auto-compaction in the conversation runtime", () => {
  let home: string;
  let mock: MockModelServer;
  let manager: ConversationManager;

  beforeEach(async () => {
    home = await tempDir("codex-compact-home-");
    mock = await startMockModelServer();
    manager = testConversationManager(home);
  });
  afterEach(async () => {
    await manager.shutdownAll();
    await mock.close();
  });

  it("an interrupt during the compaction request aborts the turn and leaves history and rollout alone", async () => {
    const usage = { input_tokens: 495, output_tokens: 5, total_tokens: 500 };
    mock.enqueue(
      {
        kind: "sse",
        events: [responses.created(), ...responses.message("over"), responses.completed(usage)],
      },
      // The summary streams slowly, so the interrupt lands while the compaction request is running.
      {
        kind: "sse",
        events: [responses.created(), ...responses.message("SUMMARY"), responses.completed()],
        delayMs: 300,
      },
      responses.turn(responses.message("next turn")),
    );
    const config = await mockConfig({
      home,
      baseUrl: mock.baseUrl,
      cwd: home,
      overrides: ["model_auto_compact_token_limit=100"],
    });
    const { conversation, rolloutPath } = await manager.newConversation(config);
    const events: CoreEvent[] = [];
    conversation.subscribe((e) => events.push(e));
    const waitFor = async (pred: () => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!pred()) {
        if (Date.now() > deadline)
          throw new Error(
            `timed out; events: ${events.map((e) => e.msg.type).join(",")}; requests: ${mock.requests.length}`,
          );
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await conversation.submit({ type: "user_input", items: [{ type: "text", data: { text: "go" } }] });
    await waitFor(() => mock.requests.length === 2);
    await conversation.submit({ type: "interrupt" });
    await waitFor(() => events.some((e) => e.msg.type === "turn_aborted"));
    expect(events.map((e) => e.msg.type)).not.toContain("warning");

    await conversation.submit({ type: "user_input", items: [{ type: "text", data: { text: "again" } }] });
    await waitFor(() => events.some((e) => e.msg.type === "task_complete"));
    const input = (mock.requests[2]!.body as { input: { content: { text: string }[] }[] }).input;
    const texts = input.map((i) => i.content[0]!.text);
    expect(texts.slice(-3)).toEqual(["go", "over", "again"]);
    expect(await readFile(rolloutPath, "utf8")).not.toContain('"type":"compacted"');
  });
});
