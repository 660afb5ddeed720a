import fs from "node:fs/promises";
import path from "node:path";
import { type Protocol0166, protocol0166 } from "@codex-ts/app-server-protocol";
import {
  errorOf,
  type MockIssuer,
  startAppServer,
  startMockIssuer,
  type TestAppServer,
  tempDir,
} from "@codex-ts/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

/**
 * 0.166's device-code login (`account/login/start {type: "chatgptDeviceCode"}`, what codex-acp offers where no
 * browser can reach the machine) through the built CLI against the mock OAuth issuer on 127.0.0.1: the code and
 * where to enter it, then `account/login/completed` and `account/updated` once the user has; a cancel; an issuer
 * without device codes. (codex 0.166.0 cannot be pointed at a local issuer, so it is not run side by side here; the
 * shapes are its JSON Schema's, checked by the protocol registry on every message.)
 */
let issuer: MockIssuer;
let codexHome: string;
const cleanup: Array<() => unknown> = [];

beforeEach(async () => {
  issuer = await startMockIssuer();
  codexHome = await tempDir("codex-device-code-");
  await fs.writeFile(path.join(codexHome, "config.toml"), `chatgpt_base_url = "${issuer.chatgptBaseUrl}"\n`);
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  await issuer.close();
});

async function start(): Promise<TestAppServer<Protocol0166>> {
  const c = await startAppServer({
    home: codexHome,
    protocol: protocol0166,
    env: { CODEX_TS_AUTH_ISSUER: issuer.issuer },
  });
  cleanup.push(() => c.close());
  await c.initialize({ name: "device-code-test", version: "1.0" }, { experimentalApi: true });
  return c;
}

const notification = (c: TestAppServer<Protocol0166>, method: string) =>
  c.waitFor((m) => m.method === method && m.id === undefined, method);

describe("account/login/start chatgptDeviceCode (0.166)", () => {
  it("answers the code and where to enter it; once entered, the tokens are stored and the account reported", {
    timeout: 30_000,
  }, async () => {
    const c = await start();
    const res = await c.request("account/login/start", { type: "chatgptDeviceCode" });
    if (res.type !== "chatgptDeviceCode")
      throw new Error(`a device-code login answered ${JSON.stringify(res)}`);
    expect(res).toEqual({
      type: "chatgptDeviceCode",
      loginId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      verificationUrl: `${issuer.issuer}/codex/device`,
      userCode: "ABCD-1234",
    });
    // The mock issuer refuses the first poll (the user has not entered the code yet), then grants.
    expect((await notification(c, "account/login/completed")).params).toEqual({
      loginId: res.loginId,
      success: true,
      error: null,
      onboardingEntrypoint: null,
    });
    expect((await notification(c, "account/updated")).params).toEqual({
      authMode: "chatgpt",
      planType: "plus",
    });
    const stored = JSON.parse(await fs.readFile(path.join(codexHome, "auth.json"), "utf8"));
    expect(stored.tokens.account_id).toBe("acct-123");
    expect((await fs.stat(path.join(codexHome, "auth.json"))).mode & 0o777).toBe(0o600);
    expect(await c.request("account/read", {})).toEqual({
      account: { type: "chatgpt", email: "user@example.com", planType: "plus" },
      requiresOpenaiAuth: true,
      workspaceRouting: null,
    });
  });

  it("a cancel stops the polling: canceled, then completed without success; nothing is stored", {
    timeout: 30_000,
  }, async () => {
    issuer.deviceAuth.pendingPolls = 1_000;
    const c = await start();
    const res = await c.request("account/login/start", { type: "chatgptDeviceCode" });
    if (res.type !== "chatgptDeviceCode")
      throw new Error(`a device-code login answered ${JSON.stringify(res)}`);
    expect(await c.request("account/login/cancel", { loginId: res.loginId })).toEqual({ status: "canceled" });
    expect((await notification(c, "account/login/completed")).params).toEqual({
      loginId: res.loginId,
      success: false,
      error: "Login was not completed",
      onboardingEntrypoint: null,
    });
    expect(await c.request("account/login/cancel", { loginId: res.loginId })).toEqual({ status: "notFound" });
    await expect(fs.stat(path.join(codexHome, "auth.json"))).rejects.toThrow();
    expect(c.messages.some((m) => m.method === "account/updated")).toBe(false);
  });

  it("an issuer without device codes: a clear error, and no login runs", { timeout: 30_000 }, async () => {
    issuer.deviceAuth.enabled = false;
    const c = await start();
    const err = await errorOf(c.request("account/login/start", { type: "chatgptDeviceCode" }));
    expect(err).toEqual({
      code: -32603,
      message:
        "failed to request device code: device code login is not enabled for this Codex server. Use the browser login or verify the server URL.",
    });
    expect(c.messages.some((m) => m.method === "account/login/completed")).toBe(false);
  });
});
