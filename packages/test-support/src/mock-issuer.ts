import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RecordedRequest } from "./mock-model-server.js";

/** Claims the mock puts in the tokens it issues (under `https://api.openai.com/auth` except `email`). */
export interface IssuedClaims {
  email?: string | null;
  planType?: string | null;
  accountId?: string | null;
  organizationId?: string | null;
  projectId?: string | null;
}

export interface MockIssuer {
  /** OAuth issuer base URL (`http://127.0.0.1:<port>`): `/oauth/authorize`, `/oauth/token`. */
  readonly issuer: string;
  /** ChatGPT backend base URL (`http://127.0.0.1:<port>/backend-api/`): `wham/usage`. */
  readonly chatgptBaseUrl: string;
  /** Every request received, in order (form and JSON bodies parsed). */
  readonly requests: RecordedRequest[];
  /** Claims of the tokens issued from now on. */
  claims: IssuedClaims;
  /** Whether the ID-token → API-key exchange succeeds (it is refused by default, as for most ChatGPT accounts). */
  apiKeyExchange: boolean;
  /** When set, refresh requests are answered with this status and an `invalid_grant` error. */
  refreshFailure: number | null;
  /** Body of `GET /backend-api/wham/usage`. */
  usage: unknown;
  /**
   * Device-code login (`/api/accounts/deviceauth/usercode` and `/token`): off answers 404 as an issuer without it
   * does; `pendingPolls` is how many polls are told the user has not entered the code yet (403).
   */
  deviceAuth: { enabled: boolean; pendingPolls: number; userCode: string };
  /** Access tokens the mock currently accepts (latest last). */
  readonly accessTokens: string[];
  /** Holds the next `/oauth/token` request until `release()`; `arrived` settles when it comes in. */
  pauseTokenEndpoint(): { arrived: Promise<void>; release: () => void };
  /** Mints tokens directly (no login), e.g. to seed an auth.json; they are accepted like issued ones. */
  issueTokens(): { id_token: string; access_token: string; refresh_token: string };
  close(): Promise<void>;
}

/**
 * An unsigned (`alg: none`) JWT; Codex reads the payload without checking a signature. Its signature part is a
 * placeholder rather than empty: codex 0.58.0 refuses a token with an empty one ("invalid ID token format").
 */
export function makeJwt(payload: Record<string, unknown>): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  return `${enc({ alg: "none", typ: "JWT" })}.${enc(payload)}.c2ln`;
}

function claimsPayload(c: IssuedClaims, extra: Record<string, unknown>): Record<string, unknown> {
  const auth: Record<string, unknown> = {};
  if (c.planType != null) auth.chatgpt_plan_type = c.planType;
  if (c.accountId != null) auth.chatgpt_account_id = c.accountId;
  if (c.organizationId != null) auth.organization_id = c.organizationId;
  if (c.projectId != null) auth.project_id = c.projectId;
  return { ...(c.email != null ? { email: c.email } : {}), "https://api.openai.com/auth": auth, ...extra };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

const DEFAULT_USAGE = {
  plan_type: "plus",
  rate_limit: {
    allowed: true,
    limit_reached: false,
    primary_window: {
      used_percent: 42,
      limit_window_seconds: 18000,
      reset_after_seconds: 3600,
      reset_at: 1764000000,
    },
    secondary_window: {
      used_percent: 7,
      limit_window_seconds: 604800,
      reset_after_seconds: 86400,
      reset_at: 1764500000,
    },
  },
};

/**
 * A real OAuth issuer and ChatGPT usage backend on 127.0.0.1: the authorize endpoint redirects straight back to
 * the client's `redirect_uri` (as if the user approved), the token endpoint checks PKCE and the redirect URI and
 * issues unsigned JWTs, refresh rotates tokens, and `wham/usage` requires a current access token.
 */
export async function startMockIssuer(): Promise<MockIssuer> {
  const requests: RecordedRequest[] = [];
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  const devices = new Map<string, { userCode: string; polls: number }>();
  let issuerBase = ""; // set once listening
  const refreshTokens = new Set<string>();
  const accessTokens: string[] = [];
  let serial = 0;
  let pause: { arrive: () => void; released: Promise<void> } | null = null;

  const mock = {
    claims: { email: "user@example.com", planType: "plus", accountId: "acct-123" } as IssuedClaims,
    apiKeyExchange: false,
    refreshFailure: null as number | null,
    usage: DEFAULT_USAGE as unknown,
    deviceAuth: { enabled: true, pendingPolls: 1, userCode: "ABCD-1234" },
    accessTokens,
    pauseTokenEndpoint() {
      let arrive: () => void = () => {};
      let release: () => void = () => {};
      const arrived = new Promise<void>((r) => {
        arrive = r;
      });
      const released = new Promise<void>((r) => {
        release = r;
      });
      pause = { arrive, released };
      return { arrived, release };
    },
    issueTokens() {
      serial += 1;
      const id_token = makeJwt(claimsPayload(mock.claims, { sub: "user-1", n: serial }));
      const access_token = makeJwt(claimsPayload(mock.claims, { scope: "openid", n: serial }));
      const refresh_token = `rt-${serial}-${randomBytes(8).toString("hex")}`;
      accessTokens.push(access_token);
      refreshTokens.add(refresh_token);
      return { id_token, access_token, refresh_token };
    },
  };

  async function token(req: IncomingMessage, res: ServerResponse, raw: string, rec: RecordedRequest) {
    const isJson = String(req.headers["content-type"] ?? "").includes("application/json");
    const fields: Record<string, string> = isJson
      ? (JSON.parse(raw) as Record<string, string>)
      : Object.fromEntries(new URLSearchParams(raw));
    rec.body = fields;
    if (fields.client_id !== "app_EMoamEEZ73f0CkXaXp7hrann")
      return json(res, 400, { error: "invalid_client" });
    switch (fields.grant_type) {
      case "authorization_code": {
        const entry = codes.get(fields.code ?? "");
        const verifier = fields.code_verifier ?? "";
        const challenge = createHash("sha256").update(verifier).digest("base64url");
        if (!entry || entry.redirectUri !== fields.redirect_uri || entry.challenge !== challenge) {
          return json(res, 400, { error: "invalid_grant" });
        }
        codes.delete(fields.code ?? "");
        return json(res, 200, mock.issueTokens());
      }
      case "urn:ietf:params:oauth:grant-type:token-exchange":
        if (!mock.apiKeyExchange) return json(res, 401, { error: "access_denied" });
        return json(res, 200, { access_token: `sk-exchanged-${++serial}` });
      case "refresh_token": {
        if (mock.refreshFailure !== null) return json(res, mock.refreshFailure, { error: "invalid_grant" });
        if (!refreshTokens.delete(fields.refresh_token ?? ""))
          return json(res, 401, { error: "invalid_grant" });
        return json(res, 200, mock.issueTokens());
      }
      default:
        return json(res, 400, { error: "unsupported_grant_type" });
    }
  }

  /** The device flow: a user code, polls refused while "pending", then a PKCE code for `/oauth/token`. */
  function deviceAuth(step: string, raw: string, res: ServerResponse) {
    if (!mock.deviceAuth.enabled) return json(res, 404, { error: "not found" });
    const fields = JSON.parse(raw || "{}") as Record<string, string>;
    if (step === "usercode") {
      if (fields.client_id !== "app_EMoamEEZ73f0CkXaXp7hrann")
        return json(res, 400, { error: "invalid_client" });
      const id = `dev-${randomBytes(6).toString("hex")}`;
      devices.set(id, { userCode: mock.deviceAuth.userCode, polls: 0 });
      return json(res, 200, { device_auth_id: id, user_code: mock.deviceAuth.userCode, interval: "1" });
    }
    const device = devices.get(fields.device_auth_id ?? "");
    if (step !== "token" || !device || device.userCode !== fields.user_code)
      return json(res, 400, { error: "invalid_request" });
    if (device.polls++ < mock.deviceAuth.pendingPolls)
      return json(res, 403, { error: "authorization_pending" });
    devices.delete(fields.device_auth_id ?? "");
    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const code = `code-${randomBytes(8).toString("hex")}`;
    codes.set(code, { challenge, redirectUri: `${issuerBase}/deviceauth/callback` });
    return json(res, 200, { authorization_code: code, code_challenge: challenge, code_verifier: verifier });
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const at = Date.now();
      const raw = await readBody(req);
      const rec: RecordedRequest = {
        method: req.method ?? "",
        path: url.pathname + url.search,
        headers: req.headers,
        body: raw,
        at,
      };
      requests.push(rec);
      if (req.method === "GET" && url.pathname === "/oauth/authorize") {
        const q = url.searchParams;
        const redirectUri = q.get("redirect_uri") ?? "";
        if (q.get("response_type") !== "code" || q.get("code_challenge_method") !== "S256" || !redirectUri) {
          return json(res, 400, { error: "invalid_request" });
        }
        const code = `code-${randomBytes(8).toString("hex")}`;
        codes.set(code, { challenge: q.get("code_challenge") ?? "", redirectUri });
        const target = new URL(redirectUri);
        target.searchParams.set("code", code);
        target.searchParams.set("state", q.get("state") ?? "");
        res.writeHead(302, { location: target.toString() });
        return res.end();
      }
      if (req.method === "POST" && url.pathname === "/oauth/token") {
        const held = pause;
        pause = null;
        if (held) {
          held.arrive();
          await held.released;
        }
        return token(req, res, raw, rec);
      }
      if (req.method === "POST" && url.pathname.startsWith("/api/accounts/deviceauth/")) {
        return deviceAuth(url.pathname.slice("/api/accounts/deviceauth/".length), raw, res);
      }
      if (req.method === "GET" && url.pathname === "/backend-api/wham/usage") {
        const bearer = String(req.headers.authorization ?? "").replace(/^Bearer /, "");
        if (!accessTokens.includes(bearer)) return json(res, 401, { error: "unauthorized" });
        return json(res, 200, mock.usage);
      }
      json(res, 404, { error: "not found" });
    })().catch((err: unknown) => json(res, 500, { error: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  issuerBase = `http://127.0.0.1:${port}`;
  return Object.assign(mock, {
    issuer: issuerBase,
    chatgptBaseUrl: `http://127.0.0.1:${port}/backend-api/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
