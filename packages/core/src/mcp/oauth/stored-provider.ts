import { randomBytes } from "node:crypto";
import {
  deleteMcpOauthCredentials,
  loadMcpOauthCredentials,
  type McpOauthCredentials,
  type McpOauthStoreMode,
  saveMcpOauthCredentials,
} from "@codex-ts/auth-storage";
import type { OAuthClientProvider, OAuthDiscoveryState } from "@modelcontextprotocol/sdk/client/auth.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";

/** Where one server's sign-in is stored (`mcp_oauth_credentials_store` in CODEX_HOME). */
export interface McpOauthStoreRef {
  codexHome: string;
  mode: McpOauthStoreMode;
  serverName: string;
  serverUrl: string;
}

/** The authorization flow needs the user's browser; a start-up cannot continue without a login. */
export class McpOauthRedirectNeeded extends Error {
  constructor() {
    super("OAuth authorization is required");
    this.name = "McpOauthRedirectNeeded";
  }
}

/**
 * The MCP SDK's `OAuthClientProvider` over the stored sign-in of one server. `login` mode registers a new client
 * and hands the authorization URL to `onAuthorizationUrl` (the user's browser goes there); otherwise (a server's
 * start) it presents the stored tokens, refreshes them and stores the new ones, and an authorization it would need
 * fails with `McpOauthRedirectNeeded`. Tokens pass through here only: nothing logs them.
 */
export class StoredOAuthProvider implements OAuthClientProvider {
  private stored: McpOauthCredentials | null;
  private verifier = "";
  private issuerUrl: string | null = null;
  private registered: OAuthClientInformationMixed | undefined;
  private readonly stateValue = randomBytes(16).toString("base64url");

  constructor(
    private readonly ref: McpOauthStoreRef,
    initial: McpOauthCredentials | null,
    private readonly login?: {
      redirectUrl: string;
      scopes: string[];
      onAuthorizationUrl: (url: URL) => void;
    },
  ) {
    this.stored = login ? null : initial;
  }

  /** The sign-in stored for the server (null when none or unreadable). */
  static async load(ref: McpOauthStoreRef): Promise<McpOauthCredentials | null> {
    return loadMcpOauthCredentials(ref.codexHome, ref.mode, ref.serverName, ref.serverUrl);
  }

  get credentials(): McpOauthCredentials | null {
    return this.stored;
  }

  get redirectUrl(): string {
    // A start-up never redirects; the SDK only needs a URL to consider the flow interactive.
    return this.login?.redirectUrl ?? "http://127.0.0.1/callback";
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "Codex",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      ...(this.login && this.login.scopes.length > 0 ? { scope: this.login.scopes.join(" ") } : {}),
    };
  }

  state(): string {
    return this.stateValue;
  }

  /** The `state` the authorization URL carries; the callback must bring it back. */
  get expectedState(): string {
    return this.stateValue;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.issuerUrl = state.authorizationServerUrl;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    if (this.registered) return this.registered;
    const s = this.stored;
    if (!s) return undefined;
    return {
      client_id: s.clientId,
      ...(s.clientSecret ? { client_secret: s.clientSecret } : {}),
      ...(s.issuer ? { issuer: s.issuer } : {}),
    };
  }

  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.registered = info;
  }

  tokens(): OAuthTokens | undefined {
    const s = this.stored;
    if (!s) return undefined;
    return {
      access_token: s.accessToken,
      token_type: "Bearer",
      ...(s.refreshToken ? { refresh_token: s.refreshToken } : {}),
      ...(s.expiresAt !== null
        ? { expires_in: Math.max(0, Math.floor((s.expiresAt - Date.now()) / 1000)) }
        : {}),
      ...(s.issuer ? { issuer: s.issuer } : {}),
    };
  }

  async saveTokens(tokens: OAuthTokens): Promise<void> {
    const client = this.clientInformation();
    if (!client) throw new Error("no OAuth client to store tokens for");
    // The scopes the token response granted (0.166.0 stores [] when it names none, whatever was asked for).
    const scopes = tokens.scope ? tokens.scope.split(" ").filter(Boolean) : (this.stored?.scopes ?? []);
    const next: McpOauthCredentials = {
      serverName: this.ref.serverName,
      serverUrl: this.ref.serverUrl,
      issuer: trimIssuer(this.issuerUrl) ?? this.stored?.issuer ?? null,
      clientId: client.client_id,
      ...(client.client_secret ? { clientSecret: client.client_secret } : {}),
      accessToken: tokens.access_token,
      // A refresh answer without a new refresh token keeps the old one.
      refreshToken: tokens.refresh_token ?? this.stored?.refreshToken ?? null,
      expiresAt: typeof tokens.expires_in === "number" ? Date.now() + tokens.expires_in * 1000 : null,
      scopes,
    };
    await saveMcpOauthCredentials(this.ref.codexHome, this.ref.mode, next);
    this.stored = next;
  }

  redirectToAuthorization(url: URL): void {
    if (!this.login) throw new McpOauthRedirectNeeded();
    this.login.onAuthorizationUrl(url);
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    return this.verifier;
  }

  /** Nothing stored is dropped on a failed refresh: a new login replaces it, as in 0.166.0. */
  invalidateCredentials(): void {}
}

/** The authorization server URL as 0.166.0 stores it (`http://host:port`, no trailing slash of a bare origin). */
function trimIssuer(url: string | null): string | null {
  if (!url) return null;
  return url.endsWith("/") && new URL(url).pathname === "/" ? url.slice(0, -1) : url;
}

/** Whether the stored access token has expired or will within 30 s (0.166.0 refreshes it before the start then). */
export function needsRefresh(c: McpOauthCredentials, now = Date.now()): boolean {
  return c.expiresAt !== null && now + 30_000 >= c.expiresAt;
}

/** Whether a sign-in is stored for the server (an unreadable store counts as none). */
export async function hasStoredMcpOauth(ref: McpOauthStoreRef): Promise<boolean> {
  return StoredOAuthProvider.load(ref)
    .then((c) => c !== null)
    .catch(() => false);
}

/** Removes the sign-in stored for the server (keyring and file); true when there was one. */
export async function deleteStoredMcpOauth(ref: McpOauthStoreRef): Promise<boolean> {
  return deleteMcpOauthCredentials(ref.codexHome, ref.mode, ref.serverName, ref.serverUrl);
}
