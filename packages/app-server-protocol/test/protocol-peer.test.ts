import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { JsonRpcPeer, PeerRequestError, ProtocolPeer, protocol058 } from "../src/index.js";

function setup() {
  const input = new PassThrough();
  const output = new PassThrough();
  const raw = new JsonRpcPeer({ input, output });
  void raw.run({ onRequest: () => {} });
  const peer = new ProtocolPeer(protocol058, raw);
  const sent: Record<string, unknown>[] = [];
  let partial = "";
  output.on("data", (chunk: Buffer) => {
    partial += chunk.toString();
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const l of lines) sent.push(JSON.parse(l));
  });
  const until = async (cond: () => boolean) => {
    while (!cond()) await new Promise((r) => setImmediate(r));
  };
  return { input, peer, sent, until };
}

const approval = {
  conversationId: "01a22bc6-a033-7712-9ff2-e1355f32171c",
  callId: "c1",
  command: ["ls"],
  cwd: "/",
  parsedCmd: [],
};

describe("ProtocolPeer", () => {
  it("sends typed notifications, as calls or messages, and v1 codex/event notifications", async () => {
    const t = setup();
    await t.peer.notify("authStatusChange", { authMethod: "apikey" });
    await t.peer.send({ method: "account/updated", params: { authMode: null } });
    await t.peer.event({ id: "0", msg: { type: "agent_message", message: "hi" }, conversationId: "c" });
    expect(t.sent).toEqual([
      { method: "authStatusChange", params: { authMethod: "apikey" } },
      { method: "account/updated", params: { authMode: null } },
      {
        method: "codex/event/agent_message",
        params: { id: "0", msg: { type: "agent_message", message: "hi" }, conversationId: "c" },
      },
    ]);
  });

  it("drops the notifications a client opted out of", async () => {
    const t = setup();
    t.peer.suppress(["account/updated"]);
    await t.peer.notify("account/updated", { authMode: null });
    await t.peer.notify("authStatusChange", { authMethod: null });
    expect(t.sent.map((m) => m.method)).toEqual(["authStatusChange"]);
  });

  it("decodes the client's answer to a server request; a malformed one rejects in serde's words", async () => {
    const t = setup();
    const good = t.peer.request("execCommandApproval", approval);
    const bad = t.peer.request("execCommandApproval", approval);
    await t.until(() => t.sent.length === 2);
    expect(t.sent[0]).toMatchObject({ id: 0, method: "execCommandApproval", params: approval });
    t.input.write('{"id":0,"result":{"decision":"approved"}}\n{"id":1,"result":{"decision":"maybe"}}\n');
    expect(await good).toEqual({ decision: "approved" });
    const err = await bad.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerRequestError);
    expect((err as Error).message).toBe(
      "invalid answer to execCommandApproval: unknown variant `maybe`, expected one of `approved`, `approved_for_session`, `denied`, `abort`",
    );
  });
});
