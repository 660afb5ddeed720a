/** Codex's OAuth client and issuer (the values the real CLI sends; the issuer is overridable for tests). */
export const CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann";
export const DEFAULT_ISSUER = "https://auth.openai.com";
/** Codex's callback port; the OpenAI issuer only accepts redirects to it. */
export const DEFAULT_LOGIN_PORT = 1455;
/** A stored ChatGPT token older than this is refreshed before use (Codex: 8 days). */
export const REFRESH_AFTER_MS = 8 * 24 * 60 * 60 * 1000;
