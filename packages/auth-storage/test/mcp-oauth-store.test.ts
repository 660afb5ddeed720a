import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { realKeyringAvailable, tempDir } from "@codex-ts/test-support";
import { AsyncEntry } from "@napi-rs/keyring";
import { beforeEach, describe, expect, it } from "vitest";
import {
  deleteMcpOauthCredentials,
  loadMcpOauthCredentials,
  MCP_OAUTH_KEYRING_SERVICE,
  type McpOauthCredentials,
  mcpOauthFilePath,
  mcpOauthStoreKey,
  saveMcpOauthCredentials,
} from "../src/index.js";

const hasKeyring = await realKeyringAvailable(
  (account) => new AsyncEntry("codex-ts-probe", account, { linux: { store: "secret-service" } }),
);

let home: string;
beforeEach(async () => {
  home = await tempDir("codex-mcp-oauth-");
});

const URL_A = "http://127.0.0.1:4100/mcp";
const creds = (over: Partial<McpOauthCredentials> = {}): McpOauthCredentials => ({
  serverName: "docs",
  serverUrl: URL_A,
  issuer: "http://127.0.0.1:4100",
  clientId: "client-1",
  accessToken: "at-secret-1",
  refreshToken: "rt-secret-1",
  expiresAt: 1_900_000_000_000,
  scopes: ["read"],
  ...over,
});

describe("MCP OAuth credentials store", () => {
  it("keys a server as 0.166.0 does: name | 16 hex digits of SHA-256 over {type, url, headers}", () => {
    // The key 0.166.0 wrote for this URL (observed in its .credentials.json).
    expect(mcpOauthStoreKey("prot", "http://127.0.0.1:33755/mcp")).toBe("prot|fff9427a7365d6d6");
  });

  it("file: 0.166.0's entry shape, mode 0600, written atomically, other entries kept", async () => {
    const path = mcpOauthFilePath(home);
    await writeFile(path, JSON.stringify({ "other|0123456789abcdef": { kept: true } }), { mode: 0o644 });
    await saveMcpOauthCredentials(home, "file", creds());
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(home)).toEqual([".credentials.json"]);
    const onDisk = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
    expect(onDisk).toEqual({
      "other|0123456789abcdef": { kept: true },
      [mcpOauthStoreKey("docs", URL_A)]: {
        server_name: "docs",
        server_url: URL_A,
        issuer: "http://127.0.0.1:4100",
        client_id: "client-1",
        access_token: "at-secret-1",
        expires_at: 1_900_000_000_000,
        refresh_token: "rt-secret-1",
        scopes: ["read"],
      },
    });
    expect(await loadMcpOauthCredentials(home, "file", "docs", URL_A)).toEqual(creds());
    // Another URL is another server.
    expect(await loadMcpOauthCredentials(home, "file", "docs", "http://127.0.0.1:4200/mcp")).toBeNull();

    expect(await deleteMcpOauthCredentials(home, "file", "docs", URL_A)).toBe(true);
    expect(await deleteMcpOauthCredentials(home, "file", "docs", URL_A)).toBe(false);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({ "other|0123456789abcdef": { kept: true } });
  });

  it("file: a corrupt file is an error that quotes none of its content", async () => {
    await writeFile(mcpOauthFilePath(home), '{"docs|x": "at-secret-9', { mode: 0o600 });
    const err = await loadMcpOauthCredentials(home, "file", "docs", URL_A).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(".credentials.json");
    expect((err as Error).message).not.toContain("secret");
  });

  it.skipIf(!hasKeyring)(
    "keyring: 0.166.0's entry (rmcp token response inside); auto prefers it",
    async () => {
      const key = mcpOauthStoreKey("docs", URL_A);
      try {
        await saveMcpOauthCredentials(home, "keyring", creds());
        const raw = await new AsyncEntry(MCP_OAUTH_KEYRING_SERVICE, key, {
          linux: { store: "secret-service" },
        }).getPassword();
        const value = JSON.parse(raw ?? "{}") as Record<string, unknown>;
        expect(Object.keys(value)).toEqual([
          "server_name",
          "url",
          "issuer",
          "client_id",
          "token_response",
          "expires_at",
        ]);
        expect(value.token_response).toMatchObject({
          access_token: "at-secret-1",
          token_type: "bearer",
          refresh_token: "rt-secret-1",
          scope: "read",
        });
        expect(await loadMcpOauthCredentials(home, "auto", "docs", URL_A)).toEqual(creds());
        await expect(stat(mcpOauthFilePath(home))).rejects.toThrow();
        expect(await deleteMcpOauthCredentials(home, "auto", "docs", URL_A)).toBe(true);
        expect(await loadMcpOauthCredentials(home, "keyring", "docs", URL_A)).toBeNull();
      } finally {
        await deleteMcpOauthCredentials(home, "file", "docs", URL_A).catch(() => false);
      }
    },
  );
});
