import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { declaredType, readInitialMessages } from "../src/rollout/events.js";
import { loadRollout } from "../src/rollout/history.js";
import { initialMessagesOf } from "../src/rollout/initial-messages.js";

/**
 * 0.58.0's `initialMessages` read without parsing the history lines (rollout/events.ts) are exactly those a whole
 * parse of the rollout gives, whatever the lines' layout.
 */
let dir: string;
beforeEach(async () => {
  dir = await tempDir("codex-events-");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const TS = "2026-12-06T10:00:00.000Z";
const record = (type: string, payload: object, extra: object = {}) =>
  JSON.stringify({ timestamp: TS, ...extra, type, payload });
const long = "x".repeat(200);

describe("declaredType", () => {
  it("reads the type of a line laid out as Codex writes it, with or without an ordinal", () => {
    expect(declaredType(Buffer.from(record("response_item", { type: "message", text: long })))).toBe(
      "response_item",
    );
    expect(
      declaredType(Buffer.from(record("event_msg", { type: "agent_message", m: long }, { ordinal: 42 }))),
    ).toBe("event_msg");
  });

  it("gives null (parse the line) for any other layout", () => {
    const other = [
      JSON.stringify({ type: "event_msg", timestamp: TS, payload: { m: long } }),
      JSON.stringify({ payload: { type: "response_item", m: long }, timestamp: TS, type: "event_msg" }),
      JSON.stringify({ timestamp: `${TS}\\"`, type: "response_item", payload: { m: long } }),
      `{"timestamp":"${TS}","type":"event\\u005fmsg","payload":{"m":"${long}"}}`,
      ` ${record("response_item", { m: long })}`,
      record("response_item", { m: "short" }),
    ];
    for (const line of other) expect(declaredType(Buffer.from(line)), line).toBeNull();
  });
});

describe("readInitialMessages", () => {
  it("keeps the events a whole parse keeps, in order, whatever their layout; skips item records", async () => {
    const lines = [
      record("session_meta", { id: "0199a213-81c0-7800-8aa1-bbab2a035a53", cwd: "/w", instructions: long }),
      record("response_item", {
        type: "message",
        role: "user",
        content: [{ type: "input_text", text: long }],
      }),
      record("event_msg", { type: "user_message", message: "first", images: [] }),
      record("turn_context", { cwd: "/w", model: "gpt-5", summary: long }),
      record("event_msg", { type: "agent_message", message: `reply ${long}` }, { ordinal: 7 }),
      // Laid out otherwise: parsed whole, kept by what it is.
      JSON.stringify({ type: "event_msg", timestamp: TS, payload: { type: "agent_reasoning", text: long } }),
      `{"timestamp":"${TS}","type":"event\\u005fmsg","payload":{"type":"warning","message":"${long}"}}`,
      record("event_msg", { type: "item_completed", item: { type: "AgentMessage", id: "a" }, pad: long }),
      record("response_item", { type: "function_call_output", call_id: "c", output: long.repeat(50) }),
      "{torn",
      "",
      record("event_msg", { type: "token_count", info: null, rate_limits: null }),
    ];
    const path = join(dir, "r.jsonl");
    await writeFile(path, `${lines.join("\n")}\n`);
    const whole = initialMessagesOf((await loadRollout(path)).items);
    expect(whole.map((e) => e.type)).toEqual([
      "user_message",
      "agent_message",
      "agent_reasoning",
      "warning",
      "token_count",
    ]);
    expect(await readInitialMessages(path)).toEqual(whole);
  });
});
