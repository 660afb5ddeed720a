import { createHash, randomBytes } from "node:crypto";

/** PKCE pair (RFC 7636, S256) and the OAuth `state`, all base64url without padding as Codex sends them. */
export interface PkceCodes {
  verifier: string;
  challenge: string;
}

export function generatePkce(): PkceCodes {
  const verifier = randomBytes(64).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  return { verifier, challenge };
}

export function generateState(): string {
  return randomBytes(32).toString("base64url");
}
