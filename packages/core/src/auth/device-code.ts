import { sleepUnlessAborted } from "../client/retry.js";
import { CLIENT_ID } from "./constants.js";
import { issuerJson, issuerUrl, TokenEndpointError } from "./token-client.js";

/** What the user is shown: where to go and the code to type there; and what the poll needs. */
export interface DeviceCode {
  verificationUrl: string;
  userCode: string;
  deviceAuthId: string;
  /** Seconds between polls, as the issuer asks (at least 1: 0.58.0 polls in a tight loop when it asks for 0). */
  intervalSec: number;
}

/** What the issuer hands the device once the user has entered the code: a PKCE authorization code. */
export interface DeviceGrant {
  authorizationCode: string;
  codeVerifier: string;
}

/** How long the user has to enter the code (the issuer's codes expire then too). */
export const DEVICE_CODE_MAX_WAIT_MS = 15 * 60_000;
/** Each call to the issuer gets this long. */
const REQUEST_TIMEOUT_MS = 60_000;

/** `<issuer>/api/accounts/deviceauth/<step>`, POSTed as JSON (0.58.0's endpoints). */
async function deviceAuthPost(issuer: string, step: string, body: object): Promise<Response> {
  const url = issuerUrl(issuer, `/api/accounts/deviceauth/${step}`);
  try {
    return await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    throw new TokenEndpointError(`error sending request for url (${url}): ${(err as Error).message}`, null);
  }
}

const jsonBody = (res: Response) => issuerJson(res, "device auth endpoint");

const statusText = (res: Response) => `${res.status}${res.statusText ? ` ${res.statusText}` : ""}`;

/** Asks the issuer for a user code (`deviceauth/usercode`); the user enters it at `<issuer>/codex/device`. */
export async function requestDeviceCode(issuer: string): Promise<DeviceCode> {
  const res = await deviceAuthPost(issuer, "usercode", { client_id: CLIENT_ID });
  if (res.status === 404)
    throw new TokenEndpointError(
      "device code login is not enabled for this Codex server. Use the browser login or verify the server URL.",
      404,
    );
  if (!res.ok)
    throw new TokenEndpointError(`device code request failed with status ${statusText(res)}`, res.status);
  const body = await jsonBody(res);
  const userCode = body.user_code ?? body.usercode;
  if (typeof body.device_auth_id !== "string" || typeof userCode !== "string")
    throw new TokenEndpointError("device code response lacks device_auth_id or user_code", res.status);
  const interval = Number.parseInt(String(body.interval ?? "0").trim(), 10);
  return {
    verificationUrl: issuerUrl(issuer, "/codex/device"),
    userCode,
    deviceAuthId: body.device_auth_id,
    intervalSec: Number.isSafeInteger(interval) && interval > 1 ? interval : 1,
  };
}

/**
 * Polls `deviceauth/token` every `intervalSec` until the user has entered the code (the issuer answers 403 or 404
 * until then), for at most 15 minutes; `signal` stops it.
 */
export async function pollDeviceCode(
  issuer: string,
  code: DeviceCode,
  signal: AbortSignal = new AbortController().signal,
): Promise<DeviceGrant> {
  const started = Date.now();
  for (;;) {
    signal.throwIfAborted();
    const res = await deviceAuthPost(issuer, "token", {
      device_auth_id: code.deviceAuthId,
      user_code: code.userCode,
    });
    if (res.ok) {
      const body = await jsonBody(res);
      if (typeof body.authorization_code !== "string" || typeof body.code_verifier !== "string")
        throw new TokenEndpointError(
          "device auth response lacks authorization_code or code_verifier",
          res.status,
        );
      return { authorizationCode: body.authorization_code, codeVerifier: body.code_verifier };
    }
    await res.body?.cancel().catch(() => undefined);
    if (res.status !== 403 && res.status !== 404)
      throw new TokenEndpointError(`device auth failed with status ${statusText(res)}`, res.status);
    const left = DEVICE_CODE_MAX_WAIT_MS - (Date.now() - started);
    if (left <= 0) throw new TokenEndpointError("device auth timed out after 15 minutes", null);
    await sleepUnlessAborted(Math.min(code.intervalSec * 1000, left), signal);
  }
}
