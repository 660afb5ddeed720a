import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type McpOauthStoreRef, StoredOAuthProvider } from "./stored-provider.js";

/** 0.166.0's wait for the browser's callback when the request names no `timeoutSecs`. */
export const DEFAULT_MCP_OAUTH_TIMEOUT_SEC = 300;

const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the browser shows once the login went through (0.166.0's page). */
const DONE_PAGE = "Authentication complete. You may close this window.";

export interface McpOauthLoginOptions extends McpOauthStoreRef {
  /** Scopes to ask for (none: what the server's metadata suggests). */
  scopes: string[];
  timeoutSec: number;
  /** `mcp_oauth_callback_port`: the listener's port (0 or unset: any free one). */
  callbackPort?: number | undefined;
  /** `mcp_oauth_callback_url`: the base of the redirect URI instead of the listener's own URL. */
  callbackUrl?: string | undefined;
  /**
   * Whether the waiting login keeps the process alive (a CLI waiting for the browser). A server's logins do not:
   * one left waiting never delays its exit.
   */
  holdProcess?: boolean | undefined;
}

export interface McpOauthLogin {
  /** Where the user signs in. */
  authorizationUrl: string;
  /** Resolves once the tokens are stored; rejects with the reason the login ended without them. */
  done: Promise<void>;
  /** Ends the login (its listener closes; `done` rejects with `OAuth callback was cancelled`). */
  cancel(): void;
}

/**
 * One OAuth login to a streamable HTTP MCP server, through the MCP SDK's `auth()`: discovery (protected-resource
 * and authorization-server metadata), dynamic client registration and PKCE give the authorization URL; a listener
 * on 127.0.0.1 takes the browser's callback, checks its `state`, and the code is exchanged for tokens that are
 * stored where 0.166.0 stores them. The login ends by itself after `timeoutSec`.
 */
export async function startMcpOauthLogin(o: McpOauthLoginOptions): Promise<McpOauthLogin> {
  const { auth } = await import("@modelcontextprotocol/sdk/client/auth.js");
  // node:http is loaded by a login, not by every start of the server that may offer one.
  const { createServer } = await import("node:http");
  // Each login has its own path under the callback base (`/callback` or `mcp_oauth_callback_url`'s), as in 0.166.0.
  const nonce = randomBytes(9).toString("base64url");
  const base = o.callbackUrl ? new URL(o.callbackUrl) : null;
  const basePath = (base?.pathname ?? "/callback").replace(/\/+$/, "");
  const callbackPath = `${basePath}/${nonce}`;
  let onCallback: (params: URLSearchParams) => Promise<{ status: number; body: string }> = async () => ({
    status: 400,
    body: "Invalid OAuth callback",
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method !== "GET" || url.pathname !== callbackPath) {
      res.writeHead(404).end();
      return;
    }
    void onCallback(url.searchParams).then(({ status, body }) => {
      // The listener closes once the login ended: this answer is the connection's last.
      res.writeHead(status, { "content-type": "text/plain; charset=utf-8", connection: "close" }).end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.callbackPort ?? 0, "127.0.0.1", () => resolve());
  });
  if (!o.holdProcess) server.unref();
  const redirectUrl = base
    ? `${base.origin}${callbackPath}`
    : `http://127.0.0.1:${(server.address() as AddressInfo).port}${callbackPath}`;

  let authorizationUrl: URL | undefined;
  const provider = new StoredOAuthProvider(o, null, {
    redirectUrl,
    scopes: o.scopes,
    onAuthorizationUrl: (url) => {
      authorizationUrl = url;
    },
  });
  const serverUrl = o.serverUrl;
  const scope = o.scopes.length > 0 ? o.scopes.join(" ") : undefined;
  try {
    await auth(provider, { serverUrl, ...(scope ? { scope } : {}) });
  } catch (err) {
    closeServer(server);
    throw err;
  }
  if (!authorizationUrl) {
    closeServer(server);
    throw new Error("the authorization server did not ask for a browser sign-in");
  }

  let settle: { resolve: () => void; reject: (err: Error) => void } | undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  let finished = false;
  const finish = (err: Error | null) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    closeServer(server);
    if (err) settle?.reject(err);
    else settle?.resolve();
  };
  // Node's timers hold at most 2^31-1 ms (longer ones fire at once): a longer wait is that long.
  const timer = setTimeout(
    () => finish(new Error("timed out waiting for OAuth callback")),
    Math.min(o.timeoutSec * 1000, MAX_TIMER_MS),
  );
  if (!o.holdProcess) timer.unref();

  let exchanging = false;
  onCallback = async (params) => {
    // One callback ends the login: a repeated one (a reload of the page) finds it taken.
    if (finished || exchanging) return { status: 400, body: "Invalid OAuth callback" };
    const error = params.get("error");
    if (params.get("state") !== provider.expectedState)
      return { status: 400, body: "Invalid OAuth callback" };
    if (error) {
      const description = params.get("error_description");
      const message = `OAuth provider returned \`${error}\`${description ? `: ${description}` : ""}`;
      finish(new Error(message));
      return { status: 400, body: message };
    }
    const code = params.get("code");
    if (!code) return { status: 400, body: "Invalid OAuth callback" };
    exchanging = true;
    try {
      await auth(provider, { serverUrl, authorizationCode: code, ...(scope ? { scope } : {}) });
      finish(null);
      return { status: 200, body: DONE_PAGE };
    } catch (err) {
      const message = `failed to exchange the authorization code: ${(err as Error).message}`;
      finish(new Error(message));
      return { status: 400, body: message };
    }
  };

  return {
    authorizationUrl: authorizationUrl.toString(),
    done,
    cancel: () => finish(new Error("OAuth callback was cancelled")),
  };
}

/** Stops listening; idle connections close now, one answering the callback once its answer is written. */
function closeServer(server: Server): void {
  server.close();
  server.closeIdleConnections();
}
