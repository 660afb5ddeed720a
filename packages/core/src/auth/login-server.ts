import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { parseClaims } from "./claims.js";
import { CLIENT_ID, DEFAULT_ISSUER } from "./constants.js";
import { generatePkce, generateState } from "./pkce.js";
import { exchangeCode, issuerUrl, type TokenSet } from "./token-client.js";

/** How a login server ended: success once the browser reached `/success`, else Codex's error text. */
export type LoginOutcome = { ok: true } | { ok: false; message: string };

export interface LoginServerOptions {
  issuer: string;
  /** 1455 in Codex; 0 picks a free port (tests). */
  port: number;
  originator: string;
  forcedWorkspaceId?: string | undefined;
  /** Stores the exchanged tokens; a failure is answered with HTTP 500 and the server keeps waiting. */
  persist(tokens: TokenSet): Promise<void>;
}

export interface LoginServer {
  readonly authUrl: string;
  readonly port: number;
  readonly done: Promise<LoginOutcome>;
  /**
   * Ends the login with `message` as its error (no-op once ended). Resolves once the server has closed and its
   * port is free again.
   */
  cancel(message: string): Promise<void>;
}

const BIND_ATTEMPTS = 10;
const BIND_RETRY_MS = 200;
const CANCEL_TIMEOUT_MS = 2000;

const SUCCESS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signed in to Codex</title></head>
<body style="font-family: system-ui, sans-serif; text-align: center; margin-top: 20vh">
<h1>Signed in to Codex</h1><p>You can close this window and return to your editor.</p>
</body></html>
`;

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=UTF-8", connection: "close" });
  res.end(body);
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    // Listeners are removed either way: a busy port is retried on the same server.
    const onError = (err: Error) => {
      server.off("listening", onListening);
      reject(err);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, "127.0.0.1");
  });
}

/** Asks a login server left on the port (another Codex) to stop, as Codex does: one raw `GET /cancel`. */
function askToCancel(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.setTimeout(CANCEL_TIMEOUT_MS, () => socket.destroy());
    socket.on("connect", () => {
      socket.end(`GET /cancel HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    });
    socket.on("data", () => {});
    socket.on("error", () => resolve());
    socket.on("close", () => resolve());
  });
}

async function bind(server: Server, port: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await listen(server, port);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || port === 0) throw err;
      if (attempt === 1) await askToCancel(port);
      if (attempt >= BIND_ATTEMPTS) throw new Error(`Port 127.0.0.1:${port} is already in use`);
      await new Promise((r) => setTimeout(r, BIND_RETRY_MS));
    }
  }
}

/** Codex's authorize URL, parameters in its exact order. */
export function buildAuthorizeUrl(o: {
  issuer: string;
  redirectUri: string;
  challenge: string;
  state: string;
  originator: string;
  forcedWorkspaceId?: string | undefined;
}): string {
  const params: Array<[string, string]> = [
    ["response_type", "code"],
    ["client_id", CLIENT_ID],
    ["redirect_uri", o.redirectUri],
    ["scope", "openid profile email offline_access"],
    ["code_challenge", o.challenge],
    ["code_challenge_method", "S256"],
    ["id_token_add_organizations", "true"],
    ["codex_cli_simplified_flow", "true"],
    ["state", o.state],
    ["originator", o.originator],
  ];
  if (o.forcedWorkspaceId) params.push(["allowed_workspace_id", o.forcedWorkspaceId]);
  const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
  return `${issuerUrl(o.issuer, "/oauth/authorize")}?${query}`;
}

export function workspaceError(expected: string | undefined, idToken: string): string | null {
  if (!expected) return null;
  const actual = parseClaims(idToken).accountId;
  if (!actual) {
    return "Login is restricted to a specific workspace, but the token did not include an chatgpt_account_id claim.";
  }
  return actual === expected ? null : `Login is restricted to workspace id ${expected}.`;
}

/**
 * The local OAuth callback server of one ChatGPT login: serves `/auth/callback` (state check, code exchange,
 * workspace check, persist, redirect to `/success`), `/success` (ends the login) and `/cancel`.
 */
export async function startLoginServer(o: LoginServerOptions): Promise<LoginServer> {
  const pkce = generatePkce();
  const state = generateState();
  let finish: (outcome: LoginOutcome) => void = () => {};
  const done = new Promise<LoginOutcome>((resolve) => {
    finish = resolve;
  });
  let ended = false;
  let persisted = false;
  let exchanging = false;
  let redirectUri = "";
  let actualPort = 0;

  // node:http is loaded by a login, not by every start of the server that may offer one.
  const { createServer } = await import("node:http");
  const server = createServer((req, res) => void route(req, res));
  const closed = new Promise<void>((resolve) => server.once("close", () => resolve()));
  const end = (outcome: LoginOutcome, res?: ServerResponse) => {
    if (ended) return;
    ended = true;
    finish(outcome);
    server.close();
    // Let the final response reach the browser before dropping keep-alive connections.
    if (res && !res.writableFinished) res.once("finish", () => server.closeAllConnections());
    else server.closeAllConnections();
  };

  async function callback(url: URL, res: ServerResponse): Promise<void> {
    if (url.searchParams.get("state") !== state) return text(res, 400, "State mismatch");
    const code = url.searchParams.get("code");
    if (!code) return text(res, 400, "Missing authorization code");
    if (exchanging || persisted) return text(res, 409, "Login already in progress");
    exchanging = true;
    try {
      let tokens: TokenSet;
      try {
        tokens = await exchangeCode({ issuer: o.issuer, code, redirectUri, verifier: pkce.verifier });
      } catch (err) {
        return text(res, 500, `Token exchange failed: ${(err as Error).message}`);
      }
      // Cancelled while the issuer answered: store nothing for a login already reported as ended.
      if (ended) return text(res, 410, "Login cancelled");
      const denied = workspaceError(o.forcedWorkspaceId, tokens.id_token);
      if (denied) {
        text(res, 403, denied);
        return end({ ok: false, message: denied }, res);
      }
      try {
        await o.persist(tokens);
      } catch (err) {
        return text(res, 500, `Unable to persist auth file: ${(err as Error).message}`);
      }
      persisted = true;
      res.writeHead(302, { location: successUrl(tokens), connection: "close" });
      res.end();
    } finally {
      exchanging = false;
    }
  }

  function successUrl(tokens: TokenSet): string {
    const id = parseClaims(tokens.id_token);
    const access = parseClaims(tokens.access_token);
    const platformUrl =
      o.issuer.replace(/\/+$/, "") === DEFAULT_ISSUER
        ? "https://platform.openai.com"
        : "https://platform.api.openai.org";
    // The ID token is left out of the query (Codex puts it there); the page does not need it.
    const q = new URLSearchParams({
      needs_setup: String(!id.completedPlatformOnboarding && id.isOrgOwner),
      org_id: id.organizationId ?? "",
      project_id: id.projectId ?? "",
      plan_type: access.planType ?? "",
      platform_url: platformUrl,
    });
    return `http://localhost:${actualPort}/success?${q.toString()}`;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method !== "GET" || ended) return text(res, 404, "Not Found");
    switch (url.pathname) {
      case "/auth/callback":
        return callback(url, res);
      case "/success":
        // Only a login whose credentials are stored can succeed (a bare visit to /success proves nothing).
        if (!persisted) return text(res, 404, "Not Found");
        res.writeHead(200, { "content-type": "text/html; charset=UTF-8", connection: "close" });
        res.end(SUCCESS_PAGE);
        return end({ ok: true }, res);
      case "/cancel":
        text(res, 200, "Login cancelled");
        return end({ ok: false, message: "Login cancelled" }, res);
      default:
        return text(res, 404, "Not Found");
    }
  }

  await bind(server, o.port);
  // A pending login alone must not keep the process alive.
  server.unref();
  actualPort = (server.address() as AddressInfo).port;
  redirectUri = `http://localhost:${actualPort}/auth/callback`;
  const authUrl = buildAuthorizeUrl({
    issuer: o.issuer,
    redirectUri,
    challenge: pkce.challenge,
    state,
    originator: o.originator,
    forcedWorkspaceId: o.forcedWorkspaceId,
  });
  return {
    authUrl,
    port: actualPort,
    done,
    cancel: (message) => {
      end({ ok: false, message });
      // A response still being written (a browser that stopped reading) must not hold the port.
      server.closeAllConnections();
      return closed;
    },
  };
}
