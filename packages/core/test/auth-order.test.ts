import { readFile, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import type { AuthMode } from "../src/index.js";
import { useAuthFixtures } from "./helpers/auth-fixtures.js";

// Issue 14 rows 4 and 21 at the AuthManager API: changes are applied in arrival order, a refresh never saves
// over a newer record or after a logout, and login starts are serialised (the app-server e2e suite drives the
// same through the CLI).

const fx = useAuthFixtures("codex-auth-order-");
const { manager, authFile } = fx;
const stored = async () =>
  JSON.parse(await readFile(authFile(), "utf8").catch(() => "null")) as Record<string, unknown> | null;

/** ChatGPT tokens last refreshed 30 days ago (Codex refreshes after 8), so the next token request refreshes them. */
async function seedStaleChatGpt() {
  const tokens = fx.issuer.issueTokens();
  await writeFile(
    authFile(),
    JSON.stringify({
      OPENAI_API_KEY: null,
      tokens: { ...tokens, account_id: "acct-1" },
      last_refresh: new Date(Date.now() - 30 * 24 * 3600_000).toISOString(),
    }),
    { mode: 0o600 },
  );
  return tokens;
}

describe("auth changes are applied in arrival order", () => {
  it("loginApiKey then logout, sent together: logged out, every time", async () => {
    const m = manager();
    for (let i = 0; i < 20; i++) {
      await Promise.all([m.loginApiKey(`sk-${i}`), m.logout()]);
      await expect(stat(authFile())).rejects.toMatchObject({ code: "ENOENT" });
    }
  });

  it("logout then loginApiKey, sent together: logged in with that key; events follow the same order", async () => {
    const m = manager();
    const seen: Array<AuthMode | null> = [];
    m.on("changed", (mode) => seen.push(mode));
    for (let i = 0; i < 10; i++) {
      await Promise.all([m.logout(), m.loginApiKey(`sk-${i}`)]);
      expect(await stored()).toEqual({ OPENAI_API_KEY: `sk-${i}` });
    }
    expect(seen).toEqual(Array.from({ length: 10 }, () => [null, "apikey"]).flat());
  });

  it("a refresh that finishes after a logout does not bring the credentials back", async () => {
    await seedStaleChatGpt();
    const m = manager();
    const gate = fx.issuer.pauseTokenEndpoint();
    const refresh = m.refresh();
    await gate.arrived;
    await m.logout();
    gate.release();
    await refresh;
    await expect(stat(authFile())).rejects.toMatchObject({ code: "ENOENT" });
    expect(await m.current()).toBeNull();
  });

  it("a refresh that finishes after an API-key login does not save over it", async () => {
    await seedStaleChatGpt();
    const m = manager();
    const auth = await m.current();
    const gate = fx.issuer.pauseTokenEndpoint();
    const token = auth?.getToken();
    await gate.arrived;
    await m.loginApiKey("sk-newer");
    gate.release();
    await token;
    expect(await stored()).toEqual({ OPENAI_API_KEY: "sk-newer" });
  });

  it("a refresh that finds the credentials changed by another process keeps theirs", async () => {
    await seedStaleChatGpt();
    const m = manager();
    const gate = fx.issuer.pauseTokenEndpoint();
    const refresh = m.refresh();
    await gate.arrived;
    // Another Codex process logs in with a key meanwhile.
    await writeFile(authFile(), JSON.stringify({ OPENAI_API_KEY: "sk-other-process" }), { mode: 0o600 });
    gate.release();
    await refresh;
    expect(await stored()).toEqual({ OPENAI_API_KEY: "sk-other-process" });
  });

  it("a refresh with nothing in between is saved", async () => {
    const seeded = await seedStaleChatGpt();
    await manager().refresh();
    const after = (await stored()) as { tokens: { refresh_token: string }; last_refresh: string };
    expect(after.tokens.refresh_token).not.toBe(seeded.refresh_token);
    expect(Date.now() - Date.parse(after.last_refresh)).toBeLessThan(60_000);
  });
});

describe("login starts are serialised", () => {
  async function freePort(): Promise<number> {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const { port } = s.address() as { port: number };
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  }

  it("50 logins started at once on Codex's fixed-port setup all start; each cancels the one before", async () => {
    const port = await freePort();
    const m = manager({ loginPort: port });
    const logins = await Promise.all(Array.from({ length: 50 }, () => m.startChatGptLogin()));
    expect(new Set(logins.map((l) => l.loginId)).size).toBe(50);
    for (const login of logins.slice(0, -1)) {
      expect(await login.done).toEqual({ success: false, error: "Login server error: Login cancelled" });
    }
    // The last one is the running login, on the configured port, and answers there.
    const last = logins.at(-1);
    expect(new URL(last?.authUrl ?? "").searchParams.get("redirect_uri")).toBe(
      `http://localhost:${port}/auth/callback`,
    );
    const cancel = await fetch(`http://127.0.0.1:${port}/cancel`);
    expect(await cancel.text()).toBe("Login cancelled");
    expect(await last?.done).toEqual({ success: false, error: "Login server error: Login cancelled" });
  });
});
