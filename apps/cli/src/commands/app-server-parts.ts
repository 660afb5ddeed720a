import type { RunAppServerOptions } from "@codex-ts/app-server";
import type { Config, ConfigOverride } from "@codex-ts/config-loader";
import type { AuthManager } from "@codex-ts/core";
import { newAuthManager } from "./auth-manager.js";

/** The Codex release whose wire protocol (and user-agent / session_meta version) this server stands in for. */
export const COMPAT_VERSION = "0.58.0";

type AppServerModule = typeof import("../lazy/app-server.js");
type CoreModule = typeof import("../lazy/core.js");

export interface AppServerPartsOptions {
  codexHome: string;
  processConfig: Config;
  overrides: ConfigOverride[];
  profile?: string | undefined;
  originator: string;
  /** `codex exec` lets `CODEX_API_KEY` override stored credentials; the app server does not. */
  apiKeyEnv?: NodeJS.ProcessEnv | undefined;
  /**
   * Model and auth requests carry the originator's user agent without the `(<client>; <version>)` suffix the
   * server adds for its `initialize` client: `codex exec` is no client of its own, and 0.58.0's exec sends none.
   */
  bareUserAgent?: boolean | undefined;
  /** `codex exec --output-schema`: the schema its turn answers in (`ConversationRuntime.execOutputSchema`). */
  execOutputSchema?: unknown;
}

/**
 * What `runAppServer` needs to serve conversations and accounts, shared by `codex app-server` (over stdio) and
 * `codex exec` (the same server in-process): one account manager and one runtime per server, so both commands run
 * the same agent loop with the same config layering.
 */
export function appServerParts(
  modules: { server: AppServerModule; core: CoreModule },
  o: AppServerPartsOptions,
): Pick<
  RunAppServerOptions,
  "version" | "originator" | "codexHome" | "requiresOpenaiAuth" | "auth" | "conversations"
> {
  let auth: AuthManager | undefined;
  const userAgentOf = (server: { userAgent(): string }) => () =>
    o.bareUserAgent
      ? modules.core.buildUserAgent({ originator: o.originator, version: COMPAT_VERSION, env: process.env })
      : server.userAgent();
  return {
    version: COMPAT_VERSION,
    originator: o.originator,
    codexHome: o.codexHome,
    requiresOpenaiAuth: o.processConfig.modelProvider.requiresOpenaiAuth,
    auth: (server) => {
      auth = newAuthManager(modules.core.AuthManager, {
        codexHome: o.codexHome,
        config: o.processConfig,
        originator: o.originator,
        userAgent: userAgentOf(server),
        warn: (m) => server.log("warn", m),
        apiKeyEnv: o.apiKeyEnv,
      });
      return auth;
    },
    conversations: (server) =>
      new modules.server.AppServerRuntime({
        codexHome: o.codexHome,
        processConfig: o.processConfig,
        cliOverrides: o.overrides,
        profile: o.profile,
        env: process.env,
        cliVersion: COMPAT_VERSION,
        originator: o.originator,
        userAgent: userAgentOf(server),
        auth,
        ...(o.execOutputSchema !== undefined ? { execOutputSchema: o.execOutputSchema } : {}),
      }),
  };
}
