import { PassThrough } from "node:stream";
import { JsonRpcPeer, ProtocolPeer, protocol058 } from "@codex-ts/app-server-protocol";
import { describe, expect, it } from "vitest";
import { ApprovalBridge, type ApprovalOp } from "../src/index.js";

function harness() {
  const input = new PassThrough();
  const output = new PassThrough();
  const peer = new JsonRpcPeer({ input, output });
  void peer.run({ onRequest: () => {} });
  const sent: Record<string, unknown>[] = [];
  let text = "";
  output.on("data", (c: Buffer) => {
    text += c.toString();
    const lines = text.split("\n");
    text = lines.pop() ?? "";
    for (const l of lines) sent.push(JSON.parse(l));
  });
  const ops: ApprovalOp[] = [];
  const bridge = new ApprovalBridge(new ProtocolPeer(protocol058, peer), "conv-1", async (op) =>
    ops.push(op),
  );
  const until = async (cond: () => boolean) => {
    while (!cond()) await new Promise((r) => setImmediate(r));
  };
  return { input, peer, sent, ops, bridge, until };
}

describe("ApprovalBridge", () => {
  it("asks the client with 0.58.0's request shapes and submits its decisions as ops", async () => {
    const h = harness();
    expect(h.bridge.handle({ id: "0", msg: { type: "agent_message", message: "x" } })).toBe(false);
    h.bridge.handle({
      id: "0",
      msg: {
        type: "exec_approval_request",
        call_id: "call_1",
        command: ["bash", "-lc", "touch x"],
        cwd: "/w",
        reason: null,
        risk: null,
        parsed_cmd: [{ type: "unknown", cmd: "touch x" }],
      },
    });
    h.bridge.handle({
      id: "0",
      msg: {
        type: "apply_patch_approval_request",
        call_id: "call_2",
        changes: { "/w/a": { add: { content: "a" } } },
        reason: "why",
        grant_root: null,
      },
    });
    await h.until(() => h.sent.length === 2);
    expect(h.sent[0]).toEqual({
      id: 0,
      method: "execCommandApproval",
      params: {
        conversationId: "conv-1",
        callId: "call_1",
        command: ["bash", "-lc", "touch x"],
        cwd: "/w",
        reason: null,
        risk: null,
        parsedCmd: [{ type: "unknown", cmd: "touch x" }],
      },
    });
    expect(h.sent[1]).toEqual({
      id: 1,
      method: "applyPatchApproval",
      params: {
        conversationId: "conv-1",
        callId: "call_2",
        fileChanges: { "/w/a": { add: { content: "a" } } },
        reason: "why",
        grantRoot: null,
      },
    });
    h.input.write(
      '{"id":1,"result":{"decision":"approved_for_session"}}\n{"id":0,"result":{"decision":"approved"}}\n',
    );
    await h.until(() => h.ops.length === 2);
    expect(h.ops).toEqual([
      { type: "patch_approval", id: "call_2", decision: "approved_for_session" },
      { type: "exec_approval", id: "call_1", decision: "approved" },
    ]);
  });

  it("treats an error answer, a bad decision and an abandoned request as denied, leaving nothing pending", async () => {
    const h = harness();
    for (const call of ["a", "b", "c"]) {
      h.bridge.handle({
        id: "0",
        msg: { type: "exec_approval_request", call_id: call, command: ["x"], cwd: "/", parsed_cmd: [] },
      });
    }
    await h.until(() => h.sent.length === 3);
    h.input.write(
      '{"id":0,"error":{"code":-1,"message":"client failed"}}\n{"id":1,"result":{"decision":"maybe"}}\n',
    );
    await h.until(() => h.ops.length === 2);
    expect(h.bridge.abandon("turn interrupted")).toBe(1);
    await h.until(() => h.ops.length === 3);
    expect(h.ops.map((o) => [o.id, o.decision])).toEqual([
      ["a", "denied"],
      ["b", "denied"],
      ["c", "denied"],
    ]);
    expect(h.peer.pendingCount).toBe(0);
  });
});
