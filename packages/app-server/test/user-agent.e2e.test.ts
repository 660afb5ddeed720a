import { responses, useAppServerSuite } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * A client's name goes into the User-Agent of every model request. One that a header cannot carry (`Zed ✓`) used
 * to make every turn fail with "Connection failed"; it is now sanitised the way Codex does it.
 */
const suite = useAppServerSuite();

describe("client names in the user agent", () => {
  it("a turn runs for a client named `Zed ✓`; the model provider gets the sanitised user agent", {
    timeout: 60_000,
  }, async () => {
    const c = await suite.start({ home: await suite.home({ prefix: "codex-e2e-ua-" }), initialize: false });
    const { userAgent } = await c.initialize({ name: "Zed ✓", title: null, version: "0.2\u0007" });
    expect(userAgent).toMatch(/^codex_cli_rs\/0\.58\.0 \([^)]+\) xterm \(Zed _; 0\.2_\)$/);
    expect(await c.request("getUserAgent")).toEqual({ userAgent });

    suite.mock.enqueue(responses.turn(responses.message("hello from the model")));
    const before = suite.mock.requests.length;
    const { thread } = await c.request("thread/start", {});
    await c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "hi" }] });
    const completed = await c.waitFor((m) => m.method === "turn/completed", "turn/completed");
    expect(completed.params).toMatchObject({ turn: { status: "completed", error: null } });
    const request = suite.mock.requests.slice(before).find((r) => r.path.endsWith("/responses"));
    expect(request?.headers["user-agent"]).toBe(userAgent);
    expect((await c.close()).code).toBe(0);
  });
});
