import { afterEach, describe, expect, it } from "vitest";
import { AppServerClient } from "./helpers/client.js";

const clients: AppServerClient[] = [];
async function start(args?: string[]) {
  const c = await AppServerClient.start(args ? { args } : {});
  clients.push(c);
  return c;
}
afterEach(() => {
  for (const c of clients.splice(0)) if (c.child.exitCode === null) c.child.kill("SIGKILL");
});

describe("codex app-server transport and handshake", () => {
  it("refuses requests before initialize, answers initialize once, and reports the user agent", async () => {
    const c = await start();
    expect(await c.call(0, "getUserAgent")).toEqual({
      error: { code: -32600, message: "Not initialized" },
      id: 0,
    });
    const init = await c.initialize("my client", "9.8");
    const ua = (init.result as { userAgent: string }).userAgent;
    expect(ua).toMatch(/^codex_cli_rs\/0\.58\.0 \([^;]+; [^)]+\) xterm \(my client; 9\.8\)$/);
    expect(await c.call(1, "initialize", { clientInfo: { name: "x", version: "1" } })).toEqual({
      error: { code: -32600, message: "Already initialized" },
      id: 1,
    });
    c.send({ method: "initialized" });
    expect(await c.call("s2", "getUserAgent")).toEqual({ id: "s2", result: { userAgent: ua } });
    expect(await c.close()).toEqual({ code: 0, signal: null });
  });

  it("accepts a jsonrpc member on input but never writes one", async () => {
    const c = await start();
    c.send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { clientInfo: { name: "a", version: "b" } },
    });
    const res = await c.waitFor((m) => m.id === 1);
    expect(res).not.toHaveProperty("jsonrpc");
    expect(res.result).toHaveProperty("userAgent");
  });

  it("survives every bad-input class with 0.58.0's codes and messages", async () => {
    const c = await start();
    // Decoding happens before the handshake check, as in 0.58.0.
    const unknown = await c.call(1, "no/such");
    expect(unknown.error).toMatchObject({ code: -32600 });
    expect((unknown.error as { message: string }).message).toMatch(
      /^Invalid request: unknown variant `no\/such`, expected one of `initialize`, .*`model\/list`/,
    );
    expect(await c.call(2, "model/list")).toEqual({
      error: { code: -32600, message: "Invalid request: missing field `params`" },
      id: 2,
    });
    expect(await c.call(3, "initialize", {})).toEqual({
      error: {
        code: -32600,
        message: "Invalid request: missing field `clientInfo`",
        data: { path: "params.clientInfo" },
      },
      id: 3,
    });
    await c.initialize();
    c.sendRaw("garbage");
    c.sendRaw("[1,2]");
    c.sendRaw('{"id":5}');
    c.sendRaw('{"id":999,"result":{}}');
    c.sendRaw('{"id":998,"error":{"code":1,"message":"x"}}');
    expect(await c.call(4, "model/list", { limit: "ten" })).toEqual({
      error: {
        code: -32600,
        message: 'Invalid request: invalid type: string "ten", expected u32',
        data: { path: "params.limit" },
      },
      id: 4,
    });
    expect(await c.call(5, "model/list", { limit: -1 })).toEqual({
      error: {
        code: -32600,
        message: "Invalid request: invalid value: integer `-1`, expected u32",
        data: { path: "params.limit" },
      },
      id: 5,
    });
    expect(await c.call(6, "getUserAgent", { x: 1 })).toEqual({
      error: { code: -32600, message: "Invalid request: invalid type: map, expected unit" },
      id: 6,
    });
    await c.waitStderr("Failed to deserialize JSONRPCMessage");
    // Malformed lines and stray responses got no reply: only the seven answered requests are on stdout.
    expect(c.messages.map((m) => m.id)).toEqual([1, 2, 3, "init", 4, 5, 6]);
    expect(c.stderr.match(/Failed to deserialize JSONRPCMessage/g)).toHaveLength(3);
    expect(await c.close()).toEqual({ code: 0, signal: null });
  });

  it("pages model/list with 0.58.0's models, efforts and cursor rules", async () => {
    const c = await start();
    await c.initialize();
    const all = (await c.call(1, "model/list", {})).result as {
      data: { id: string }[];
      nextCursor: string | null;
    };
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
    const first = (await c.call(2, "model/list", { limit: 1 })).result as {
      data: unknown[];
      nextCursor: string;
    };
    expect(first.data).toHaveLength(1);
    expect(first.nextCursor).toBe("1");
    const second = (await c.call(3, "model/list", { limit: 5, cursor: first.nextCursor })).result;
    expect(second).toMatchObject({
      nextCursor: null,
      data: [{ id: "gpt-5.1-codex-mini" }, { id: "gpt-5.1" }],
    });
    expect(await c.call(4, "model/list", { cursor: "zz" })).toEqual({
      error: { code: -32600, message: "invalid cursor: zz" },
      id: 4,
    });
    expect(await c.call(5, "model/list", { cursor: "9" })).toEqual({
      error: { code: -32600, message: "cursor 9 exceeds total models 3" },
      id: 5,
    });
    expect((await c.call(6, "model/list", { cursor: "3" })).result).toEqual({ data: [], nextCursor: null });
  });

  it("exits 0 on SIGTERM and SIGINT while stdin is still open", async () => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      const c = await start();
      await c.initialize();
      c.child.kill(signal);
      expect(await c.exited).toEqual({ code: 0, signal: null });
    }
  });
});
