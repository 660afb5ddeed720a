import { createHash } from "node:crypto";

/** Joins `mcp`, the server name and the tool name; a character set the Responses API accepts. */
export const MCP_TOOL_NAME_DELIMITER = "__";
/** The Responses API rejects longer function names. */
export const MAX_TOOL_NAME_LENGTH = 64;

/** Replaces every character outside `[A-Za-z0-9_-]` with `_` (server and tool names are user-controlled). */
export function sanitizeToolName(name: string): string {
  const sanitized = name.replace(/[^A-Za-z0-9_-]/g, "_");
  return sanitized === "" ? "_" : sanitized;
}

/**
 * The function name the model sees for `tool` of `server`: `mcp__<server>__<tool>`, sanitized; a name over 64
 * characters keeps its first 24 characters followed by the SHA-1 (hex) of the raw, unsanitized name, so long
 * names stay distinct and stable.
 */
export function qualifiedToolName(server: string, tool: string): string {
  const raw = `mcp${MCP_TOOL_NAME_DELIMITER}${server}${MCP_TOOL_NAME_DELIMITER}${tool}`;
  const name = sanitizeToolName(raw);
  if (name.length <= MAX_TOOL_NAME_LENGTH) return name;
  const sha1 = createHash("sha1").update(raw).digest("hex");
  return `${name.slice(0, MAX_TOOL_NAME_LENGTH - sha1.length)}${sha1}`;
}
