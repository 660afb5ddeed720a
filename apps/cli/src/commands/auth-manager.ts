import type { Config } from "@codex-ts/config-loader";
import type { AuthManager } from "@codex-ts/core";

/** What an `AuthManager` built by a CLI command needs beyond the loaded config. */
export interface CliAuthOptions {
  codexHome: string;
  config: Config;
  originator: string;
  userAgent: () => string;
  warn: (message: string) => void;
  /** `codex exec` honours `CODEX_API_KEY`; the app server and `codex login` do not (as in Codex). */
  apiKeyEnv?: NodeJS.ProcessEnv | undefined;
  /** `codex login --experimental_issuer` (0.58.0's hidden flag); else `CODEX_TS_AUTH_ISSUER`, else OpenAI's. */
  issuer?: string | undefined;
}

/**
 * The account manager every command uses: credentials stored per `cli_auth_credentials_store`, with the test
 * overrides (`CODEX_TS_AUTH_ISSUER`, `CODEX_TS_LOGIN_PORT`) and Codex's own refresh URL override read from the
 * environment. The core module is loaded here, lazily, so commands that never touch accounts do not pay for it.
 */
export async function createAuthManager(o: CliAuthOptions): Promise<AuthManager> {
  const { AuthManager } = await import("../lazy/core.js");
  return newAuthManager(AuthManager, o);
}

/** The same, for a caller that already holds the core module (the app server builds it synchronously). */
export function newAuthManager(Manager: typeof AuthManager, o: CliAuthOptions): AuthManager {
  return new Manager({
    codexHome: o.codexHome,
    storeMode: o.config.cliAuthCredentialsStore,
    chatgptBaseUrl: o.config.chatgptBaseUrl,
    forcedLoginMethod: o.config.forcedLoginMethod,
    forcedChatgptWorkspaceId: o.config.forcedChatgptWorkspaceId,
    issuer: o.issuer || process.env.CODEX_TS_AUTH_ISSUER || undefined,
    loginPort: /^\d{1,5}$/.test(process.env.CODEX_TS_LOGIN_PORT ?? "")
      ? Number(process.env.CODEX_TS_LOGIN_PORT)
      : undefined,
    refreshTokenUrl: process.env.CODEX_REFRESH_TOKEN_URL_OVERRIDE || undefined,
    originator: o.originator,
    userAgent: o.userAgent,
    warn: o.warn,
    apiKeyEnv: o.apiKeyEnv,
  });
}

/** The `originator` header value: Codex's, unless the environment overrides it. */
export function cliOriginator(): string {
  return process.env.CODEX_INTERNAL_ORIGINATOR_OVERRIDE || "codex_cli_rs";
}
