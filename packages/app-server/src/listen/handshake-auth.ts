import { createHash, timingSafeEqual } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import path from "node:path";
import type { HandshakeVerdict } from "@codex-ts/app-server-protocol";
import type * as Jose from "jose";

/** How WebSocket clients prove themselves at the handshake (`--ws-auth`). */
export type WsAuth =
  | { mode: "capability-token"; tokenSha256: Buffer }
  | {
      mode: "signed-bearer-token";
      secret: Uint8Array;
      issuer: string | undefined;
      audience: string | undefined;
      maxClockSkewSeconds: number;
    };

/** The `--ws-*` flags as the CLI parsed them (strings as typed). */
export interface WsAuthFlags {
  wsAuth?: string | undefined;
  wsTokenFile?: string | undefined;
  wsTokenSha256?: string | undefined;
  wsSharedSecretFile?: string | undefined;
  wsIssuer?: string | undefined;
  wsAudience?: string | undefined;
  wsMaxClockSkewSeconds?: string | undefined;
}

const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 30;
const MIN_SIGNED_BEARER_SECRET_BYTES = 32;
/** A token or secret file is small; anything larger is not one. */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

/** Reads a secret file (regular file, bounded), trimmed; the error names the file, never its content. */
function readSecret(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (err) {
    throw new Error(`failed to read websocket auth secret ${file}: ${(err as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`websocket auth secret ${file} is not a regular file`);
    if (st.size > MAX_SECRET_FILE_BYTES)
      throw new Error(`websocket auth secret ${file} is larger than ${MAX_SECRET_FILE_BYTES} bytes`);
    const buf = Buffer.alloc(st.size);
    let read = 0;
    while (read < st.size) {
      const n = readSync(fd, buf, read, st.size - read, read);
      if (n === 0) break;
      read += n;
    }
    const text = buf.subarray(0, read).toString("utf8").trim();
    if (text === "") throw new Error(`websocket auth secret ${file} must not be empty`);
    return text;
  } finally {
    closeSync(fd);
  }
}

function absolute(flag: string, value: string): string {
  if (!path.isAbsolute(value)) throw new Error(`${flag} must be an absolute path`);
  return value;
}

const trimmedOrUndefined = (v: string | undefined) => {
  const t = v?.trim();
  return t ? t : undefined;
};

/**
 * The handshake auth the flags ask for (null: none), with later Codex's rules and messages: the mode's own flags
 * only with their mode, exactly one token source, a 64-hex digest, absolute file paths, a shared secret of at
 * least 32 bytes. Secret files are read here, once, at startup.
 */
export function wsAuthFromFlags(f: WsAuthFlags): WsAuth | null {
  const jwtFlags =
    f.wsSharedSecretFile !== undefined ||
    f.wsIssuer !== undefined ||
    f.wsAudience !== undefined ||
    f.wsMaxClockSkewSeconds !== undefined;
  const tokenFlags = f.wsTokenFile !== undefined || f.wsTokenSha256 !== undefined;
  if (f.wsAuth === undefined) {
    if (jwtFlags || tokenFlags)
      throw new Error(
        "websocket auth flags require `--ws-auth capability-token` or `--ws-auth signed-bearer-token`",
      );
    return null;
  }
  if (f.wsAuth === "capability-token") {
    if (jwtFlags)
      throw new Error(
        "`--ws-shared-secret-file`, `--ws-issuer`, `--ws-audience`, and `--ws-max-clock-skew-seconds` require `--ws-auth signed-bearer-token`",
      );
    if (f.wsTokenFile !== undefined && f.wsTokenSha256 !== undefined)
      throw new Error("`--ws-token-file` and `--ws-token-sha256` are mutually exclusive");
    if (f.wsTokenFile !== undefined) {
      const token = readSecret(absolute("--ws-token-file", f.wsTokenFile));
      return { mode: "capability-token", tokenSha256: sha256(token) };
    }
    if (f.wsTokenSha256 !== undefined) {
      const hex = f.wsTokenSha256.trim();
      if (!/^[0-9a-fA-F]{64}$/.test(hex))
        throw new Error("--ws-token-sha256 must be a 64-character hex SHA-256 digest");
      return { mode: "capability-token", tokenSha256: Buffer.from(hex, "hex") };
    }
    throw new Error(
      "`--ws-token-file` or `--ws-token-sha256` is required when `--ws-auth capability-token` is set",
    );
  }
  if (f.wsAuth === "signed-bearer-token") {
    if (tokenFlags)
      throw new Error(
        "`--ws-token-file` and `--ws-token-sha256` require `--ws-auth capability-token`, not `signed-bearer-token`",
      );
    if (f.wsSharedSecretFile === undefined)
      throw new Error("`--ws-shared-secret-file` is required when `--ws-auth signed-bearer-token` is set");
    const file = absolute("--ws-shared-secret-file", f.wsSharedSecretFile);
    const secret = Buffer.from(readSecret(file), "utf8");
    if (secret.length < MIN_SIGNED_BEARER_SECRET_BYTES)
      throw new Error(
        `signed websocket bearer secret ${file} must be at least ${MIN_SIGNED_BEARER_SECRET_BYTES} bytes`,
      );
    let skew = DEFAULT_MAX_CLOCK_SKEW_SECONDS;
    if (f.wsMaxClockSkewSeconds !== undefined) {
      if (!/^\d{1,9}$/.test(f.wsMaxClockSkewSeconds.trim()))
        throw new Error("--ws-max-clock-skew-seconds must be a whole number of seconds");
      skew = Number(f.wsMaxClockSkewSeconds.trim());
    }
    return {
      mode: "signed-bearer-token",
      secret,
      issuer: trimmedOrUndefined(f.wsIssuer),
      audience: trimmedOrUndefined(f.wsAudience),
      maxClockSkewSeconds: skew,
    };
  }
  throw new Error(
    `invalid value '${f.wsAuth}' for '--ws-auth <MODE>': expected capability-token or signed-bearer-token`,
  );
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

const INVALID_HEADER = "invalid authorization header";

/** The bearer token of `Authorization: Bearer <token>`, or the reason there is none. */
function bearerToken(req: IncomingMessage): { token: string } | { reason: string } {
  const header = req.headers.authorization;
  if (header === undefined) return { reason: "missing websocket bearer token" };
  const space = header.indexOf(" ");
  if (space < 0) return { reason: INVALID_HEADER };
  if (header.slice(0, space).toLowerCase() !== "bearer") return { reason: INVALID_HEADER };
  const token = header.slice(space + 1).trim();
  return token === "" ? { reason: INVALID_HEADER } : { token };
}

/** Why a JWT was refused, in later Codex's words (never the token). */
function jwtReason(err: unknown, joseErrors: typeof Jose.errors): string {
  if (err instanceof joseErrors.JWTExpired) return "expired websocket jwt";
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === "nbf") return "websocket jwt is not valid yet";
    if (err.claim === "iss") return "websocket jwt issuer mismatch";
    if (err.claim === "aud") return "websocket jwt audience mismatch";
  }
  return "invalid websocket jwt";
}

/**
 * The listener's handshake check for `auth`. A capability token is compared by its SHA-256 digest in constant
 * time; a signed bearer token must be an HS256 JWT under the shared secret with an `exp`, within the clock skew,
 * and the configured issuer and audience.
 */
export function handshakeAuthorizer(auth: WsAuth): (req: IncomingMessage) => Promise<HandshakeVerdict> {
  return async (req) => {
    const bearer = bearerToken(req);
    if ("reason" in bearer) return { ok: false, reason: bearer.reason };
    if (auth.mode === "capability-token") {
      return timingSafeEqual(sha256(bearer.token), auth.tokenSha256)
        ? { ok: true }
        : { ok: false, reason: "invalid websocket bearer token" };
    }
    // jose loads with the first signed bearer token: a server that never sees one (every stdio start) never
    // evaluates it (~0.4 ms of each start, before `initialize` is answered).
    const jose = await import("jose");
    try {
      await jose.jwtVerify(bearer.token, auth.secret, {
        algorithms: ["HS256"],
        requiredClaims: ["exp"],
        clockTolerance: auth.maxClockSkewSeconds,
        ...(auth.issuer !== undefined ? { issuer: auth.issuer } : {}),
        ...(auth.audience !== undefined ? { audience: auth.audience } : {}),
      });
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: jwtReason(err, jose.errors) };
    }
  };
}
