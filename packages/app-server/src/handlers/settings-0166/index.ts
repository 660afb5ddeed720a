import { protocol0166 } from "@codex-ts/app-server-protocol";
import type { ConfigLayer, ConfigWriter } from "@codex-ts/config-loader";
import type { AccountService } from "../account-service.js";
import { unavailable } from "../unavailable.js";
import { createAccountHandlers0166 } from "./account.js";
import { createConfigHandlers0166 } from "./config.js";
import { modelListHandler0166 } from "./models.js";

/** What the 0.166 settings methods serve from; a method whose service is missing answers that it is not available. */
export interface SettingsServices0166 {
  account?: AccountService | undefined;
  /** The server's config layers (the runtime's `configLayers`) and its one config writer. */
  config?: { layers(): Promise<ConfigLayer[]>; writer: ConfigWriter } | undefined;
}

/**
 * The 0.166 settings methods: `model/list`, `config/read`, `config/value/write`, `config/batchWrite`,
 * `account/*`. One group of the 0.166 handler table, as `settingsRequests0166` is one group of the registry.
 */
export function createSettingsHandlers0166(s: SettingsServices0166) {
  return {
    ...modelListHandler0166,
    ...(s.config
      ? createConfigHandlers0166(s.config)
      : unavailable(
          protocol0166,
          ["config/read", "config/value/write", "config/batchWrite"],
          "a CODEX_HOME",
        )),
    ...(s.account
      ? createAccountHandlers0166(s.account)
      : unavailable(
          protocol0166,
          [
            "account/read",
            "account/login/start",
            "account/login/cancel",
            "account/logout",
            "account/rateLimits/read",
          ],
          "an account store",
        )),
  };
}
