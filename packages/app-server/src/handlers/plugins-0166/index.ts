import type { Protocol0166 } from "@codex-ts/app-server-protocol";
import type { Handlers } from "../../handler.js";
import { createAppHandlers0166 } from "./apps.js";
import { createMarketplaceHandlers0166 } from "./marketplaces.js";
import { createPluginMethodHandlers0166 } from "./plugins.js";
import type { PluginServices0166 } from "./services.js";

export type { PluginServices0166 } from "./services.js";

/** The 0.166 methods that need a CODEX_HOME and a config writer; `app/*` need neither. */
export const PLUGIN_METHODS_0166 = [
  "marketplace/add",
  "marketplace/remove",
  "marketplace/upgrade",
  "plugin/list",
  "plugin/installed",
  "plugin/read",
  "plugin/install",
  "plugin/uninstall",
  "plugin/reconcile",
  "plugin/skill/read",
] as const;

/** 0.166.0's plugin, marketplace and app methods (local sources only; see the package README). */
export function createPluginHandlers0166(
  s: PluginServices0166,
): Handlers<Protocol0166, (typeof PLUGIN_METHODS_0166)[number]> {
  return { ...createMarketplaceHandlers0166(s), ...createPluginMethodHandlers0166(s) };
}

export { createAppHandlers0166 };
