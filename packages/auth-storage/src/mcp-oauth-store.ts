import { createHash } from "node:crypto";
import { join } from "node:path";
import { readBoundedFile } from "@codex-ts/config-loader";
import { z } from "zod";
import { AuthStorageError } from "./errors.js";
import { writePrivateFile } from "./file-store.js";
import { keyringEntry } from "./keyring-store.js";

/**
 * OAuth tokens of streamable HTTP MCP servers, where codex 0.166.0 keeps them so that both read the same
 * (`mcp_oauth_credentials_store`): the keyring entry `Codex MCP Credentials` / `<server>|<hash>`, or the file
 * `CODEX_HOME/.credentials.json` (one object, an entry per store key). The two hold different shapes, each as
 * 0.166.0 writes it.
 */

export type McpOauthStoreMode = "auto" | "file" | "keyring";

export const MCP_OAUTH_KEYRING_SERVICE = "Codex MCP Credentials";
export const MCP_OAUTH_FILE = ".credentials.json";
/** The file holds a few entries of a few hundred bytes; far more is not a credentials file. */
const MCP_OAUTH_FILE_MAX_BYTES = 4 * 1024 * 1024;

/** One server's sign-in: the client it registered and the tokens it holds. */
export interface McpOauthCredentials {
  serverName: string;
  serverUrl: string;
  /** The authorization server (its issuer URL), when known. */
  issuer: string | null;
  clientId: string;
  clientSecret?: string | undefined;
  accessToken: string;
  refreshToken: string | null;
  /** When the access token expires, in ms since the epoch; null when the server did not say. */
  expiresAt: number | null;
  scopes: string[];
}

/**
 * The store key of a server: `<name>|` + the first 16 hex digits of SHA-256 over `{"type":"http","url":…,
 * "headers":{}}` (0.166.0's JSON, in that key order).
 */
export function mcpOauthStoreKey(serverName: string, serverUrl: string): string {
  const payload = JSON.stringify({ type: "http", url: serverUrl, headers: {} });
  return `${serverName}|${createHash("sha256").update(payload).digest("hex").slice(0, 16)}`;
}

export function mcpOauthFilePath(codexHome: string): string {
  return join(codexHome, MCP_OAUTH_FILE);
}

const FileEntry = z.looseObject({
  server_name: z.string(),
  server_url: z.string(),
  issuer: z.string().nullish(),
  client_id: z.string(),
  client_secret: z.string().nullish(),
  access_token: z.string(),
  expires_at: z.number().nullish(),
  refresh_token: z.string().nullish(),
  scopes: z.array(z.string()).nullish(),
});

const KeyringEntry = z.looseObject({
  server_name: z.string(),
  url: z.string(),
  issuer: z.string().nullish(),
  client_id: z.string(),
  client_secret: z.string().nullish(),
  token_response: z.looseObject({
    access_token: z.string(),
    refresh_token: z.string().nullish(),
    scope: z.string().nullish(),
  }),
  expires_at: z.number().nullish(),
});

function fromFileEntry(e: z.infer<typeof FileEntry>): McpOauthCredentials {
  return {
    serverName: e.server_name,
    serverUrl: e.server_url,
    issuer: e.issuer ?? null,
    clientId: e.client_id,
    ...(e.client_secret ? { clientSecret: e.client_secret } : {}),
    accessToken: e.access_token,
    refreshToken: e.refresh_token ?? null,
    expiresAt: e.expires_at ?? null,
    scopes: e.scopes ?? [],
  };
}

/** The file entry, in 0.166.0's key order. */
function toFileEntry(c: McpOauthCredentials): Record<string, unknown> {
  return {
    server_name: c.serverName,
    server_url: c.serverUrl,
    issuer: c.issuer,
    client_id: c.clientId,
    ...(c.clientSecret ? { client_secret: c.clientSecret } : {}),
    access_token: c.accessToken,
    expires_at: c.expiresAt,
    refresh_token: c.refreshToken,
    scopes: c.scopes,
  };
}

function fromKeyringEntry(e: z.infer<typeof KeyringEntry>): McpOauthCredentials {
  const t = e.token_response;
  return {
    serverName: e.server_name,
    serverUrl: e.url,
    issuer: e.issuer ?? null,
    clientId: e.client_id,
    ...(e.client_secret ? { clientSecret: e.client_secret } : {}),
    accessToken: t.access_token,
    refreshToken: t.refresh_token ?? null,
    expiresAt: e.expires_at ?? null,
    scopes: t.scope ? t.scope.split(" ").filter(Boolean) : [],
  };
}

/** The keyring value, as 0.166.0 writes it (rmcp's token response inside, `expires_in` as of now). */
function toKeyringEntry(c: McpOauthCredentials): Record<string, unknown> {
  const expiresIn = c.expiresAt === null ? null : Math.max(0, Math.floor((c.expiresAt - Date.now()) / 1000));
  return {
    server_name: c.serverName,
    url: c.serverUrl,
    issuer: c.issuer,
    client_id: c.clientId,
    ...(c.clientSecret ? { client_secret: c.clientSecret } : {}),
    token_response: {
      access_token: c.accessToken,
      token_type: "bearer",
      ...(expiresIn !== null ? { expires_in: expiresIn } : {}),
      ...(c.refreshToken ? { refresh_token: c.refreshToken } : {}),
      ...(c.scopes.length > 0 ? { scope: c.scopes.join(" ") } : {}),
    },
    expires_at: c.expiresAt,
  };
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The whole file (every entry, unknown ones kept as they are); missing is empty. Its content is never quoted. */
async function readFileEntries(codexHome: string): Promise<Record<string, unknown>> {
  const path = mcpOauthFilePath(codexHome);
  let text: string;
  try {
    text = (await readBoundedFile(path, { maxBytes: MCP_OAUTH_FILE_MAX_BYTES })).toString("utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new AuthStorageError(`failed to read ${path}: ${reason(err)}`, "file");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AuthStorageError(`failed to parse ${path}: invalid JSON`, "file");
  }
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw new AuthStorageError(`failed to parse ${path}: not a JSON object`, "file");
  return value as Record<string, unknown>;
}

async function loadFromFile(codexHome: string, key: string): Promise<McpOauthCredentials | null> {
  const entries = await readFileEntries(codexHome);
  if (!Object.hasOwn(entries, key)) return null;
  const parsed = FileEntry.safeParse(entries[key]);
  if (!parsed.success)
    throw new AuthStorageError(
      `failed to parse ${mcpOauthFilePath(codexHome)}: invalid entry ${key}`,
      "file",
    );
  return fromFileEntry(parsed.data);
}

async function saveToFile(codexHome: string, key: string, c: McpOauthCredentials | null): Promise<boolean> {
  const entries = await readFileEntries(codexHome);
  const had = Object.hasOwn(entries, key);
  if (c === null && !had) return false;
  if (c === null) delete entries[key];
  else entries[key] = toFileEntry(c);
  await writePrivateFile(mcpOauthFilePath(codexHome), JSON.stringify(entries));
  return had;
}

async function loadFromKeyring(key: string): Promise<McpOauthCredentials | null> {
  let secret: string | null;
  try {
    secret = (await (await keyringEntry(MCP_OAUTH_KEYRING_SERVICE, key)).getPassword()) ?? null;
  } catch (err) {
    throw new AuthStorageError(`failed to read OAuth tokens from keyring: ${reason(err)}`, "keyring");
  }
  if (secret === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(secret);
  } catch {
    throw new AuthStorageError("failed to deserialize OAuth tokens from keyring: invalid JSON", "keyring");
  }
  const parsed = KeyringEntry.safeParse(value);
  if (!parsed.success)
    throw new AuthStorageError(
      "failed to deserialize OAuth tokens from keyring: unexpected shape",
      "keyring",
    );
  return fromKeyringEntry(parsed.data);
}

/** A server's stored sign-in, or null. `auto` reads the keyring and falls back to the file, as 0.166.0 does. */
export async function loadMcpOauthCredentials(
  codexHome: string,
  mode: McpOauthStoreMode,
  serverName: string,
  serverUrl: string,
): Promise<McpOauthCredentials | null> {
  const key = mcpOauthStoreKey(serverName, serverUrl);
  if (mode === "file") return loadFromFile(codexHome, key);
  if (mode === "keyring") return loadFromKeyring(key);
  try {
    const stored = await loadFromKeyring(key);
    if (stored) return stored;
  } catch {
    // No usable keyring: the file is the store, as in 0.166.0.
  }
  return loadFromFile(codexHome, key);
}

/**
 * Stores a server's sign-in. The keyring (`keyring`, `auto`) also drops the file's entry for the key; `auto` falls
 * back to the file when the keyring fails.
 */
export async function saveMcpOauthCredentials(
  codexHome: string,
  mode: McpOauthStoreMode,
  c: McpOauthCredentials,
): Promise<void> {
  const key = mcpOauthStoreKey(c.serverName, c.serverUrl);
  if (mode === "file") {
    await saveToFile(codexHome, key, c);
    return;
  }
  try {
    await (await keyringEntry(MCP_OAUTH_KEYRING_SERVICE, key)).setPassword(JSON.stringify(toKeyringEntry(c)));
  } catch (err) {
    if (mode === "keyring")
      throw new AuthStorageError(`failed to write OAuth tokens to keyring: ${reason(err)}`, "keyring");
    await saveToFile(codexHome, key, c);
    return;
  }
  await saveToFile(codexHome, key, null).catch(() => false);
}

/** Removes a server's sign-in from the keyring and the file; true when there was one. */
export async function deleteMcpOauthCredentials(
  codexHome: string,
  mode: McpOauthStoreMode,
  serverName: string,
  serverUrl: string,
): Promise<boolean> {
  const key = mcpOauthStoreKey(serverName, serverUrl);
  let fromKeyring = false;
  try {
    fromKeyring = await (await keyringEntry(MCP_OAUTH_KEYRING_SERVICE, key)).deletePassword();
  } catch (err) {
    if (mode !== "file")
      throw new AuthStorageError(`failed to delete OAuth tokens from keyring: ${reason(err)}`, "keyring");
  }
  const fromFile = await saveToFile(codexHome, key, null);
  return fromKeyring || fromFile;
}
