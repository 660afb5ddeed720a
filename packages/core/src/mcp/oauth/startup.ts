import { McpStartError } from "../startup-failure.js";
import { type McpOauthStoreRef, needsRefresh, StoredOAuthProvider } from "./stored-provider.js";

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
  } catch {
    throw reauthenticate;
  }
  if (result !== "AUTHORIZED") throw reauthenticate;
  return provider;
}
