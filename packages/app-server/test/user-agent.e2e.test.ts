import fs from "node:fs/promises";
import { type MockModelServer, responses, startMockModelServer } from "@codex-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppServerClient } from "./helpers/client.js";
import { mockCodexHome } from "./helpers/mock-home.js";

/**
 * A client's name goes into the User-Agent of every model request. One that a header cannot carry (`Zed ✓`) used
 * to make every turn fail with "Connection failed"; it is now sanitised the way Codex does it.
 */
let mock: MockModelServer;
const clients: AppServerClient[] = [];
const homes: string[] = [];

beforeAll(async () => {
  mock = await startMockModelServer([]);
});

afterAll(async () => {
  for (const c of clients) if (c.child.exitCode === null) c.child.kill();
  await mock.close();
  for (const home of homes) await fs.rm(home, { recursive: true, force: true });
});

describe("client names in the user agent", () => {
  it("a turn runs for a client named `Zed ✓`; the model provider gets the sanitised user agent", {
    timeout: 60_000,
  }, async () => {
    const codexHome = await mockCodexHome(mock.baseUrl, { prefix: "codex-e2e-ua-" });
    homes.push(codexHome);
    const c = await AppServerClient.start({ codexHome });
    clients.push(c);
    const init = await c.initialize("Zed ✓", "0.2\u0007");
    const userAgent = (init.result as { userAgent: string }).userAgent;
    expect(userAgent).toMatch(/^codex_cli_rs\/0\.58\.0 \([^)]+\) xterm \(Zed _; 0\.2_\)$/);
    expect((await c.call(1, "getUserAgent")).result).toEqual({ userAgent });

    mock.enqueue(responses.turn(responses.message("hello from the model")));
    const before = mock.requests.length;
    const thread = (await c.call(2, "thread/start", {})).result as { thread: { id: string } };
    await c.call(3, "turn/start", { threadId: thread.thread.id, input: [{ type: "text", text: "hi" }] });
    const completed = await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    expect(completed.params).toMatchObject({ turn: { status: "completed", error: null } });
    const request = mock.requests.slice(before).find((r) => r.path.endsWith("/responses"));
    expect(request?.headers["user-agent"]).toBe(userAgent);
    expect((await c.close()).code).toBe(0);
  });
});
