import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { AppServer, createHandlerTables } from "../src/index.js";

function lines(stream: PassThrough): () => Record<string, unknown>[] {
  let text = "";
  stream.on("data", (c: Buffer) => {
    text += c.toString();
  });
  return () =>
    text
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
}

describe("AppServer (in process)", () => {
  it("answers a line above the size limit with a clear error and keeps serving", async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const read = lines(stdout);
    const server = new AppServer({
      stdin,
      stdout,
      maxLineBytes: 4096,
      handlers: (s) => createHandlerTables(s, {}),
    });
    const done = server.run();
    stdin.write(
      `{"id":1,"method":"initialize","params":{"clientInfo":{"name":"${"n".repeat(10_000)}","version":"1"}}}\n`,
    );
    stdin.write('{"id":2,"method":"initialize","params":{"clientInfo":{"name":"n","version":"1"}}}\n');
    stdin.end();
    await done;
    const out = read();
    expect(out[0]).toEqual({
      error: { code: -32600, message: expect.stringContaining("exceeds the limit of 4096 bytes") },
      id: 1,
    });
    expect(out[1]).toMatchObject({ id: 2, result: { userAgent: expect.stringContaining("(n; 1)") } });
  });

  it("finishes in-flight requests and abandons pending server requests on shutdown", async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const read = lines(stdout);
    let approval: Promise<unknown> | undefined;
    const server = new AppServer({
      stdin,
      stdout,
      handlers: (s) => {
        const tables = createHandlerTables(s, {});
        return {
          ...tables,
          "0.58": {
            ...tables["0.58"],
            getUserAgent: async (_p, { peer }) => {
              approval = peer
                .request("execCommandApproval", {
                  conversationId: "00000000-0000-4000-8000-000000000000",
                  callId: "c",
                  command: ["true"],
                  cwd: "/",
                  parsedCmd: [],
                })
                .catch((e: Error) => e.message);
              return { userAgent: `waited: ${await approval}` };
            },
          },
        };
      },
    });
    const done = server.run();
    stdin.write('{"id":1,"method":"initialize","params":{"clientInfo":{"name":"n","version":"1"}}}\n');
    stdin.write('{"id":2,"method":"getUserAgent"}\n');
    while (server.peer.pendingCount === 0) await new Promise((r) => setImmediate(r));
    await server.shutdown();
    await done;
    expect(server.peer.pendingCount).toBe(0);
    expect(read().at(-1)).toEqual({ id: 2, result: { userAgent: "waited: app-server shutting down" } });
  });

  it("answers each request once: a handler's own response, then its later failure only logged", async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const logSink = new PassThrough();
    const read = lines(stdout);
    let logs = "";
    logSink.on("data", (c: Buffer) => {
      logs += c.toString();
    });
    const server = new AppServer({
      stdin,
      stdout,
      logSink,
      handlers: (s) => {
        const tables = createHandlerTables(s, {});
        return {
          ...tables,
          "0.58": {
            ...tables["0.58"],
            getUserAgent: async (_p, ctx) => {
              await ctx.respond({ userAgent: "early" });
              await expect(ctx.respond({ userAgent: "twice" })).rejects.toThrow("already written");
              throw new Error("after the response");
            },
          },
        };
      },
    });
    const done = server.run();
    stdin.write('{"id":1,"method":"initialize","params":{"clientInfo":{"name":"n","version":"1"}}}\n');
    stdin.write('{"id":2,"method":"getUserAgent"}\n');
    stdin.write('{"id":3,"method":"getUserAgent","params":{"x":1}}\n');
    stdin.end();
    await done;
    const out = read();
    expect(out.filter((m) => m.id === 2)).toEqual([{ id: 2, result: { userAgent: "early" } }]);
    expect(out.find((m) => m.id === 3)).toEqual({
      error: { code: -32600, message: "Invalid request: invalid type: map, expected unit" },
      id: 3,
    });
    expect(logs).toContain("getUserAgent failed after its response: after the response");
  });

  it("serves a method the server has no service for with a clear error", async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const read = lines(stdout);
    const server = new AppServer({ stdin, stdout, handlers: (s) => createHandlerTables(s, {}) });
    const done = server.run();
    stdin.write('{"id":1,"method":"initialize","params":{"clientInfo":{"name":"n","version":"1"}}}\n');
    stdin.write('{"id":2,"method":"thread/start","params":{}}\n');
    stdin.end();
    await done;
    expect(read().find((m) => m.id === 2)).toEqual({
      error: {
        code: -32603,
        message: "thread/start is not available: this server runs without an agent runtime",
      },
      id: 2,
    });
  });
});
