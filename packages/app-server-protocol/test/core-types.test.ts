import { describe, expect, it } from "vitest";
import {
  AskForApproval,
  EventMsg,
  ExecCommandBeginEvent,
  FileChange,
  InputItem,
  ParsedCommand,
  ResponseInputItem,
  ResponseItem,
  ReviewDecision,
  SandboxPolicy,
  SessionConfiguredEvent,
  TokenUsageInfo,
  v1Definitions,
  v2,
} from "../src/index.js";

describe("core event model (snake_case wire shape of 0.58.0)", () => {
  it("parses an exec_command_begin event and rejects a missing field", () => {
    const msg = {
      type: "exec_command_begin",
      call_id: "call_1",
      command: ["bash", "-lc", "ls"],
      cwd: "/tmp",
      parsed_cmd: [{ type: "list_files", cmd: "ls", path: null }],
    };
    expect(EventMsg.parse(msg)).toEqual(msg);
    const { call_id: _drop, ...payload } = msg;
    const bad = ExecCommandBeginEvent.safeParse(payload);
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(["call_id"]);
  });

  it("accepts session_configured with nested initial_messages (recursive EventMsg)", () => {
    const ev = {
      type: "session_configured",
      session_id: "67e55044-10b1-426f-9247-bb680e5fe0c8",
      model: "gpt-5-codex",
      history_log_id: 1,
      history_entry_count: 0,
      rollout_path: "/tmp/r.jsonl",
      initial_messages: [{ type: "agent_message", message: "hi" }],
    };
    expect(EventMsg.parse(ev)).toEqual(ev);
    const { type: _t, ...payload } = ev;
    expect(SessionConfiguredEvent.parse(payload).initial_messages?.[0]).toEqual({
      type: "agent_message",
      message: "hi",
    });
    expect(EventMsg.safeParse({ ...ev, initial_messages: [{ type: "nope" }] }).success).toBe(false);
  });

  it("covers every EventMsg tag that 0.58.0 emits", () => {
    for (const tag of ["shutdown_complete", "task_started", "token_count", "plan_update", "turn_aborted"]) {
      const found = EventMsg.options.some((o) => o.shape.type.options.includes(tag as never));
      expect(found, tag).toBe(true);
    }
    expect(EventMsg.options.length).toBe(46);
  });

  it("validates model items, policies and decisions", () => {
    expect(
      ResponseItem.parse({ type: "message", role: "user", content: [{ type: "input_text", text: "x" }] }),
    ).toBeTruthy();
    expect(
      ResponseInputItem.parse({ type: "function_call_output", call_id: "c", output: { content: "ok" } }),
    ).toBeTruthy();
    expect(
      SandboxPolicy.parse({ mode: "workspace-write", writable_roots: [], network_access: false }),
    ).toBeTruthy();
    expect(SandboxPolicy.safeParse({ mode: "readOnly" }).success).toBe(false); // v1 is kebab-case
    expect(v2.SandboxPolicy.parse({ mode: "readOnly" })).toEqual({ mode: "readOnly" });
    for (const p of ["untrusted", "on-failure", "on-request", "never"])
      expect(AskForApproval.parse(p)).toBe(p);
    expect(AskForApproval.safeParse("onRequest").success).toBe(false);
    expect(ReviewDecision.parse("approved_for_session")).toBe("approved_for_session");
    expect(FileChange.parse({ add: { content: "x" } })).toEqual({ add: { content: "x" } });
    expect(FileChange.safeParse({ add: { content: "x" }, extra: 1 }).success).toBe(false);
    expect(ParsedCommand.parse({ type: "unknown", cmd: "make" })).toBeTruthy();
    expect(InputItem.parse({ type: "text", data: { text: "hi" } })).toBeTruthy();
    const usage = {
      input_tokens: 1,
      cached_input_tokens: 0,
      output_tokens: 2,
      reasoning_output_tokens: 0,
      total_tokens: 3,
    };
    expect(TokenUsageInfo.parse({ total_token_usage: usage, last_token_usage: usage })).toBeTruthy();
  });

  it("keeps v1 and v2 definitions apart (140 root + 85 v2 named in 0.58.0)", () => {
    expect(Object.keys(v1Definitions).length).toBe(140);
    expect(Object.keys(v2.v2Definitions).length).toBe(86); // 85 + SandboxPolicy the reference forgot to define
  });
});
