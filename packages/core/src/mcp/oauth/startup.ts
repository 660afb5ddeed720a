import { McpStartError, type McpStartFailure } from "../startup-failure.js";
import {
  McpOauthRedirectNeeded,
  type McpOauthStoreRef,
  needsRefresh,
  StoredOAuthProvider,
} from "./stored-provider.js";

/** The OAuth error code (`invalid_grant`, …) of an MCP SDK `OAuthError`, if `err` is one. */
function oauthErrorCode(err: unknown): string | undefined {
  const e = err as { errorCode?: unknown; constructor?: { errorCode?: unknown } } | null;
  const code = e?.errorCode ?? e?.constructor?.errorCode;
  return typeof code === "string" ? code : undefined;
}

/**
 * How a failed refresh of stored tokens is reported, as 0.166.0 reports it: a refresh token the authorization
 * server no longer accepts (`invalid_grant`), or none at all, means a new login (`reauthenticationRequired`);
 * any other refusal is the start's failure in rmcp's words.
 */
export function refreshFailure(err: unknown): McpStartFailure {
  const code = oauthErrorCode(err);
  if (err instanceof McpOauthRedirectNeeded || code === "invalid_grant")
    return { kind: "auth", state: "reauthenticationRequired" };
  const reason = code ? `Server returned error response: ${code}` : ((err as Error)?.message ?? String(err));
  return { kind: "refused", message: `OAuth token refresh failed: ${reason}` };
}

/**
 * The OAuth provider a streamable HTTP server starts with: null when no sign-in is stored for it; otherwise the
 * stored tokens, refreshed first when they have expired (or will within 30 s), as 0.166.0 does before a start.
 * Tokens that cannot be refreshed fail the start as `reauthenticationRequired`.
 */
export async function storedAuthProvider(ref: McpOauthStoreRef): Promise<StoredOAuthProvider | null> {
  const stored = await StoredOAuthProvider.load(ref);
  if (!stored) return null;
  const provider = new StoredOAuthProvider(ref, stored);
  if (!needsRefresh(stored)) return provider;
  const reauthenticate = new McpStartError({ kind: "auth", state: "reauthenticationRequired" });
  if (!stored.refreshToken) throw reauthenticate;
  const { auth } = await import("@modelcontextprotocol/sdk/client/auth.js");
  let result: string;
  try {
    result = await auth(provider, { serverUrl: ref.serverUrl });
  } catch (err) {
    throw new McpStartError(refreshFailure(err));
  }
  if (result !== "AUTHORIZED") throw reauthenticate;
  return provider;
}
