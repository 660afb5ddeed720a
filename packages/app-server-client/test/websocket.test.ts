import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { listenWebSocket, type TransportListener } from "@codex-ts/app-server-protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppServerClient, HandshakeRefusedError } from "../src/index.js";

/**
 * `AppServerClient.connect` over WebSocket (TCP and unix socket) against the protocol package's listener with a
 * small stand-in server behind it that answers each request with its method and the connection's number. The client against the real server is tested in packages/app-server
 * (listen.e2e.test.ts).
 */
let dir: string;
const listeners: TransportListener[] = [];
let connections = 0;

function standIn(target: Parameters<typeof listenWebSocket>[0]["target"]) {
  return listenWebSocket({
    target,
    authorize: (req) =>
      req.headers.authorization === "Bearer right-token"
        ? { ok: true }
        : { ok: false, reason: "invalid token" },
    onConnection: (conn) => {
      const n = ++connections;
      const lines = createInterface({ input: conn.input });
      lines.on("line", (line) => {
        const m = JSON.parse(line) as { id?: number; method?: string };
        if (m.id !== undefined && m.method)
          conn.output.write(
            `${JSON.stringify({ id: m.id, result: { userAgent: `${m.method} on ${n}` } })}\n`,
          );
      });
    },
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "codex-client-ws-"));
  listeners.push(await standIn({ kind: "ws", host: "127.0.0.1", port: 0 }));
  listeners.push(await standIn({ kind: "unix", socketPath: path.join(dir, "s.sock") }));
});
afterAll(async () => {
  await Promise.all(listeners.map((l) => l.close()));
  await rm(dir, { recursive: true, force: true });
});

describe("AppServerClient.connect", () => {
  it("speaks one message per frame over ws:// and unix://, with the bearer token, and closes cleanly", async () => {
    for (const listener of listeners) {
      const c = await AppServerClient.connect(listener.url, { token: "right-token" });
      const init = await c.initialize({ name: "ws-test", version: "0.1" });
      expect(init.userAgent).toMatch(/^initialize on \d+$/);
      const asked = await c.request("getUserAgent");
      expect(asked.userAgent).toMatch(/^getUserAgent on \d+$/);
      expect(await c.close()).toEqual({ code: 1000, signal: null });
    }
  });

  it("rejects with HandshakeRefusedError when the token is wrong or missing", async () => {
    const url = listeners[0]?.url as string;
    for (const token of ["wrong-token", undefined]) {
      const err = await AppServerClient.connect(url, { token }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HandshakeRefusedError);
      expect(err).toMatchObject({ status: 401, reason: "invalid token" });
    }
  });

  it("refuses URLs it cannot connect to", async () => {
    await expect(AppServerClient.connect("http://127.0.0.1:1")).rejects.toThrow(/unsupported app server URL/);
    await expect(AppServerClient.connect("unix://relative.sock")).rejects.toThrow(/absolute socket path/);
  });
});
