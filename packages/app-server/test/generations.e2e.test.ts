import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { protocol0166, unknownMethodMessage } from "@codex-ts/app-server-protocol";
import { afterAll, describe, expect, it } from "vitest";
import { AppServerClient, type Message } from "./helpers/client.js";

/**
 * One server, two protocol generations, chosen per connection at `initialize` (a non-null `capabilities` member
 * means 0.166). Expected answers are the ones the real 0.166.0 binary gives for the same requests (run by hand:
 * it reaches for the network at start, so tests do not spawn it).
 */
const clients: AppServerClient[] = [];
const homes: string[] = [];

afterAll(async () => {
  for (const c of clients) if (c.child.exitCode === null) c.child.kill();
  for (const home of homes) await fs.rm(home, { recursive: true, force: true });
});

async function start(config = ""): Promise<{ c: AppServerClient; codexHome: string }> {
  const codexHome = await fs.mkdtemp(path.join(os.tmpdir(), "codex-e2e-gen-"));
  homes.push(codexHome);
  await fs.writeFile(path.join(codexHome, "config.toml"), config);
  const c = await AppServerClient.start({ codexHome });
  clients.push(c);
  return { c, codexHome };
}

const clientInfo = { name: "acp", title: null, version: "2.6.0" };
const init0166 = (c: AppServerClient, capabilities: unknown = { experimentalApi: true }) =>
  c.call("init", "initialize", { clientInfo, capabilities });
const error = (m: Message) => m.error as { code: number; message: string };

describe("a 0.166 connection", () => {
  it("answers initialize with 0.166's fields", async () => {
    const { c, codexHome } = await start();
    const init = await init0166(c, { experimentalApi: true, optOutNotificationMethods: ["thread/started"] });
    const result = protocol0166.requests.initialize.response.parse(init.result);
    expect(result).toEqual({
      userAgent: expect.stringMatching(/^codex_cli_rs\/0\.58\.0 \([^)]+\) xterm \(acp; 2\.6\.0\)$/),
      codexHome: await fs.realpath(codexHome),
      platformFamily: process.platform === "win32" ? "windows" : "unix",
      platformOs:
        process.platform === "darwin" ? "macos" : process.platform === "win32" ? "windows" : process.platform,
    });
    expect(error(await c.call(1, "initialize", { clientInfo }))).toEqual({
      code: -32600,
      message: "Already initialized",
    });
    expect((await c.close()).code).toBe(0);
  });

  it("lists permission profiles: built-ins, then the configured ones by id, paged", async () => {
    const { c } = await start(
      'default_permissions = ":workspace"\n[permissions.zeta]\ndescription = "Zeta profile"\n[permissions.alpha]\n',
    );
    await init0166(c);
    const builtIn = (id: string) => ({ id, description: null, allowed: true });
    const all = [
      builtIn(":read-only"),
      builtIn(":workspace"),
      builtIn(":danger-full-access"),
      { id: "alpha", description: null, allowed: true },
      { id: "zeta", description: "Zeta profile", allowed: true },
    ];
    const list = async (id: number, params: unknown) => {
      const m = await c.call(id, "permissionProfile/list", params);
      if (m.result) protocol0166.requests["permissionProfile/list"].response.parse(m.result);
      return m.result ?? m.error;
    };
    expect(await list(1, {})).toEqual({ data: all, nextCursor: null });
    expect(await list(2, { limit: 2 })).toEqual({ data: all.slice(0, 2), nextCursor: "2" });
    expect(await list(3, { limit: 0, cursor: "2" })).toEqual({ data: all.slice(2, 3), nextCursor: "3" });
    expect(await list(4, { cursor: "+1", cwd: "/nowhere" })).toEqual({
      data: all.slice(1),
      nextCursor: null,
    });
    expect(await list(5, { cursor: "5" })).toEqual({ data: [], nextCursor: null });
    expect(await list(6, { cursor: "6" })).toEqual({
      code: -32600,
      message: "cursor 6 exceeds total permission profiles 5",
    });
    expect(await list(7, { cursor: "x" })).toEqual({ code: -32600, message: "invalid cursor: x" });
    expect(await list(8, { limit: -1 })).toMatchObject({
      code: -32600,
      message: "Invalid request: invalid value: integer `-1`, expected u32",
    });
    expect(await list(9, [])).toMatchObject({
      message:
        "Invalid request: invalid length 0, expected struct PermissionProfileListParams with 3 elements",
    });
    expect(await list(10, undefined)).toEqual({
      code: -32600,
      message: "Invalid request: missing field `params`",
    });
    await c.close();
  });

  it("speaks only 0.166's methods; a malformed initialize leaves the connection uninitialized", async () => {
    const { c } = await start();
    expect(error(await init0166(c, 5))).toEqual({
      code: -32600,
      message: "Invalid request: invalid type: integer `5`, expected struct InitializeCapabilities",
      data: { path: "params.capabilities" },
    });
    expect(error(await c.call(1, "getUserAgent"))).toEqual({ code: -32600, message: "Not initialized" });
    await init0166(c);
    expect(error(await c.call(2, "newConversation", {}))).toEqual({
      code: -32600,
      message: unknownMethodMessage(protocol0166, "newConversation"),
    });
    expect(error(await c.call(3, "newConversation", {})).message).toContain("`turn/start`");
    await c.close();
  });
});

describe("a 0.58 connection", () => {
  it("sees 0.58.0 exactly: before initialize, and after one without (or with null) capabilities", async () => {
    const { c } = await start();
    // Before the handshake the generation is unknown: requests are read as 0.58.0 reads them.
    expect(error(await c.call(1, "permissionProfile/list", {})).message).toMatch(
      /^Invalid request: unknown variant `permissionProfile\/list`, expected one of `initialize`, `thread\/start`/,
    );
    const init = await c.call("init", "initialize", { clientInfo, capabilities: null });
    expect(Object.keys(init.result as object)).toEqual(["userAgent"]);
    expect(error(await c.call(2, "permissionProfile/list", {})).message).toMatch(
      /^Invalid request: unknown variant `permissionProfile\/list`, expected one of `initialize`, .*`execOneOffCommand`$/,
    );
    expect((await c.call(3, "model/list", {})).result).toMatchObject({ nextCursor: null });
    await c.close();
  });
});
