import { invalidRequest, type RpcError } from "@codex-ts/app-server-protocol";
import { parseUuid } from "./uuid.js";

/**
 * Tiny readers for request params that word their errors like Codex 0.58.0's serde decoder
 * (`Invalid request: invalid type: string "ten", expected u32`, ``missing field `clientInfo` ``).
 */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return `string ${JSON.stringify(value)}`;
  if (typeof value === "boolean") return `boolean \`${value}\``;
  if (typeof value === "number")
    return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
  if (Array.isArray(value)) return "sequence";
  return "map";
}

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

export function optionalU32(obj: Record<string, unknown>, key: string): number | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v === "number" && Number.isInteger(v)) {
    if (v < 0 || v > 0xffffffff) throw bad(`invalid value: integer \`${v}\`, expected u32`);
    return v;
  }
  throw bad(`invalid type: ${describe(v)}, expected u32`);
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
