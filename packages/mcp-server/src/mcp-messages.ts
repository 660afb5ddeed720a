// The MCP messages `codex mcp-server` reads and writes, as Codex 0.58.0 does. Incoming params are checked here with
// zod (only the fields the server reads, unknown fields pass); outgoing shapes are typed with the MCP SDK's types,
// which are erased at build time: the server does not load the SDK.
import type { EventMsg } from "@codex-ts/app-server-protocol";
import type { Implementation, ServerCapabilities, Tool } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

/**
 * JSON-RPC's codes for an unknown method and for malformed params. Codex 0.58.0 leaves such requests unanswered
 * (it logs them); this server answers them, with the codes MCP clients know.
 */
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;

export const InitializeParams = z.looseObject({
  protocolVersion: z.string(),
  capabilities: z.looseObject({}),
  clientInfo: z.looseObject({ name: z.string(), version: z.string() }),
});
export type InitializeParams = z.infer<typeof InitializeParams>;

/** `arguments` may be any JSON value: the tool reports what it cannot read, worded like serde (see tool-params). */
export const CallToolParams = z.looseObject({ name: z.string(), arguments: z.unknown().optional() });
export type CallToolParams = z.infer<typeof CallToolParams>;

export const CancelledParams = z.looseObject({
  requestId: z.union([z.string(), z.number().int()]),
  reason: z.string().optional(),
});

/** Codex's server info: MCP's `Implementation` plus the user agent Codex reports for the client. */
export interface CodexServerInfo extends Implementation {
  title: string;
  user_agent: string;
}

/** The `initialize` result, keys in the order 0.58.0 writes them. */
export interface InitializeResult {
  capabilities: ServerCapabilities;
  /** 0.58.0 echoes the version the client asked for, whatever it is. */
  protocolVersion: string;
  serverInfo: CodexServerInfo;
}

export interface ListToolsResult {
  tools: Tool[];
}

/** What a `codex/event` notification carries: a core event, tagged with the tools/call that produced it. */
export interface CodexEventParams {
  _meta: { requestId: string | number };
  /** The submission id (empty for `session_configured`). */
  id: string;
  msg: EventMsg;
}

/** The first problem zod found, as one line: `clientInfo.name: Invalid input: expected string, received number`. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid params";
  const path = issue.path.map(String).join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}
