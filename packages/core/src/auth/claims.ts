import type { v2 } from "@codex-ts/app-server-protocol";

/** Claims Codex reads from ChatGPT tokens. The JWT signature is not verified (Codex does not either). */
export interface TokenClaims {
  email: string | null;
  /** `chatgpt_plan_type` as sent (`plus`, `pro`, …); null when absent. */
  planType: string | null;
  accountId: string | null;
  /** `chatgpt_user_id` (else `user_id`): the ChatGPT user, whose login is an account session. */
  userId: string | null;
  organizationId: string | null;
  projectId: string | null;
  completedPlatformOnboarding: boolean;
  isOrgOwner: boolean;
}

const AUTH_CLAIM = "https://api.openai.com/auth";

const EMPTY: TokenClaims = {
  email: null,
  planType: null,
  accountId: null,
  userId: null,
  organizationId: null,
  projectId: null,
  completedPlatformOnboarding: false,
  isOrgOwner: false,
};

function str(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

/** Decodes a JWT's payload segment; throws on a token that is not three base64url segments of JSON. */
export function decodeJwtPayload(jwt: string): Record<string, unknown> {
  const parts = jwt.split(".");
  if (parts.length !== 3 || !parts[1]) throw new Error("invalid ID token format");
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  } catch {
    throw new Error("invalid ID token payload");
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    throw new Error("invalid ID token payload");
  }
  return payload as Record<string, unknown>;
}

/** The claims of a token, or all-null claims when it cannot be decoded (a malformed token never crashes a read). */
export function parseClaims(jwt: string | null | undefined): TokenClaims {
  if (!jwt) return EMPTY;
  let payload: Record<string, unknown>;
  try {
    payload = decodeJwtPayload(jwt);
  } catch {
    return EMPTY;
  }
  const auth = payload[AUTH_CLAIM];
  const a = typeof auth === "object" && auth !== null ? (auth as Record<string, unknown>) : {};
  return {
    email: str(payload.email),
    planType: str(a.chatgpt_plan_type),
    accountId: str(a.chatgpt_account_id),
    userId: str(a.chatgpt_user_id) ?? str(a.user_id),
    organizationId: str(a.organization_id),
    projectId: str(a.project_id),
    completedPlatformOnboarding: a.completed_platform_onboarding === true,
    isOrgOwner: a.is_org_owner === true,
  };
}

const KNOWN_PLANS = new Set(["free", "plus", "pro", "team", "business", "enterprise", "edu"]);

/** The v2 `PlanType`: Codex's known plans, anything else is `unknown`. */
export function knownPlanType(plan: string): v2.PlanType {
  return KNOWN_PLANS.has(plan) ? (plan as v2.PlanType) : "unknown";
}
