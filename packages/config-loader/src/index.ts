export { isTomlTable, jsonToToml, type TomlTable, type TomlValue } from "@codex-ts/json-to-toml";
export {
  type AgentRoleConfig,
  type AgentsConfig,
  DEFAULT_AGENTS_CONFIG,
  resolveAgentsConfig,
} from "./agents.js";
export { type AtomicWriteOptions, writeFileAtomically } from "./atomic-write.js";
export {
  type BackwardSpanReadOptions,
  emptyLineReadStats,
  FileReadError,
  fileKind,
  findInvalidUtf8,
  isMissingPath,
  type LineReadOptions,
  type LineReadStats,
  type LineSpan,
  openRegularFile,
  type PrefixReadOptions,
  readBoundedFile,
  readBoundedLineSpans,
  readBoundedLines,
  readFilePrefix,
  readFilePrefixSync,
  readLineSpansBackward,
  readLineSpansFrom,
  type SpanReadOptions,
  type Utf8Problem,
} from "./bounded-fs/index.js";
export { findCodexHome } from "./codex-home.js";
export { CONFIG_FILE_MAX_BYTES, INSTRUCTIONS_FILE_MAX_BYTES, readConfigText } from "./config-text.js";
export { ConfigError, ConfigVersionConflictError } from "./errors.js";
export { FEATURE_DEFAULTS, resolveFeatures } from "./features.js";
export {
  CONFIG_FILE,
  type ConfigLayer,
  type ConfigLayerKind,
  type ConfigLayerOptions,
  canonicalJson,
  configVersion,
  enabledLayers,
  type ManagedSources,
  readConfigLayers,
  systemFile,
  systemPaths,
} from "./layers.js";
export {
  type Config,
  type ConfigOverrides,
  checkConfigTable,
  DEFAULT_CHATGPT_BASE_URL,
  DEFAULT_MAX_TURN_REQUESTS,
  DEFAULT_MODEL,
  DEFAULT_PROJECT_DOC_MAX_BYTES,
  type LoadConfigOptions,
  loadConfig,
  type SandboxPolicy,
  type ShellEnvironmentPolicy,
} from "./load.js";
export {
  MCP_SERVER_NAME,
  type McpHttpTransport,
  type McpServerConfig,
  type McpStdioTransport,
  resolveMcpServer,
} from "./mcp.js";
export { renderMcpServers } from "./mcp-toml.js";
export {
  applyOverrides,
  type ConfigOverride,
  featureOverride,
  jsonOverrides,
  parseOverride,
} from "./overrides.js";
export {
  type ActivePermissionProfile,
  BUILT_IN_PROFILES,
  managedFallback,
  profileFallbackMessage,
} from "./permission-profiles.js";
export * from "./plugins/index.js";
export {
  PROJECT_DENIED_KEYS,
  type ProjectLayerEntry,
  readProjectLayers,
  sanitizeProjectTable,
} from "./project-layers.js";
export { builtInProviders, type ModelProviderInfo } from "./providers.js";
export { checkRequestValue, isWellFormedText, MAX_CONFIG_NESTING } from "./request-values.js";
export {
  type AllowedValues,
  type ConfigRequirements,
  isAllowed,
  notAllowedMessage,
  profileAllowed,
  readRequirements,
  sandboxFallbackWarning,
  type WebSearchMode,
} from "./requirements.js";
export type { NetworkRequirements } from "./requirements-extra.js";
export * from "./schema.js";
export { SYSTEM_CONFIG_DIR_ENV, systemConfigDir } from "./system-paths.js";
export { parseToml, readTomlFile } from "./toml-file.js";
export { mergeTables, setAtPath } from "./toml-table.js";
export {
  type ConfigEdit,
  ConfigWriter,
  type WriteOptions,
  type WriteResult,
} from "./writer.js";
