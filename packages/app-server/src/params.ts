import { describeValue as describe, invalidRequest, type RpcError } from "@codex-ts/app-server-protocol";
import { parseUuid } from "./uuid.js";

/**
 * Tiny readers for request params that word their errors like Codex 0.58.0's serde decoder
 * (`Invalid request: invalid type: string "ten", expected u32`, ``missing field `clientInfo` ``).
 */
function bad(message: string): RpcError {
  return invalidRequest(`Invalid request: ${message}`);
}

export function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw bad(`invalid type: ${describe(value)}, expected ${what}`);
  }
  return value as Record<string, unknown>;
}

export function requiredString(obj: Record<string, unknown>, key: string): string {
  if (!(key in obj) || obj[key] === undefined) throw bad(`missing field \`${key}\``);
  const v = obj[key];
  if (typeof v !== "string") throw bad(`invalid type: ${describe(v)}, expected a string`);
  return v;
}

export function optionalString(obj: Record<string, unknown>, key: string): string | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") throw bad(`invalid type: ${describe(v)}, expected a string`);
  return v;
}

/** An optional unsigned integer up to 2^32-1; `rustType` is the type 0.58.0 names in its error (u32, usize). */
export function optionalU32(obj: Record<string, unknown>, key: string, rustType = "u32"): number | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v === "number" && Number.isInteger(v)) {
    if (v < 0 || v > 0xffffffff) throw bad(`invalid value: integer \`${v}\`, expected ${rustType}`);
    return v;
  }
  throw bad(`invalid type: ${describe(v)}, expected ${rustType}`);
}

export function optionalBool(obj: Record<string, unknown>, key: string): boolean {
  const v = obj[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") throw bad(`invalid type: ${describe(v)}, expected a boolean`);
  return v;
}

/** A required conversation id (Codex's `ConversationId`, a UUID): malformed ids fail decoding like 0.58.0. */
export function requiredConversationId(obj: Record<string, unknown>, key: string): string {
  const text = requiredString(obj, key);
  try {
    return parseUuid(text);
  } catch (err) {
    throw bad((err as Error).message);
  }
}

/** A required boolean. */
export function requiredBool(obj: Record<string, unknown>, key: string): boolean {
  if (!(key in obj) || obj[key] === undefined) throw bad(`missing field \`${key}\``);
  const v = obj[key];
  if (typeof v !== "boolean") throw bad(`invalid type: ${describe(v)}, expected a boolean`);
  return v;
}

/** An optional boolean, undefined when absent or null. */
export function optionalFlag(obj: Record<string, unknown>, key: string): boolean | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw bad(`invalid type: ${describe(v)}, expected a boolean`);
  return v;
}

/** A required sequence of strings (`Vec<String>` / `Vec<PathBuf>`). */
export function requiredStrings(obj: Record<string, unknown>, key: string): string[] {
  if (!(key in obj) || obj[key] === undefined) throw bad(`missing field \`${key}\``);
  const v = obj[key];
  if (!Array.isArray(v)) throw bad(`invalid type: ${describe(v)}, expected a sequence`);
  for (const item of v)
    if (typeof item !== "string") throw bad(`invalid type: ${describe(item)}, expected a string`);
  return v as string[];
}

/** An optional non-negative integer that fits a u64 (as far as a JSON number can say). */
export function optionalU64(obj: Record<string, unknown>, key: string): number | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v === "number" && Number.isInteger(v)) {
    if (v < 0) throw bad(`invalid value: integer \`${v}\`, expected u64`);
    return v;
  }
  throw bad(`invalid type: ${describe(v)}, expected u64`);
}
