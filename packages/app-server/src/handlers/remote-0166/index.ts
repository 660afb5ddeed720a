import type { Protocol0166, RemoteMethod0166 } from "@codex-ts/app-server-protocol";
import type { Config } from "@codex-ts/config-loader";
import type { AuthManager } from "@codex-ts/core";
import type { Handlers } from "../../handler.js";
import type { ThreadRegistry } from "../../threads/registry.js";
import { experimentalCheck } from "../experimental-api.js";
import { createAccountExtrasHandlers0166 } from "./account-extras.js";
import type { AccountSessions } from "./account-sessions.js";
import { AccountBackend, PluginCatalogBackend } from "./backend.js";
import { createPluginCatalogHandlers0166 } from "./plugin-catalog.js";
import { createThreadExtrasHandlers0166 } from "./thread-extras.js";
import { createUserVerificationHandlers0166 } from "./user-verification.js";

export { AccountSessions } from "./account-sessions.js";

export interface RemoteServices0166 {
  /** The account store; without one every ChatGPT backend method answers as without a login. */
  auth: AuthManager | undefined;
  /** The login's account sessions (shared with `accountSession/list`). */
  sessions: AccountSessions | undefined;
  /** The loaded threads (with an agent runtime). */
  registry: ThreadRegistry | undefined;
  currentConfig: (() => Promise<Config>) | undefined;
  experimentalApi(): boolean;
}

/**
 * 0.166.0's remaining methods (`protocol-0166-remote.ts`), except `thread/sample/cancel` (beside `thread/sample`):
 * user verification, the ChatGPT account's extras, the remote plugin catalog, and the thread extras. Experimental
 * ones are refused without the capability, after their params are read, in 0.166.0's words.
 */
export function createRemoteHandlers0166(
  s: RemoteServices0166,
): Handlers<Protocol0166, Exclude<RemoteMethod0166, "thread/sample/cancel">> {
  const requireExperimental = experimentalCheck(s.experimentalApi);
  return {
    ...createUserVerificationHandlers0166(requireExperimental),
    ...createAccountExtrasHandlers0166({
      backend: s.auth ? new AccountBackend(s.auth) : undefined,
      currentConfig: s.currentConfig,
      sessions: s.sessions,
      requireExperimental,
    }),
    ...createPluginCatalogHandlers0166({
      catalog: s.auth ? new PluginCatalogBackend(s.auth) : undefined,
      requireExperimental,
      pluginsEnabled: async () => ((await s.currentConfig?.())?.features.plugins ?? true) !== false,
    }),
    ...createThreadExtrasHandlers0166({ registry: s.registry, requireExperimental }),
  };
}
