import { PassThrough } from "node:stream";
import { connectInProcess, errorOf, type TestAppServer } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { AppServer, type AppServerOptions, createHandlerTables } from "../src/index.js";

/**
 * The AppServer in this process, on PassThrough streams, driven by the harness client (`connectInProcess`): typed
 * requests, and the raw escape hatch for params no typed request can carry.
 */
function serve(options: Omit<AppServerOptions, "stdin" | "stdout">): {
  server: AppServer;
  c: TestAppServer;
  done: Promise<void>;
} {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const server = new AppServer({ stdin, stdout, ...options });
  const c = connectInProcess({ stdin, stdout });
  return { server, c, done: server.run() };
}

const CLIENT = { name: "n", version: "1" };

describe("AppServer (in process)", () => {
  it("answers a line above the size limit with a clear error and keeps serving", async () => {
    const { c, done } = serve({ maxLineBytes: 4096, handlers: (s) => createHandlerTables(s, {}) });
    expect(await errorOf(c.initialize({ name: "n".repeat(10_000), version: "1" }))).toEqual({
      code: -32600,
      message: expect.stringContaining("exceeds the limit of 4096 bytes"),
    });
    expect((await c.initialize(CLIENT)).userAgent).toContain("(n; 1)");
    await c.close();
    await done;
  });

  it("finishes in-flight requests and abandons pending server requests on shutdown", async () => {
    let approval: Promise<unknown> | undefined;
    const { server, c, done } = serve({
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
    await c.initialize(CLIENT);
    // The harness holds the approval request: the handler waits until the server shuts down.
    const userAgent = c.request("getUserAgent");
    await c.waitFor((m) => m.method === "execCommandApproval", "the approval request");
    expect(server.peer.pendingCount).toBe(1);
    await server.shutdown();
    await done;
    expect(server.peer.pendingCount).toBe(0);
    expect(await userAgent).toEqual({ userAgent: "waited: app-server shutting down" });
    await c.close();
  });

  it("answers each request once: a handler's own response, then its later failure only logged", async () => {
    const logSink = new PassThrough();
    let logs = "";
    logSink.on("data", (chunk: Buffer) => {
      logs += chunk.toString();
    });
    const { c, done } = serve({
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
    await c.initialize(CLIENT);
    expect(await c.request("getUserAgent")).toEqual({ userAgent: "early" });
    // Params a method without params cannot take: only raw.
    expect(await c.raw.call("with-params", "getUserAgent", { x: 1 })).toEqual({
      error: { code: -32600, message: "Invalid request: invalid type: map, expected unit" },
      id: "with-params",
    });
    await c.close();
    await done;
    const answers = c.messages.filter(
      (m) => c.answeredMethod(m) === "getUserAgent" && m.id !== "with-params",
    );
    expect(answers).toEqual([{ id: expect.any(Number), result: { userAgent: "early" } }]);
    expect(logs).toContain("getUserAgent failed after its response: after the response");
  });

  it("serves a method the server has no service for with a clear error", async () => {
    const { c, done } = serve({ handlers: (s) => createHandlerTables(s, {}) });
    await c.initialize(CLIENT);
    expect(await errorOf(c.request("thread/start", {}))).toEqual({
      code: -32603,
      message: "thread/start is not available: this server runs without an agent runtime",
    });
    await c.close();
    await done;
  });
});
