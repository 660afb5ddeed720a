import type { ContentBlock } from "@codex-ts/app-server-protocol";
import type { McpOauthStoreMode } from "@codex-ts/auth-storage";
import type { McpWording } from "./startup-failure.js";

/** The MCP client's shared types, apart from the modules that use them so none of them imports another's. */

/** One page of an MCP list request: the items under `key`, and the cursor of the next page if there is one. */
export type McpPage<K extends string> = { [P in K]: Record<string, unknown>[] } & {
  nextCursor?: string | undefined;
};

/** One tool of one server, as offered to the model. */
export interface McpToolInfo {
  /** `mcp__<server>__<tool>`, sanitized (see `qualifiedToolName`). */
  qualifiedName: string;
  server: string;
  tool: string;
  description: string;
  inputSchema: Record<string, unknown>;
  /** The tool as the server listed it (MCP's `Tool`: name, title, description, schemas, annotations, …). */
  definition: Record<string, unknown>;
}

/** What a running server said about itself when it started (`initialize` and the first `tools/list`). */
export interface McpServerDescription {
  /** MCP's `Implementation` of the server (`name`, `version`, `title`, …), if it sent one. */
  serverInfo: Record<string, unknown> | null;
  capabilities: Record<string, unknown> | null;
  /** `_meta` of the first `tools/list` page, if any. */
  toolListMeta: unknown;
}

/** MCP's CallToolResult as the server returned it (the SDK has checked its content blocks). */
export interface McpCallToolResult {
  content: ContentBlock[];
  isError?: boolean | undefined;
  structuredContent?: unknown;
  [key: string]: unknown;
}

/** One `notifications/progress` of a running tool call (MCP's Progress). */
export interface McpProgress {
  progress: number;
  total?: number | undefined;
  message?: string | undefined;
}

/** The text a progress notification is shown as: the server's message, else `progress/total` (or `progress`). */
export function progressMessage(p: McpProgress): string {
  if (p.message) return p.message;
  return p.total !== undefined ? `${p.progress}/${p.total}` : String(p.progress);
}

export interface McpStartOptions {
  /** Environment the stdio servers' variables come from (default: this process's). */
  env?: NodeJS.ProcessEnv;
  clientName?: string;
  clientVersion?: string;
  /**
   * Whose words and defaults a failed start is reported in (default `0.58`): 0.166.0 words failures differently
   * (`startup-failure.ts`) and waits 30 s, not 10 s, when `startup_timeout_sec` is not set.
   */
  wording?: McpWording;
  /**
   * Where streamable HTTP servers' OAuth sign-ins are stored (CODEX_HOME, `mcp_oauth_credentials_store`); without
   * it they start without one.
   */
  oauth?: { codexHome: string; mode: McpOauthStoreMode } | undefined;
}

/**
 * An MCP server's `elicitation/create` params as it sent them (MCP's ElicitRequestParams: `message`,
 * `requestedSchema`, optionally `mode` and `_meta`), or the form Codex builds to ask before a tool call.
 */
export interface McpElicitationRequest {
  message: string;
  requestedSchema: Record<string, unknown>;
  mode?: string | undefined;
  _meta?: Record<string, unknown> | null | undefined;
  [key: string]: unknown;
}

/** The user's answer to an elicitation (MCP's ElicitResult; `_meta` carries Codex's `persist` choice). */
export interface McpElicitationResponse {
  action: "accept" | "decline" | "cancel";
  content?: Record<string, unknown> | null | undefined;
  _meta?: Record<string, unknown> | null | undefined;
}

/** Answers a server's elicitation during the conversation (declines unless a user can be asked). */
export type McpElicitationHandler = (
  server: string,
  request: McpElicitationRequest,
  signal: AbortSignal,
) => Promise<McpElicitationResponse>;
