import { randomBytes } from "node:crypto";
import { chmod, open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { readBoundedFile } from "@codex-ts/config-loader";
import { AuthStorageError } from "./errors.js";
import { type AuthRecord, AuthRecordSchema, orderedRecord } from "./record.js";

export const AUTH_FILE = "auth.json";

export function authFilePath(codexHome: string): string {
  return join(codexHome, AUTH_FILE);
}

/** auth.json holds a key or three tokens: a few KiB. Anything far bigger is not a credentials file. */
export const AUTH_FILE_MAX_BYTES = 1024 * 1024;

/**
 * Where JSON.parse stopped, as `line L column C`, computed from the offset alone. JSON.parse's own message is
 * never used: it quotes the text around the error (`Unexpected token 's', "sk-proj-…" is not valid JSON`), which
 * in a credentials file is the secret itself, across newlines too.
 */
function syntaxErrorWhere(err: unknown, text: string): string {
  const match = /at position (\d+)/.exec(err instanceof Error ? err.message : "");
  if (!match) return "invalid JSON";
  const offset = Math.min(Number(match[1]), text.length);
  const before = text.slice(0, offset);
  let line = 1;
  for (let i = before.indexOf("\n"); i !== -1; i = before.indexOf("\n", i + 1)) line++;
  return `invalid JSON at line ${line} column ${offset - before.lastIndexOf("\n")}`;
}

/** Parses stored JSON; a syntax or shape error names the source and a position, never any of its content. */
export function parseRecord(text: string, source: string, backend: "file" | "keyring"): AuthRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new AuthStorageError(`failed to parse ${source}: ${syntaxErrorWhere(err, text)}`, backend);
  }
  const result = AuthRecordSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new AuthStorageError(
      `failed to parse ${source}: invalid \`${issue.path.join(".") || "(root)"}\`: ${issue.message}`,
      backend,
    );
  }
  return result.data;
}

/**
 * Reads auth.json; missing is null; unreadable or corrupt is an AuthStorageError naming the file. Only a regular
 * file of at most AUTH_FILE_MAX_BYTES is read (a FIFO there would otherwise block the read forever).
 */
export async function loadFile(codexHome: string): Promise<AuthRecord | null> {
  const path = authFilePath(codexHome);
  let text: string;
  try {
    text = (await readBoundedFile(path, { maxBytes: AUTH_FILE_MAX_BYTES })).toString("utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new AuthStorageError(`failed to read ${path}: ${(err as Error).message}`, "file");
  }
  return parseRecord(text, path, "file");
}

/** Writes auth.json pretty-printed (2 spaces) with mode 0600, atomically (temp file, fsync, rename). */
export async function saveFile(codexHome: string, record: AuthRecord): Promise<void> {
  await writePrivateFile(authFilePath(codexHome), JSON.stringify(orderedRecord(record), null, 2));
}

/** Writes `text` to `path` with mode 0600, atomically (temp file, fsync, rename); errors name the file. */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    const handle = await open(temp, "wx", 0o600);
    try {
      await handle.writeFile(text);
      await handle.chmod(0o600);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    await chmod(path, 0o600);
  } catch (err) {
    await rm(temp, { force: true });
    throw new AuthStorageError(`failed to write ${path}: ${(err as Error).message}`, "file");
  }
}

/** Removes auth.json; true when a file was removed, false when there was none. */
export async function deleteFile(codexHome: string): Promise<boolean> {
  try {
    await rm(authFilePath(codexHome));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw new AuthStorageError(
      `failed to remove ${authFilePath(codexHome)}: ${(err as Error).message}`,
      "file",
    );
  }
}
