import * as g from "../schema/gen-0166.js";
import type { RequestSchema } from "./definition.js";

/**
 * 0.166.0's plugins: marketplaces (`marketplace/*`), the plugins they offer (`plugin/*`) and the apps a ChatGPT
 * connector backend would list (`app/*`). A group of its own so that other branches touch `protocol-0166.ts` by one
 * line each.
 */
export const pluginRequests0166 = {
  "marketplace/add": { params: g.MarketplaceAddParams, response: g.MarketplaceAddResponse, namespace: "v2" },
  "marketplace/remove": {
    params: g.MarketplaceRemoveParams,
    response: g.MarketplaceRemoveResponse,
    namespace: "v2",
  },
  "marketplace/upgrade": {
    params: g.MarketplaceUpgradeParams,
    response: g.MarketplaceUpgradeResponse,
    namespace: "v2",
  },
  "plugin/list": { params: g.PluginListParams, response: g.PluginListResponse, namespace: "v2" },
  "plugin/installed": {
    params: g.PluginInstalledParams,
    response: g.PluginInstalledResponse,
    namespace: "v2",
  },
  "plugin/reconcile": {
    params: g.PluginReconcileParams,
    response: g.PluginReconcileResponse,
    namespace: "v2",
  },
  "plugin/read": { params: g.PluginReadParams, response: g.PluginReadResponse, namespace: "v2" },
  "plugin/skill/read": {
    params: g.PluginSkillReadParams,
    response: g.PluginSkillReadResponse,
    namespace: "v2",
  },
  "plugin/install": { params: g.PluginInstallParams, response: g.PluginInstallResponse, namespace: "v2" },
  "plugin/uninstall": {
    params: g.PluginUninstallParams,
    response: g.PluginUninstallResponse,
    namespace: "v2",
  },
  "app/read": { params: g.AppsReadParams, response: g.AppsReadResponse, namespace: "v2" },
  "app/list": { params: g.AppsListParams, response: g.AppsListResponse, namespace: "v2" },
  "app/installed": { params: g.AppsInstalledParams, response: g.AppsInstalledResponse, namespace: "v2" },
} as const satisfies Record<string, RequestSchema>;
