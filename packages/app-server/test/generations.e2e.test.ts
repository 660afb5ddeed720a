import fs from "node:fs/promises";
import path from "node:path";
import { protocol0166, unknownMethodMessage } from "@codex-ts/app-server-protocol";
import { errorOf, type Message, startAppServer, tempDir } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * One server, two protocol generations, chosen per connection at `initialize` (a non-null `capabilities` member
 * means 0.166). Expected answers are the ones the real 0.166.0 binary gives for the same requests (the typed
 * client drives that binary too, in client-generations.e2e.test.ts).
 */
async function home(config = ""): Promise<string> {
  const codexHome = await tempDir("codex-e2e-gen-");
  await fs.writeFile(path.join(codexHome, "config.toml"), config);
  return codexHome;
}

/** Our server with a client that speaks 0.166 (not initialized yet). */
const start0166 = async (codexHome: string) => startAppServer({ home: codexHome, protocol: protocol0166 });

const clientInfo = { name: "acp", title: null, version: "2.6.0" };
const error = (m: Message) => m.error as { code: number; message: string };

describe("a 0.166 connection", () => {
  it("answers initialize with 0.166's fields", async () => {
    const codexHome = await home();
    const c = await start0166(codexHome);
    const init = await c.initialize(clientInfo, {
      experimentalApi: true,
      optOutNotificationMethods: ["thread/started"],
    });
    expect(init).toEqual({
      // The client is the originator on a 0.166 connection (0.166.0's `acp/0.166.0 (…)`).
      userAgent: expect.stringMatching(/^acp\/0\.58\.0 \([^)]+\) xterm \(acp; 2\.6\.0\)$/),
      codexHome: await fs.realpath(codexHome),
      platformFamily: process.platform === "win32" ? "windows" : "unix",
      platformOs:
        process.platform === "darwin" ? "macos" : process.platform === "win32" ? "windows" : process.platform,
    });
    expect(await errorOf(c.request("initialize", { clientInfo }))).toEqual({
      code: -32600,
      message: "Already initialized",
    });
    expect((await c.close()).code).toBe(0);
  });

  it("lists permission profiles: built-ins, then the configured ones by id, paged", async () => {
    const c = await start0166(
      await home(
        'default_permissions = ":workspace"\n[permissions.zeta]\ndescription = "Zeta profile"\n[permissions.alpha]\n',
      ),
    );
    await c.initialize(clientInfo, { experimentalApi: true });
    const builtIn = (id: string) => ({ id, description: null, allowed: true });
    const all = [
      builtIn(":read-only"),
      builtIn(":workspace"),
      builtIn(":danger-full-access"),
      { id: "alpha", description: null, allowed: true },
      { id: "zeta", description: "Zeta profile", allowed: true },
    ];
    // Each result is checked against 0.166's response schema by the client.
    const list = (params: { cursor?: string; limit?: number; cwd?: string }) =>
      c.request("permissionProfile/list", params);
    expect(await list({})).toEqual({ data: all, nextCursor: null });
    expect(await list({ limit: 2 })).toEqual({ data: all.slice(0, 2), nextCursor: "2" });
    expect(await list({ limit: 0, cursor: "2" })).toEqual({ data: all.slice(2, 3), nextCursor: "3" });
    expect(await list({ cursor: "+1", cwd: "/nowhere" })).toEqual({ data: all.slice(1), nextCursor: null });
    expect(await list({ cursor: "5" })).toEqual({ data: [], nextCursor: null });
    expect(await errorOf(list({ cursor: "6" }))).toEqual({
      code: -32600,
      message: "cursor 6 exceeds total permission profiles 5",
    });
    expect(await errorOf(list({ cursor: "x" }))).toEqual({ code: -32600, message: "invalid cursor: x" });
    // Params 0.166 does not allow: the raw escape hatch.
    expect(error(await c.raw.call("negative", "permissionProfile/list", { limit: -1 }))).toMatchObject({
      code: -32600,
      message: "Invalid request: invalid value: integer `-1`, expected u32",
    });
    expect(error(await c.raw.call("sequence", "permissionProfile/list", []))).toMatchObject({
      message:
        "Invalid request: invalid length 0, expected struct PermissionProfileListParams with 3 elements",
    });
    expect(error(await c.raw.call("none", "permissionProfile/list"))).toEqual({
      code: -32600,
      message: "Invalid request: missing field `params`",
    });
    await c.close();
  });

  it("speaks only 0.166's methods; a malformed initialize leaves the connection uninitialized", async () => {
    const c = await start0166(await home());
    const capabilities5 = await c.raw.call("init5", "initialize", { clientInfo, capabilities: 5 });
    expect(error(capabilities5)).toEqual({
      code: -32600,
      message: "Invalid request: invalid type: integer `5`, expected struct InitializeCapabilities",
      data: { path: "params.capabilities" },
    });
    expect(error(await c.raw.call("agent", "getUserAgent"))).toEqual({
      code: -32600,
      message: "Not initialized",
    });
    await c.initialize(clientInfo, { experimentalApi: true });
    expect(error(await c.raw.call("v1", "newConversation", {}))).toEqual({
      code: -32600,
      message: unknownMethodMessage(protocol0166, "newConversation"),
    });
    const unknown = error(await c.raw.call("v1-again", "newConversation", {})).message;
    expect(unknown).toContain("`turn/start`");
    expect(unknown).toContain("`skills/list`");
    expect(unknown).not.toContain("`getUserAgent`");
    await c.close();
  });
});

describe("a 0.58 connection", () => {
  it("sees 0.58.0 exactly: before initialize, and after one without (or with null) capabilities", async () => {
    const c = await startAppServer({ home: await home() });
    // Before the handshake the generation is unknown: requests are read as 0.58.0 reads them.
    expect(error(await c.raw.call("early", "permissionProfile/list", {})).message).toMatch(
      /^Invalid request: unknown variant `permissionProfile\/list`, expected one of `initialize`, `thread\/start`/,
    );
    // `capabilities: null` is not in 0.58.0's initialize: sent raw.
    const init = await c.raw.call("init", "initialize", { clientInfo, capabilities: null });
    expect(Object.keys(init.result as object)).toEqual(["userAgent"]);
    expect(error(await c.raw.call("late", "permissionProfile/list", {})).message).toMatch(
      /^Invalid request: unknown variant `permissionProfile\/list`, expected one of `initialize`, .*`execOneOffCommand`$/,
    );
    expect(await c.request("model/list", {})).toMatchObject({ nextCursor: null });
    await c.close();
  });
});
