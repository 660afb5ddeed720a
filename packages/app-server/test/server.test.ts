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
});
