import { execFile, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { REFERENCE_CODEX_BIN, realKeyringAvailable, tempDir } from "@codex-ts/test-support";
import { AsyncEntry } from "@napi-rs/keyring";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type AuthRecord,
  AuthStorageError,
  createAuthStore,
  KEYRING_SERVICE,
  keyringAccount,
  type StoreMode,
} from "../src/index.js";

const run = promisify(execFile);

const hasKeyring = await realKeyringAvailable(
  (account) => new AsyncEntry("codex-ts-probe", account, { linux: { store: "secret-service" } }),
);
if (!hasKeyring)
  console.error("auth-storage: real-keyring tests skipped (run inside scripts/with-keyring.sh)");

const referenceBin = REFERENCE_CODEX_BIN;

let home: string;
beforeEach(async () => {
  home = await tempDir("codex-auth-");
});
afterEach(async () => {
  await createAuthStore({ codexHome: home, mode: "auto", warn: () => {} })
    .delete()
    .catch(() => false);
});

const apiKeyRecord: AuthRecord = { OPENAI_API_KEY: "sk-test-secret-123" };
const chatgptRecord: AuthRecord = {
  OPENAI_API_KEY: null,
  tokens: { id_token: "h.p.s", access_token: "at-secret", refresh_token: "rt-secret", account_id: "acc-1" },
  last_refresh: "2026-11-25T02:54:08.571375017Z",
};

const modes: { mode: StoreMode; enabled: boolean; backend: "file" | "keyring" }[] = [
  { mode: "file", enabled: true, backend: "file" },
  { mode: "keyring", enabled: hasKeyring, backend: "keyring" },
  { mode: "auto", enabled: hasKeyring, backend: "keyring" },
];

for (const { mode, enabled, backend } of modes) {
  describe.skipIf(!enabled)(`AuthStore contract: ${mode}`, () => {
    it("loads nothing when nothing is stored", async () => {
      expect(await createAuthStore({ codexHome: home, mode }).load()).toBeNull();
    });
    it("saves, loads and replaces records", async () => {
      const store = createAuthStore({ codexHome: home, mode });
      expect(await store.save(apiKeyRecord)).toBe(backend);
      expect(await store.load()).toEqual({ record: apiKeyRecord, backend });
      await store.save(chatgptRecord);
      expect(await store.load()).toEqual({ record: chatgptRecord, backend });
    });
    it("deletes and reports whether anything was removed", async () => {
      const store = createAuthStore({ codexHome: home, mode });
      await store.save(apiKeyRecord);
      expect(await store.delete()).toBe(true);
      expect(await store.load()).toBeNull();
      expect(await store.delete()).toBe(false);
    });
    it("keeps one entry per CODEX_HOME", async () => {
      const other = await tempDir("codex-auth-other-");
      await createAuthStore({ codexHome: home, mode }).save(apiKeyRecord);
      expect(await createAuthStore({ codexHome: other, mode }).load()).toBeNull();
    });
  });
}

describe("file mode details", () => {
  it("writes Codex's exact auth.json, mode 0600, and fixes looser modes", async () => {
    const store = createAuthStore({ codexHome: home, mode: "file" });
    await store.save(apiKeyRecord);
    const path = join(home, "auth.json");
    expect(await readFile(path, "utf8")).toBe('{\n  "OPENAI_API_KEY": "sk-test-secret-123"\n}');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await chmod(path, 0o644);
    await store.save(chatgptRecord);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(Object.keys(JSON.parse(await readFile(path, "utf8")))).toEqual([
      "OPENAI_API_KEY",
      "tokens",
      "last_refresh",
    ]);
  });

  it("reports a corrupt file by name without secrets and leaves it in place", async () => {
    const path = join(home, "auth.json");
    await writeFile(path, '{"OPENAI_API_KEY": "sk-leak-me", ');
    const err = await createAuthStore({ codexHome: home, mode: "file" })
      .load()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthStorageError);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).not.toContain("sk-leak-me");
    expect(await readFile(path, "utf8")).toBe('{"OPENAI_API_KEY": "sk-leak-me", ');
    await writeFile(path, '{"OPENAI_API_KEY": 5}');
    await expect(createAuthStore({ codexHome: home, mode: "file" }).load()).rejects.toThrow(/OPENAI_API_KEY/);
  });

  it("names the keyring account after the canonical CODEX_HOME", () => {
    expect(keyringAccount(home)).toMatch(/^cli\|[0-9a-f]{16}$/);
    expect(keyringAccount(`${home}/`)).toBe(keyringAccount(home));
  });
});

describe("without a keyring", () => {
  /** Runs a store operation in a child with no session bus, so the keyring is really unreachable. */
  async function withoutKeyring(mode: StoreMode, op: "save" | "load" | "delete") {
    const url = new URL("../dist/index.js", import.meta.url).href;
    const script = `
      const { createAuthStore } = await import(${JSON.stringify(url)});
      const store = createAuthStore({ codexHome: ${JSON.stringify(home)}, mode: ${JSON.stringify(mode)}, warn: (m) => console.error("warn:", m) });
      try { console.log(JSON.stringify({ ok: await store.${op}(${op === "save" ? JSON.stringify(apiKeyRecord) : ""}) })); }
      catch (e) { console.log(JSON.stringify({ error: e.message })); }`;
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus" };
    const { stdout, stderr } = await run(process.execPath, ["--input-type=module", "-e", script], { env });
    return { ...JSON.parse(stdout), stderr };
  }

  it("keyring mode fails clearly and leaves credentials alone", async () => {
    const r = await withoutKeyring("keyring", "save");
    expect(r.error).toMatch(/^failed to write OAuth tokens to keyring: /);
    expect(r.error).not.toContain("sk-test");
    expect(existsSync(join(home, "auth.json"))).toBe(false);
  });

  it("auto mode falls back to the file, and logout removes it", async () => {
    expect((await withoutKeyring("auto", "save")).ok).toBe("file");
    expect(JSON.parse(await readFile(join(home, "auth.json"), "utf8"))).toEqual(apiKeyRecord);
    expect((await withoutKeyring("auto", "load")).ok).toEqual({ record: apiKeyRecord, backend: "file" });
    const logout = await withoutKeyring("auto", "delete");
    expect(logout.ok).toBe(true);
    expect(logout.stderr).not.toContain("sk-test");
    expect(existsSync(join(home, "auth.json"))).toBe(false);
  });
});

describe.skipIf(!hasKeyring || !referenceBin)("keyring interop with the real codex 0.58.0", () => {
  const codex = (args: string[], input?: string) =>
    spawnSync(referenceBin as string, ["-c", 'cli_auth_credentials_store="keyring"', ...args], {
      env: { ...process.env, CODEX_HOME: home },
      input: input ?? "",
      encoding: "utf8",
      timeout: 30_000,
    });

  it("reads the entry the real codex wrote, and the real codex reads ours", async () => {
    const key = `sk-interop-${randomUUID()}`;
    const login = codex(["login", "--with-api-key"], `${key}\n`);
    expect(login.status, login.stderr).toBe(0);
    const store = createAuthStore({ codexHome: home, mode: "keyring" });
    expect(await store.load()).toEqual({ record: { OPENAI_API_KEY: key }, backend: "keyring" });
    const raw = await new AsyncEntry(KEYRING_SERVICE, keyringAccount(home), {
      linux: { store: "secret-service" },
    }).getPassword();
    expect(JSON.parse(raw ?? "null")).toEqual({ OPENAI_API_KEY: key });

    const ours = `sk-ours-${randomUUID()}`;
    await store.save({ OPENAI_API_KEY: ours });
    const status = codex(["login", "status"]);
    expect(status.status, status.stderr).toBe(0);
    expect(`${status.stdout}${status.stderr}`).toContain("API key");
    expect(codex(["logout"]).status).toBe(0);
    expect(await store.load()).toBeNull();
  });
});
