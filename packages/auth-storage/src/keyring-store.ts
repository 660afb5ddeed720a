import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import type { AsyncEntry } from "@napi-rs/keyring";
import { AuthStorageError } from "./errors.js";
import { parseRecord } from "./file-store.js";
import { type AuthRecord, orderedRecord } from "./record.js";

/** The keyring service Codex stores CLI credentials under. */
export const KEYRING_SERVICE = "Codex Auth";

/**
 * The keyring account for a CODEX_HOME: `cli|` + the first 16 hex digits of SHA-256 over the canonical path
 * (the path as given when it cannot be canonicalised), so each CODEX_HOME has its own entry, as in Codex.
 */
export function keyringAccount(codexHome: string): string {
  let canonical = codexHome;
  try {
    canonical = realpathSync(codexHome);
  } catch {
    // Not there (yet): hash the path as given, as Codex does.
  }
  return `cli|${createHash("sha256").update(canonical).digest("hex").slice(0, 16)}`;
}

/**
 * The native keyring binding is loaded on first use, not at import: most processes never touch the keyring
 * (file-mode credentials, or none), and loading it costs every start a native library load. A binding that cannot
 * load is then an error of the keyring operation, reported like any other keyring failure.
 */
let binding: Promise<typeof import("@napi-rs/keyring")> | undefined;

/** The keyring entry `service`/`account` (the binding loaded on first use). */
export async function keyringEntry(service: string, account: string): Promise<AsyncEntry> {
  binding ??= import("@napi-rs/keyring");
  const { AsyncEntry } = await binding;
  // On Linux pin the Secret Service: the kernel keyutils fallback is per-session and invisible to other tools.
  return new AsyncEntry(service, account, { linux: { store: "secret-service" } });
}

function entry(codexHome: string): Promise<AsyncEntry> {
  return keyringEntry(KEYRING_SERVICE, keyringAccount(codexHome));
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function loadKeyring(codexHome: string): Promise<AuthRecord | null> {
  let secret: string | null;
  try {
    secret = await (await entry(codexHome)).getPassword();
  } catch (err) {
    throw new AuthStorageError(`failed to load CLI auth from keyring: ${reason(err)}`, "keyring");
  }
  if (secret === null) return null;
  try {
    return parseRecord(
      secret,
      `the keyring entry ${KEYRING_SERVICE}/${keyringAccount(codexHome)}`,
      "keyring",
    );
  } catch (err) {
    throw new AuthStorageError(`failed to deserialize CLI auth from keyring: ${reason(err)}`, "keyring");
  }
}

export async function saveKeyring(codexHome: string, record: AuthRecord): Promise<void> {
  try {
    await (await entry(codexHome)).setPassword(JSON.stringify(orderedRecord(record)));
  } catch (err) {
    throw new AuthStorageError(`failed to write OAuth tokens to keyring: ${reason(err)}`, "keyring");
  }
}

export async function deleteKeyring(codexHome: string): Promise<boolean> {
  try {
    return await (await entry(codexHome)).deletePassword();
  } catch (err) {
    throw new AuthStorageError(`failed to delete auth from keyring: ${reason(err)}`, "keyring");
  }
}
