import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the OAuth-protected MCP mock received (never its tokens: only whether a bearer was sent). */
export interface McpOauthRequest {
  method: string;
  path: string;
  /** The JSON-RPC method of an MCP POST, or the grant type of a token request. */
  what: string | null;
  /** Whether an `Authorization: Bearer` header was sent and accepted. */
  bearer: "none" | "accepted" | "refused";
}

export interface MockMcpOauthServer {
  /** The MCP endpoint to configure (`url = …`): `http://127.0.0.1:<port>/mcp`. */
  readonly url: string;
  /** The authorization server's issuer (the same origin). */
  readonly issuer: string;
  readonly requests: McpOauthRequest[];
  /** Clients registered through dynamic client registration (`client_id` → its `redirect_uris`). */
  readonly clients: Map<string, string[]>;
  /** Access tokens the MCP endpoint accepts now. */
  readonly accessTokens: Set<string>;
  /** Lifetime (`expires_in`) of the access tokens issued from now on, in seconds. */
  tokenLifetimeSec: number;
  /** Scopes of the last authorization request (`scope`, split). */
  lastScopes: string[];
  /** When true, the authorize endpoint redirects back with `error=access_denied` (the user said no). */
  deny: boolean;
  /** Stops accepting every access token issued so far (the next MCP request is answered 401). */
  revokeAccessTokens(): void;
  /**
   * What a browser does with an authorization URL: GET it, take the redirect to the client's callback and follow
   * it. Resolves with the callback's status and body.
   */
  authorizeInBrowser(authorizationUrl: string): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** The one tool the protected server offers: it echoes its `text` argument. */
const ECHO_TOOL = {
  name: "echo",
  description: "Echoes its text.",
  inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
};

/**
 * An OAuth-protected MCP server on 127.0.0.1, all on one origin: an MCP streamable HTTP endpoint (`/mcp`, JSON
 * answers) that answers 401 with a `WWW-Authenticate` naming its protected-resource metadata unless the request
 * bears a current access token; RFC 9728 protected-resource metadata; RFC 8414 authorization-server metadata;
 * dynamic client registration (`/register`); an authorize endpoint that redirects straight back to the client's
 * `redirect_uri` (as if the user approved); a token endpoint that checks PKCE and the redirect URI, and rotates
 * refresh tokens.
 */
export async function startMockMcpOauthServer(): Promise<MockMcpOauthServer> {
  const requests: McpOauthRequest[] = [];
  const clients = new Map<string, string[]>();
  const codes = new Map<string, { challenge: string; redirectUri: string; clientId: string }>();
  const accessTokens = new Set<string>();
  const refreshTokens = new Set<string>();
  let base = "";

  const mock: MockMcpOauthServer = {
    get url() {
      return `${base}/mcp`;
    },
    get issuer() {
      return base;
    },
    requests,
    clients,
    accessTokens,
    tokenLifetimeSec: 3600,
    lastScopes: [],
    deny: false,
    revokeAccessTokens() {
      accessTokens.clear();
    },
    async authorizeInBrowser(authorizationUrl) {
      const page = await fetch(authorizationUrl, { redirect: "manual" });
      await page.body?.cancel();
      const location = page.headers.get("location");
      if (page.status !== 302 || !location) throw new Error(`authorize answered ${page.status}`);
      const callback = await fetch(location, { redirect: "manual" });
      return { status: callback.status, body: await callback.text() };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  function issueTokens() {
    const access_token = `mcp-at-${randomBytes(12).toString("hex")}`;
    const refresh_token = `mcp-rt-${randomBytes(12).toString("hex")}`;
    accessTokens.add(access_token);
    refreshTokens.add(refresh_token);
    return { access_token, token_type: "Bearer", expires_in: mock.tokenLifetimeSec, refresh_token };
  }

  function token(fields: Record<string, string>, res: ServerResponse) {
    const clientId = fields.client_id ?? "";
    if (!clients.has(clientId)) return json(res, 401, { error: "invalid_client" });
    if (fields.grant_type === "authorization_code") {
      const entry = codes.get(fields.code ?? "");
      const challenge = createHash("sha256")
        .update(fields.code_verifier ?? "")
        .digest("base64url");
      if (
        !entry ||
        entry.clientId !== clientId ||
        entry.redirectUri !== fields.redirect_uri ||
        entry.challenge !== challenge
      )
        return json(res, 400, { error: "invalid_grant" });
      codes.delete(fields.code ?? "");
      return json(res, 200, issueTokens());
    }
    if (fields.grant_type === "refresh_token") {
      if (!refreshTokens.delete(fields.refresh_token ?? ""))
        return json(res, 400, { error: "invalid_grant" });
      return json(res, 200, issueTokens());
    }
    return json(res, 400, { error: "unsupported_grant_type" });
  }

  function authorize(url: URL, res: ServerResponse) {
    const q = url.searchParams;
    const clientId = q.get("client_id") ?? "";
    const redirectUri = q.get("redirect_uri") ?? "";
    if (!clients.get(clientId)?.includes(redirectUri) || q.get("code_challenge_method") !== "S256")
      return json(res, 400, { error: "invalid_request" });
    mock.lastScopes = (q.get("scope") ?? "").split(" ").filter(Boolean);
    const back = new URL(redirectUri);
    if (mock.deny) {
      back.searchParams.set("error", "access_denied");
      back.searchParams.set("error_description", "the user declined");
    } else {
      const code = `code-${randomBytes(8).toString("hex")}`;
      codes.set(code, { challenge: q.get("code_challenge") ?? "", redirectUri, clientId });
      back.searchParams.set("code", code);
    }
    const state = q.get("state");
    if (state !== null) back.searchParams.set("state", state);
    res.writeHead(302, { location: back.toString() });
    res.end();
  }

  /** The MCP endpoint: initialize, tools/list, tools/call (echo), ping; notifications get 202. */
  function mcp(
    message: { id?: unknown; method?: string; params?: Record<string, unknown> },
    res: ServerResponse,
  ) {
    if (message.id === undefined) {
      res.writeHead(202);
      return res.end();
    }
    const reply = (result: unknown) => json(res, 200, { jsonrpc: "2.0", id: message.id, result });
    switch (message.method) {
      case "initialize":
        return reply({
          protocolVersion: String(message.params?.protocolVersion ?? "2025-06-18"),
          capabilities: { tools: {} },
          serverInfo: { name: "oauth-mock", version: "1.0.0" },
        });
      case "tools/list":
        return reply({ tools: [ECHO_TOOL] });
      case "tools/call": {
        const args = (message.params?.arguments ?? {}) as { text?: unknown };
        return reply({ content: [{ type: "text", text: `echo: ${String(args.text ?? "")}` }] });
      }
      case "ping":
        return reply({});
      default:
        return json(res, 200, {
          jsonrpc: "2.0",
          id: message.id,
          error: { code: -32601, message: "Method not found" },
        });
    }
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const raw = await readBody(req);
      const rec: McpOauthRequest = {
        method: req.method ?? "",
        path: url.pathname,
        what: null,
        bearer: "none",
      };
      requests.push(rec);
      const path = url.pathname;
      if (path.startsWith("/.well-known/oauth-protected-resource"))
        return json(res, 200, { resource: mock.url, authorization_servers: [base] });
      if (
        path.startsWith("/.well-known/oauth-authorization-server") ||
        path.startsWith("/.well-known/openid")
      )
        return json(res, 200, {
          issuer: base,
          authorization_endpoint: `${base}/authorize`,
          token_endpoint: `${base}/token`,
          registration_endpoint: `${base}/register`,
          response_types_supported: ["code"],
          grant_types_supported: ["authorization_code", "refresh_token"],
          code_challenge_methods_supported: ["S256"],
          token_endpoint_auth_methods_supported: ["none"],
        });
      if (path === "/register" && req.method === "POST") {
        const body = JSON.parse(raw || "{}") as { redirect_uris?: string[] };
        const clientId = `client-${randomBytes(6).toString("hex")}`;
        clients.set(clientId, body.redirect_uris ?? []);
        return json(res, 201, { ...body, client_id: clientId, token_endpoint_auth_method: "none" });
      }
      if (path === "/authorize") return authorize(url, res);
      if (path === "/token" && req.method === "POST") {
        const fields = Object.fromEntries(new URLSearchParams(raw));
        rec.what = fields.grant_type ?? null;
        return token(fields, res);
      }
      if (path === "/mcp") {
        const auth = String(req.headers.authorization ?? "");
        const bearer = auth.startsWith("Bearer ") ? auth.slice(7) : null;
        rec.bearer = bearer === null ? "none" : accessTokens.has(bearer) ? "accepted" : "refused";
        if (req.method === "POST") {
          try {
            rec.what = String((JSON.parse(raw) as { method?: unknown }).method ?? "");
          } catch {
            rec.what = null;
          }
        }
        if (rec.bearer !== "accepted") {
          return json(
            res,
            401,
            { error: "invalid_token" },
            {
              "www-authenticate": `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`,
            },
          );
        }
        if (req.method === "GET") {
          res.writeHead(405);
          return res.end();
        }
        if (req.method === "DELETE") {
          res.writeHead(200);
          return res.end();
        }
        return mcp(JSON.parse(raw) as Parameters<typeof mcp>[0], res);
      }
      json(res, 404, { error: "not found" });
    })().catch(() => {
      if (!res.headersSent) json(res, 500, { error: "mock failure" });
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return mock;
}
