import { CLIENT_ID } from "./constants.js";

/** The three tokens a ChatGPT login yields. */
export interface TokenSet {
  id_token: string;
  access_token: string;
  refresh_token: string;
}

/** A failed call to the issuer. The message names the endpoint's status, never a token. */
export class TokenEndpointError extends Error {
  override readonly name = "TokenEndpointError";
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

function issuerUrl(issuer: string, path: string): string {
  return `${issuer.replace(/\/+$/, "")}${path}`;
}

async function post(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
  } catch (err) {
    throw new TokenEndpointError(`error sending request to ${url}: ${(err as Error).message}`, null);
  }
}

/** An issuer endpoint's JSON object answer; `endpoint` names it in the error for anything else. */
async function json(res: Response, endpoint = "token endpoint"): Promise<Record<string, unknown>> {
  const body = (await res.json().catch(() => null)) as unknown;
  if (typeof body !== "object" || body === null) {
    throw new TokenEndpointError(`${endpoint} returned an invalid JSON body`, res.status);
  }
  return body as Record<string, unknown>;
}

function form(fields: Record<string, string>): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  };
}

/** Authorization-code exchange (`grant_type=authorization_code` with the PKCE verifier). */
export async function exchangeCode(o: {
  issuer: string;
  code: string;
  redirectUri: string;
  verifier: string;
}): Promise<TokenSet> {
  const res = await post(
    issuerUrl(o.issuer, "/oauth/token"),
    form({
      grant_type: "authorization_code",
      code: o.code,
      redirect_uri: o.redirectUri,
      client_id: CLIENT_ID,
      code_verifier: o.verifier,
    }),
  );
  if (!res.ok) throw new TokenEndpointError(`token endpoint returned status ${res.status}`, res.status);
  const body = await json(res);
  const { id_token, access_token, refresh_token } = body;
  if (typeof id_token !== "string" || typeof access_token !== "string" || typeof refresh_token !== "string") {
    throw new TokenEndpointError(
      "token endpoint response lacks id_token, access_token or refresh_token",
      res.status,
    );
  }
  return { id_token, access_token, refresh_token };
}

/** Token exchange of the ID token for an OpenAI API key (Codex tries it after every login; failures are normal). */
export async function exchangeApiKey(o: { issuer: string; idToken: string }): Promise<string> {
  const res = await post(
    issuerUrl(o.issuer, "/oauth/token"),
    form({
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      client_id: CLIENT_ID,
      requested_token: "openai-api-key",
      subject_token: o.idToken,
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
    }),
  );
  if (!res.ok) throw new TokenEndpointError(`API key exchange returned status ${res.status}`, res.status);
  const key = (await json(res)).access_token;
  if (typeof key !== "string")
    throw new TokenEndpointError("API key exchange response lacks access_token", res.status);
  return key;
}

/** Refresh grant, as a JSON body (Codex's format). Fields absent from the answer keep their stored values. */
export async function refreshTokens(o: {
  url: string;
  refreshToken: string;
  headers: Record<string, string>;
}): Promise<Partial<TokenSet>> {
  const res = await post(o.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...o.headers },
    body: JSON.stringify({
      client_id: CLIENT_ID,
      grant_type: "refresh_token",
      refresh_token: o.refreshToken,
      scope: "openid profile email",
    }),
  });
  if (res.status === 401) {
    throw new TokenEndpointError(
      "Your access token could not be refreshed because your refresh token was rejected. Please log out and sign in again.",
      401,
    );
  }
  if (!res.ok)
    throw new TokenEndpointError(
      `Failed to refresh token: token endpoint returned status ${res.status}`,
      res.status,
    );
  const body = await json(res);
  const out: Partial<TokenSet> = {};
  for (const k of ["id_token", "access_token", "refresh_token"] as const) {
    const v = body[k];
    if (typeof v === "string") out[k] = v;
  }
  return out;
}

export { issuerUrl, json as issuerJson };
