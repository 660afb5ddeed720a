export {
  type ActivePlugin,
  activePluginRoot,
  activePlugins,
  activePluginVersion,
  configuredPlugins,
  DEFAULT_PLUGIN_VERSION,
  PLUGINS_CACHE_DIR,
  pluginBaseRoot,
  pluginsFeatureEnabled,
  pluginVersionError,
} from "./installed.js";
export {
  findPluginManifest,
  manifestPath,
  PLUGIN_MANIFEST_MAX_BYTES,
  PLUGIN_MANIFEST_PATHS,
  type PluginManifest,
  PluginManifestError,
  type PluginManifestInterface,
  parsePluginManifest,
  readPluginManifest,
  readPluginManifestOrNull,
} from "./manifest.js";
export { PLUGIN_MCP_FILE_MAX_BYTES, pluginMcpServers, withPluginMcpServers } from "./mcp.js";
export { type PluginId, parsePluginId, pluginIdKey, pluginSegmentError } from "./plugin-id.js";
