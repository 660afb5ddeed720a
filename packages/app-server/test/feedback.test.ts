import fs from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { startAppServer, tempDir } from "@codex-ts/test-support";
import { afterEach, describe, expect, it } from "vitest";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

const home = () => tempDir("codex-home-");

describe("feedback/upload", () => {
  it("writes a local bundle with logs under CODEX_HOME/feedback and uploads nothing by default", async () => {
    const codexHome = await home();
    const c = await startAppServer({ home: codexHome });
    cleanup.push(() => c.close());
    await c.initialize();
    await c.raw.send("not json, so there is a log line");
    const res = await c.request("feedback/upload", {
      classification: "bug",
      reason: "it broke",
      conversationId: null,
      includeLogs: true,
    });
    const threadId = res.threadId;
    expect(threadId).toMatch(/^[0-9a-f-]{36}$/);
    const bundles = (await fs.readdir(path.join(codexHome, "feedback"))).filter((n) => !n.startsWith("."));
    expect(bundles).toHaveLength(1);
    const dir = path.join(codexHome, "feedback", bundles[0] as string);
    expect((await fs.readdir(dir)).sort()).toEqual(["app-server.log", "feedback.json"]);
    const meta = JSON.parse(await fs.readFile(path.join(dir, "feedback.json"), "utf8"));
    expect(meta).toMatchObject({
      classification: "bug",
      reason: "it broke",
      threadId: null,
      includesLogs: true,
      includesRollout: false,
    });
    expect(meta.userAgent).toContain("(test-client; 1.2.3)");
    expect(await fs.readFile(path.join(dir, "app-server.log"), "utf8")).toContain(
      "Failed to deserialize JSONRPCMessage",
    );
    expect(await c.raw.call("no-logs", "feedback/upload", { classification: "bug" })).toMatchObject({
      error: { code: -32600, message: "Invalid request: missing field `includeLogs`" },
    });
  });

  it("uploads the bundle to the configured endpoint", async () => {
    const bodies: { files: Record<string, string> }[] = [];
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => {
        body += d;
      });
      req.on("end", () => {
        bodies.push(JSON.parse(body));
        res.end("{}");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanup.push(() => new Promise((r) => server.close(r)));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/feedback`;
    const c = await startAppServer({
      home: await home(),
      env: { CODEX_FEEDBACK_ENDPOINT: endpoint },
    });
    cleanup.push(() => c.close());
    await c.initialize();
    const res = await c.request("feedback/upload", {
      classification: "good",
      reason: null,
      conversationId: null,
      includeLogs: false,
    });
    expect(res).toHaveProperty("threadId");
    expect(bodies).toHaveLength(1);
    expect(Object.keys(bodies[0]?.files ?? {})).toEqual(["feedback.json"]);
  });
});
