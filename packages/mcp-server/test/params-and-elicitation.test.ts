import { describe, expect, it } from "vitest";
import {
  approvalElicitation,
  decisionFrom,
  ParamsError,
  parseCodexReplyParams,
  parseCodexToolParams,
  parseConversationId,
} from "../src/index.js";

describe("codex tool arguments", () => {
  it("maps every argument to its typed field and ignores unknown keys", () => {
    expect(
      parseCodexToolParams({
        prompt: "p",
        model: "o3",
        profile: "fast",
        cwd: "sub",
        "approval-policy": "never",
        sandbox: "workspace-write",
        config: { "a.b": 1 },
        "base-instructions": "base",
        "developer-instructions": "dev",
        "compact-prompt": "compact",
        "include-plan-tool": true,
      }),
    ).toEqual({
      prompt: "p",
      model: "o3",
      profile: "fast",
      cwd: "sub",
      approvalPolicy: "never",
      sandbox: "workspace-write",
      config: { "a.b": 1 },
      baseInstructions: "base",
      developerInstructions: "dev",
      compactPrompt: "compact",
    });
  });

  it("accepts null for optional fields, like serde's Option", () => {
    expect(parseCodexToolParams({ prompt: "p", model: null, config: null })).toEqual({ prompt: "p" });
  });

  it.each([
    [[], "invalid type: sequence, expected struct CodexToolCallParam"],
    [{ prompt: null }, "invalid type: null, expected a string"],
    [{ prompt: true }, "invalid type: boolean `true`, expected a string"],
    [{ prompt: 1.5 }, "invalid type: floating point `1.5`, expected a string"],
    [{ prompt: {} }, "invalid type: map, expected a string"],
    [{ prompt: "p", sandbox: 5 }, "invalid type: integer `5`, expected string or map"],
    // serde reports problems in the order the fields arrive, and missing fields last.
    [
      { sandbox: "nope" },
      "unknown variant `nope`, expected one of `read-only`, `workspace-write`, `danger-full-access`",
    ],
  ])("rejects %j: %s", (args, message) => {
    expect(() => parseCodexToolParams(args)).toThrow(new ParamsError(message));
  });

  it("validates codex-reply arguments", () => {
    expect(parseCodexReplyParams({ conversationId: "c", prompt: "p" })).toEqual({
      conversationId: "c",
      prompt: "p",
    });
    expect(() => parseCodexReplyParams({ conversationId: 5, prompt: "p" })).toThrow(
      "invalid type: integer `5`, expected a string",
    );
  });
});

describe("conversation ids", () => {
  it("canonicalizes the UUID forms the uuid crate accepts", () => {
    const id = "0199a0a0-0000-7000-8000-00000000abcd";
    expect(parseConversationId(id.toUpperCase())).toBe(id);
    expect(parseConversationId(`urn:uuid:${id}`)).toBe(id);
    expect(parseConversationId(`{${id}}`)).toBe(id);
    expect(parseConversationId(id.replace(/-/g, ""))).toBe(id);
  });

  it.each([
    ["abc", "invalid length: expected length 32 for simple format, found 3"],
    [
      "urn:uuid:zz",
      "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `z` at 10",
    ],
    ["0199a0a0-0000-7000-8000", "invalid group count: expected 5, found 4"],
    ["0199a0a0-000-7000-8000-000000000000", "invalid group length in group 1: expected 4, found 3"],
  ])("rejects %s", (raw, message) => {
    expect(() => parseConversationId(raw)).toThrow(message);
  });
});

describe("approval elicitation", () => {
  const origin = { toolCallId: "7", eventId: "7" };

  it("asks about a patch with its changes, reason and grant root", () => {
    const changes = { "/w/a.txt": { add: { content: "hi\n" } } };
    expect(
      approvalElicitation(
        {
          type: "apply_patch_approval_request",
          call_id: "c1",
          changes,
          reason: "needs /x",
          grant_root: "/x",
        },
        origin,
      ),
    ).toEqual({
      message: "needs /x\nAllow Codex to apply proposed code changes?",
      requestedSchema: { properties: {}, type: "object" },
      codex_elicitation: "patch-approval",
      codex_mcp_tool_call_id: "7",
      codex_event_id: "7",
      codex_call_id: "c1",
      codex_reason: "needs /x",
      codex_grant_root: "/x",
      codex_changes: changes,
    });
    const plain = approvalElicitation(
      { type: "apply_patch_approval_request", call_id: "c1", changes, reason: null, grant_root: null },
      origin,
    );
    expect(plain.message).toBe("Allow Codex to apply proposed code changes?");
    expect(Object.keys(plain)).not.toContain("codex_reason");
  });

  it("quotes the command like shlex", () => {
    const params = approvalElicitation(
      {
        type: "exec_approval_request",
        call_id: "c2",
        command: ["echo", "it's here"],
        cwd: "/w",
        parsed_cmd: [],
      },
      origin,
    );
    expect(params.message).toBe("Allow Codex to run `echo 'it'\"'\"'s here'` in `/w`?");
  });

  it.each([
    [{ decision: "approved" }, "approved"],
    [{ decision: "approved_for_session" }, "approved_for_session"],
    [{ decision: "abort" }, "abort"],
    [{ decision: "yes please" }, "denied"],
    [{ action: "accept" }, "approved"],
    [{ action: "decline" }, "denied"],
    [{ action: "cancel" }, "denied"],
    [null, "denied"],
    ["approved", "denied"],
  ])("maps the answer %j to %s", (answer, decision) => {
    expect(decisionFrom(answer)).toBe(decision);
  });
});
