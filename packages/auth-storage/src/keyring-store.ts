import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import { AsyncEntry } from "@napi-rs/keyring";
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

function entry(codexHome: string): AsyncEntry {
  // On Linux pin the Secret Service: the kernel keyutils fallback is per-session and invisible to other tools.
  return new AsyncEntry(KEYRING_SERVICE, keyringAccount(codexHome), { linux: { store: "secret-service" } });
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function loadKeyring(codexHome: string): Promise<AuthRecord | null> {
  let secret: string | null;
  try {
    secret = await entry(codexHome).getPassword();
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
    await entry(codexHome).setPassword(JSON.stringify(orderedRecord(record)));
  } catch (err) {
    throw new AuthStorageError(`failed to write OAuth tokens to keyring: ${reason(err)}`, "keyring");
  }
}

export async function deleteKeyring(codexHome: string): Promise<boolean> {
  try {
    return await entry(codexHome).deletePassword();
  } catch (err) {
    throw new AuthStorageError(`failed to delete auth from keyring: ${reason(err)}`, "keyring");
  }
}
