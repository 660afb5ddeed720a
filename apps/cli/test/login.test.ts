import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  type MockIssuer,
  REFERENCE_CODEX_BIN,
  realKeyringAvailable,
  startMockIssuer,
  tempDir,
} from "@codex-ts/test-support";
import { AsyncEntry } from "@napi-rs/keyring";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CliRun, runCli } from "./helpers/run-cli.js";

// `codex login --with-api-key`, `codex login status`, `codex logout` and the browser login, as real processes
// against a temp CODEX_HOME (and, inside scripts/with-keyring.sh, a throwaway Secret Service).

let home: string;
beforeEach(async () => {
  home = await tempDir("codex-login-");
});

const KEY = "sk-proj-abcdefghijklmnop12345";
const codex = (args: string[], input?: string, bin?: string) =>
  runCli(args, {
    env: { CODEX_HOME: home },
    ...(input !== undefined ? { input } : {}),
    ...(bin ? { bin } : {}),
  });
const authFile = () => path.join(home, "auth.json");

/** The texts and exit statuses a user sees, key checks aside. */
const seen = (r: CliRun) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });

/** The API-key lifecycle: status, login, status, logout twice, status; each step's output and status. */
async function apiKeyLifecycle(bin?: string): Promise<CliRun[]> {
  const runs: CliRun[] = [];
  runs.push(await codex(["login", "status"], undefined, bin));
  runs.push(await codex(["login", "--with-api-key"], `${KEY}\n`, bin));
  runs.push(await codex(["login", "status"], undefined, bin));
  runs.push(await codex(["logout"], undefined, bin));
  runs.push(await codex(["logout"], undefined, bin));
  runs.push(await codex(["login", "status"], undefined, bin));
  runs.push(await codex(["login", "--with-api-key"], "  \n", bin));
  return runs;
}

describe("codex login with file storage", () => {
  it("logs in with a key from stdin (0600 file), reports status with the key masked, logs out", async () => {
    const status0 = await codex(["login", "status"]);
    expect(seen(status0)).toEqual({ code: 1, stdout: "", stderr: "Not logged in\n" });

    const login = await codex(["login", "--with-api-key"], `${KEY}\n`);
    expect(seen(login)).toEqual({
      code: 0,
      stdout: "",
      stderr: "Reading API key from stdin...\nSuccessfully logged in\n",
    });
    expect(JSON.parse(await readFile(authFile(), "utf8"))).toEqual({ OPENAI_API_KEY: KEY });
    expect((await stat(authFile())).mode & 0o777).toBe(0o600);

    const status = await codex(["login", "status"]);
    expect(seen(status)).toEqual({
      code: 0,
      stdout: "",
      stderr: "Logged in using an API key - sk-proj-***12345\n",
    });

    const out = await codex(["logout"]);
    expect(seen(out)).toEqual({ code: 0, stdout: "", stderr: "Successfully logged out\n" });
    expect(existsSync(authFile())).toBe(false);
    expect(seen(await codex(["logout"]))).toEqual({ code: 0, stdout: "", stderr: "Not logged in\n" });
    expect((await codex(["login", "status"])).code).toBe(1);
    for (const r of [status0, login, status, out]) expect(`${r.stdout}${r.stderr}`).not.toContain(KEY);
  });

  it("refuses an empty key and a short key shows as ***", async () => {
    const empty = await codex(["login", "--with-api-key"], "\n");
    expect(seen(empty)).toEqual({
      code: 1,
      stdout: "",
      stderr: "Reading API key from stdin...\nNo API key provided via stdin.\n",
    });
    expect(existsSync(authFile())).toBe(false);
    await writeFile(authFile(), JSON.stringify({ OPENAI_API_KEY: "sk-short" }), { mode: 0o600 });
    expect((await codex(["login", "status"])).stderr).toBe("Logged in using an API key - ***\n");
  });

  it.skipIf(!REFERENCE_CODEX_BIN)("says and exits exactly as codex 0.58.0 over the same steps", async () => {
    const ours = (await apiKeyLifecycle()).map(seen);
    home = await tempDir("codex-login-ref-");
    const real = (await apiKeyLifecycle(REFERENCE_CODEX_BIN)).map(seen);
    expect(ours).toEqual(real);
  });
});

describe("codex login in a browser", () => {
  let issuer: MockIssuer;
  beforeEach(async () => {
    issuer = await startMockIssuer();
  });
  afterEach(async () => {
    await issuer.close();
  });

  const browserLogin = (onUrl: (url: string, kill: () => void) => void) => {
    let printed = "";
    return runCli(["login"], {
      env: { CODEX_HOME: home, CODEX_TS_AUTH_ISSUER: issuer.issuer, CODEX_TS_LOGIN_PORT: "0" },
      started: (child) => {
        child.stderr?.on("data", (d: Buffer) => {
          printed += d.toString();
          const url = /^(https?:\/\/\S+\/oauth\/authorize\?\S+)$/m.exec(printed)?.[1];
          if (url && !printed.includes("\u0000")) {
            printed += "\u0000";
            onUrl(url, () => child.kill("SIGINT"));
          }
        });
      },
      timeoutMs: 30_000,
    });
  };
  const loopback = (url: string) => url.replace("://localhost:", "://127.0.0.1:");

  it("prints the authorize URL and Ctrl-C cancels the login (exit 1, nothing stored)", async () => {
    const r = await browserLogin((_url, kill) => kill());
    expect(r.code, `${r.signal} ${r.stderr}`).toBe(1);
    expect(r.stderr).toMatch(/^Starting local login server on http:\/\/localhost:\d+\.\n/);
    expect(r.stderr).toContain("If your browser did not open, navigate to this URL to authenticate:");
    expect(r.stderr).toContain(`${issuer.issuer}/oauth/authorize?`);
    expect(r.stderr).toContain("Error logging in: Login server error: Login was not completed");
    expect(existsSync(authFile())).toBe(false);
  });

  it("completes when the browser comes back through the local callback", async () => {
    const r = await browserLogin((url) => {
      void (async () => {
        const authorize = await fetch(url, { redirect: "manual" });
        const callback = await fetch(loopback(authorize.headers.get("location") ?? ""), {
          redirect: "manual",
        });
        await fetch(loopback(callback.headers.get("location") ?? ""));
      })();
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("Successfully logged in\n");
    expect((await stat(authFile())).mode & 0o777).toBe(0o600);
    expect((await codex(["login", "status"])).stderr).toBe("Logged in using ChatGPT\n");
  });
});

describe("codex login --device-auth", () => {
  let issuer: MockIssuer;
  beforeEach(async () => {
    issuer = await startMockIssuer();
  });
  afterEach(async () => {
    await issuer.close();
  });

  const deviceLogin = (bin?: string, args: string[] = []) =>
    codex(["login", "--device-auth", "--experimental_issuer", issuer.issuer, ...args], undefined, bin);
  const prompt = (link: string) =>
    "\x1b[93m\x1b[1mOnly use device code authentication when browser login is not available.\x1b[0m\x1b[93m\n" +
    "\x1b[1mKeep the code secret; do not share it.\x1b[0m\x1b[0m\n\n" +
    `To authenticate:\n  1. Open in your browser: \x1b[1m${link}\x1b[0m\n` +
    "  2. Enter the one-time code below within 15 minutes:\n\n     \x1b[1mABCD-1234\x1b[0m\n\n";
  const paths = () => issuer.requests.map((r) => `${r.method} ${r.path}`);

  it("shows the code, polls until it is entered, and stores the ChatGPT tokens (0600, no API key)", async () => {
    const r = await deviceLogin();
    expect(seen(r)).toEqual({
      code: 0,
      stdout: prompt(`${issuer.issuer}/codex/device`),
      stderr: "Successfully logged in\n",
    });
    expect(paths()).toEqual([
      "POST /api/accounts/deviceauth/usercode",
      "POST /api/accounts/deviceauth/token",
      "POST /api/accounts/deviceauth/token",
      "POST /oauth/token",
    ]);
    expect(issuer.requests[3]?.body).toMatchObject({
      grant_type: "authorization_code",
      redirect_uri: `${issuer.issuer}/deviceauth/callback`,
    });
    expect((await stat(authFile())).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(await readFile(authFile(), "utf8"));
    expect(stored).toMatchObject({ OPENAI_API_KEY: null, tokens: { account_id: "acct-123" } });
    expect((await codex(["login", "status"])).stderr).toBe("Logged in using ChatGPT\n");
  });

  it("an issuer without device login, and a config that forces API-key login: an error, exit 1, nothing stored", async () => {
    issuer.deviceAuth.enabled = false;
    const off = await deviceLogin();
    expect(off.code).toBe(1);
    expect(off.stderr).toBe(
      "Error logging in with device code: device code login is not enabled for this Codex server. Use the browser login or verify the server URL.\n",
    );
    issuer.deviceAuth.enabled = true;
    const forced = await deviceLogin(undefined, ["-c", 'forced_login_method="api"']);
    expect(forced.code).toBe(1);
    expect(forced.stderr).toBe(
      "Error logging in with device code: ChatGPT login is disabled. Use API key login instead.\n",
    );
    expect(existsSync(authFile())).toBe(false);
  });

  it.skipIf(!REFERENCE_CODEX_BIN)(
    "does what codex 0.58.0 does, but links to the issuer it uses",
    async () => {
      const ref = await deviceLogin(REFERENCE_CODEX_BIN);
      const refRequests = paths();
      const refStored = JSON.parse(await readFile(authFile(), "utf8"));
      issuer.requests.length = 0;
      const ours = await deviceLogin();
      // 0.58.0 links to auth.openai.com whatever the issuer; ours to the issuer the code came from.
      expect(seen(ref)).toEqual({ ...seen(ours), stdout: prompt("https://auth.openai.com/codex/device") });
      expect(paths()).toEqual(refRequests);
      const oursStored = JSON.parse(await readFile(authFile(), "utf8"));
      expect(Object.keys(oursStored)).toEqual(Object.keys(refStored));
      expect(Object.keys(oursStored.tokens)).toEqual(Object.keys(refStored.tokens));
      expect(oursStored.OPENAI_API_KEY).toBe(refStored.OPENAI_API_KEY);
    },
  );
});

const hasKeyring = await realKeyringAvailable(
  (account) => new AsyncEntry("codex-ts-probe", account, { linux: { store: "secret-service" } }),
);
if (!hasKeyring)
  console.error("codex login: keyring tests skipped (no Secret Service; run inside scripts/with-keyring.sh)");

describe.skipIf(!hasKeyring)("codex login with keyring storage", () => {
  const keyring = ["-c", 'cli_auth_credentials_store="keyring"'];

  it("stores the key in the keyring, not in a file; status and logout work on it", async () => {
    const key = `sk-keyring-${randomUUID()}`;
    const login = await codex([...keyring, "login", "--with-api-key"], `${key}\n`);
    expect(login.code, login.stderr).toBe(0);
    expect(existsSync(authFile())).toBe(false);
    const status = await codex([...keyring, "login", "status"]);
    expect(status.code).toBe(0);
    expect(status.stderr).toBe(`Logged in using an API key - ${key.slice(0, 8)}***${key.slice(-5)}\n`);
    expect(`${status.stdout}${status.stderr}${login.stderr}`).not.toContain(key);
    // The file store does not see it: the credentials live only in the keyring.
    expect((await codex(["login", "status"])).code).toBe(1);
    expect((await codex([...keyring, "logout"])).stderr).toBe("Successfully logged out\n");
    expect((await codex([...keyring, "login", "status"])).code).toBe(1);
  });
});
