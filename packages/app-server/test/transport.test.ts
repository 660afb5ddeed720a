import { errorOf, startAppServer } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * The framing and the handshake as a client sees them. Where a test is about the bytes (request ids of both kinds,
 * a `jsonrpc` member, malformed lines, requests the protocol does not allow) it writes them through the harness's
 * raw escape hatch; everything else goes through the typed client.
 */
const start = () => startAppServer();

describe("codex app-server transport and handshake", () => {
  it("refuses requests before initialize, answers initialize once, and reports the user agent", async () => {
    const c = await start();
    expect(await errorOf(c.request("getUserAgent"))).toEqual({ code: -32600, message: "Not initialized" });
    // The typed client sends `initialized` after the answer, as a client should.
    const { userAgent: ua } = await c.initialize({ name: "my client", version: "9.8" });
    expect(ua).toMatch(/^codex_cli_rs\/0\.58\.0 \([^;]+; [^)]+\) xterm \(my client; 9\.8\)$/);
    expect(await errorOf(c.request("initialize", { clientInfo: { name: "x", version: "1" } }))).toEqual({
      code: -32600,
      message: "Already initialized",
    });
    expect(c.sent.map((m) => m.method)).toEqual(["getUserAgent", "initialize", "initialized", "initialize"]);
    // Integer ids (the client's) and string ids are both echoed.
    expect(c.messages.map((m) => m.id)).toEqual(c.sent.filter((m) => m.id !== undefined).map((m) => m.id));
    expect(await c.raw.call("s2", "getUserAgent")).toEqual({ id: "s2", result: { userAgent: ua } });
    expect(await c.close()).toEqual({ code: 0, signal: null });
  });

  it("accepts a jsonrpc member on input but never writes one", async () => {
    const c = await start();
    await c.raw.send(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { clientInfo: { name: "a", version: "b" } },
      }),
    );
    const res = await c.waitFor((m) => m.id === 1);
    expect(res).not.toHaveProperty("jsonrpc");
    expect(res.result).toHaveProperty("userAgent");
  });

  it("survives every bad-input class with 0.58.0's codes and messages", async () => {
    const c = await start();
    // Decoding happens before the handshake check, as in 0.58.0.
    const unknown = await c.raw.call("1", "no/such");
    expect(unknown.error).toMatchObject({ code: -32600 });
    expect((unknown.error as { message: string }).message).toMatch(
      /^Invalid request: unknown variant `no\/such`, expected one of `initialize`, .*`model\/list`/,
    );
    expect(await c.raw.call("2", "model/list")).toEqual({
      error: { code: -32600, message: "Invalid request: missing field `params`" },
      id: "2",
    });
    expect(await c.raw.call("3", "initialize", {})).toEqual({
      error: {
        code: -32600,
        message: "Invalid request: missing field `clientInfo`",
        data: { path: "params.clientInfo" },
      },
      id: "3",
    });
    await c.initialize();
    for (const line of [
      "garbage",
      "[1,2]",
      '{"id":5}',
      '{"id":999,"result":{}}',
      '{"id":998,"error":{"code":1,"message":"x"}}',
    ])
      await c.raw.send(line);
    expect(await c.raw.call("4", "model/list", { limit: "ten" })).toEqual({
      error: {
        code: -32600,
        message: 'Invalid request: invalid type: string "ten", expected u32',
        data: { path: "params.limit" },
      },
      id: "4",
    });
    expect(await c.raw.call("5", "model/list", { limit: -1 })).toEqual({
      error: {
        code: -32600,
        message: "Invalid request: invalid value: integer `-1`, expected u32",
        data: { path: "params.limit" },
      },
      id: "5",
    });
    expect(await c.raw.call("6", "getUserAgent", { x: 1 })).toEqual({
      error: { code: -32600, message: "Invalid request: invalid type: map, expected unit" },
      id: "6",
    });
    await c.waitStderr("Failed to deserialize JSONRPCMessage");
    // Malformed lines and stray responses got no reply: only the seven answered requests are on stdout.
    const initId = c.sent.findLast((m) => m.method === "initialize")?.id;
    expect(c.messages.map((m) => m.id)).toEqual(["1", "2", "3", initId, "4", "5", "6"]);
    expect(c.stderr.match(/Failed to deserialize JSONRPCMessage/g)).toHaveLength(3);
    expect(await c.close()).toEqual({ code: 0, signal: null });
  });

  it("pages model/list with 0.58.0's models, efforts and cursor rules", async () => {
    const c = await start();
    await c.initialize();
    const all = await c.request("model/list", {});
    expect(all.data.map((m) => m.id)).toEqual(["gpt-5.1-codex", "gpt-5.1-codex-mini", "gpt-5.1"]);
    expect(all.nextCursor).toBeNull();
    expect(all.data[0]).toMatchObject({
      isDefault: true,
      defaultReasoningEffort: "medium",
      supportedReasoningEfforts: [
        { reasoningEffort: "low" },
        { reasoningEffort: "medium" },
        { reasoningEffort: "high" },
      ],
    });
    const first = await c.request("model/list", { limit: 1 });
    expect(first.data).toHaveLength(1);
    expect(first.nextCursor).toBe("1");
    const second = await c.request("model/list", { limit: 5, cursor: first.nextCursor });
    expect(second).toMatchObject({
      nextCursor: null,
      data: [{ id: "gpt-5.1-codex-mini" }, { id: "gpt-5.1" }],
    });
    expect(await errorOf(c.request("model/list", { cursor: "zz" }))).toEqual({
      code: -32600,
      message: "invalid cursor: zz",
    });
    expect(await errorOf(c.request("model/list", { cursor: "9" }))).toEqual({
      code: -32600,
      message: "cursor 9 exceeds total models 3",
    });
    expect(await c.request("model/list", { cursor: "3" })).toEqual({ data: [], nextCursor: null });
  });

  it("exits 0 on SIGTERM and SIGINT while stdin is still open", async () => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      const c = await start();
      await c.initialize();
      c.kill(signal);
      expect(await c.exited).toEqual({ code: 0, signal: null });
    }
  });
});
