export {
  type AuthPolicy,
  findMarketplaceManifest,
  type InstallPolicy,
  installable,
  loadMarketplace,
  MARKETPLACE_MANIFEST_PATHS,
  MARKETPLACE_MAX_BYTES,
  type Marketplace,
  MarketplaceError,
  type MarketplacePlugin,
  type MarketplacePluginSource,
  marketplaceRoot,
  parseMarketplace,
} from "./marketplace.js";
export {
  installPlugin,
  PLUGIN_COPY_MAX_BYTES,
  PLUGIN_COPY_MAX_FILES,
  type PluginInstallResult,
  PluginStoreError,
  uninstallPlugin,
} from "./store.js";
