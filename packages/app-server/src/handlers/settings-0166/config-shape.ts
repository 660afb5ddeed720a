import type { TomlTable } from "@codex-ts/config-loader";

/**
 * How codex 0.166.0 prints the effective config in `config/read`: its `ConfigToml` struct deserialized from the
 * merged layers and serialized again. So every key of the struct is there (null when unset, or the struct's own
 * default), nested structs get their fields the same way, and keys the struct does not know are dropped. Read off
 * the binary (`config/read` on an empty and on a rich config.toml); this module only reproduces that shape.
 */

type Json = unknown;
type Table = Record<string, Json>;

const isTable = (v: Json): v is Table =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** Top-level keys 0.166.0 prints as null when the config does not set them. */
const NULL_KEYS = [
  "agents",
  "allow_symlinked_codex_home",
  "analytics",
  "approval_policy",
  "approvals_reviewer",
  "apps",
  "apps_mcp_product_sku",
  "audio",
  "auto_review",
  "browser_use",
  "check_for_update_on_startup",
  "cloud",
  "compact_prompt",
  "computer_use",
  "daybreak",
  "default_permissions",
  "desktop",
  "developer_instructions",
  "disable_paste_burst",
  "experimental_compact_prompt_file",
  "experimental_realtime_start_instructions",
  "experimental_realtime_webrtc_call_base_url",
  "experimental_realtime_ws_backend_prompt",
  "experimental_realtime_ws_base_url",
  "experimental_realtime_ws_model",
  "experimental_realtime_ws_startup_context",
  "experimental_thread_store",
  "experimental_thread_store_endpoint",
  "experimental_use_unified_exec_tool",
  "feedback",
  "forced_chatgpt_workspace_id",
  "forced_login_method",
  "ghost_snapshot",
  "goals",
  "hooks",
  "instructions",
  "js_repl_node_module_dirs",
  "js_repl_node_path",
  "log_dir",
  "mcp_enterprise_managed_auth",
  "mcp_oauth_callback_port",
  "mcp_oauth_callback_url",
  "mcp_optional_startup_grace_ms",
  "memories",
  "model",
  "model_auto_compact_token_limit",
  "model_auto_compact_token_limit_scope",
  "model_catalog_json",
  "model_context_window",
  "model_instructions_file",
  "model_post_turn_compact_threshold_percent",
  "model_provider",
  "model_reasoning_effort",
  "model_reasoning_summary",
  "model_verbosity",
  "notice",
  "notify",
  "openai_base_url",
  "orchestrator",
  "oss_provider",
  "otel",
  "permissions",
  "personality",
  "plan_mode_reasoning_effort",
  "profile",
  "projects",
  "realtime",
  "responses_api_metadata",
  "review_model",
  "sandbox_mode",
  "sandbox_workspace_write",
  "service_tier",
  "show_raw_agent_reasoning",
  "skills",
  "sqlite_home",
  "suppress_unstable_features_warning",
  "thread_unload_delay_secs",
  "tool_output_token_limit",
  "tool_suggest",
  "tools",
  "tui",
  "web_search",
  "windows",
];

/** Top-level keys with a default of the struct's own (what an empty config.toml reads as). */
const DEFAULTS: Table = {
  allow_login_shell: true,
  background_terminal_max_timeout: 300000,
  chatgpt_base_url: "https://chatgpt.com/backend-api/",
  cli_auth_credentials_store: "file",
  file_opener: "vscode",
  hide_agent_reasoning: false,
  include_apps_instructions: true,
  include_collaboration_mode_instructions: true,
  include_environment_context: true,
  include_environment_context_time: true,
  include_permissions_instructions: true,
  marketplaces: {},
  mcp_oauth_credentials_store: "auto",
  mcp_servers: {},
  model_providers: {},
  plugins: {},
  profiles: {},
  project_doc_fallback_filenames: [],
  project_doc_max_bytes: 32768,
  project_root_markers: [".git"],
};

/**
 * 0.166.0's feature flags with their defaults, printed whatever the config says: the ones
 * `experimentalFeature/enablement/set` may turn on or off at run time.
 */
export const FEATURE_DEFAULTS: Table = {
  api_key_cyber_access_programs: true,
  api_key_model_discovery: true,
  auth_elicitation: true,
  background_paginated_rollout_migration: false,
  codex_apps_mcp_2026_07_28: false,
  mcp_2026_07_28: false,
  mcp_connection_sharing: false,
  memories: false,
  mentions_v2: true,
  remote_control: false,
  remote_plugin: true,
  tool_suggest: true,
  windows_sandbox_service: false,
};

const nulls = (...keys: string[]): Table => Object.fromEntries(keys.map((k) => [k, null]));

/** Nested structs: their printed fields (defaults or null); the config's own values go on top. */
const STRUCTS: Record<string, Table> = {
  sandbox_workspace_write: {
    writable_roots: [],
    network_access: false,
    exclude_tmpdir_env_var: false,
    exclude_slash_tmp: false,
  },
  shell_environment_policy: nulls(
    "inherit",
    "ignore_default_excludes",
    "exclude",
    "set",
    "include_only",
    "filters",
    "experimental_use_profile",
  ),
  history: { persistence: "save-all", max_bytes: null },
  analytics: { enabled: null },
  feedback: { enabled: null },
};

/** One `[model_providers.<id>]` entry. */
const PROVIDER: Table = {
  ...nulls(
    "name",
    "base_url",
    "model_catalog_url",
    "env_key",
    "env_key_instructions",
    "experimental_bearer_token",
    "auth",
    "gateway_oauth",
    "aws",
    "project_id",
    "location",
    "credential_file",
  ),
  wire_api: "responses",
  ...nulls(
    "capabilities",
    "query_params",
    "http_headers",
    "env_http_headers",
    "request_max_retries",
    "stream_max_retries",
    "stream_idle_timeout_ms",
    "websocket_connect_timeout_ms",
  ),
  requires_openai_auth: false,
  supports_websockets: false,
  supports_standalone_web_search: false,
};

/** One `[profiles.<name>]` entry. */
const PROFILE: Table = nulls(
  "model",
  "service_tier",
  "model_provider",
  "approval_policy",
  "approvals_reviewer",
  "sandbox_mode",
  "model_reasoning_effort",
  "plan_mode_reasoning_effort",
  "model_reasoning_summary",
  "model_verbosity",
  "model_catalog_json",
  "personality",
  "chatgpt_base_url",
  "model_instructions_file",
  "js_repl_node_path",
  "js_repl_node_module_dirs",
  "experimental_compact_prompt_file",
  "include_permissions_instructions",
  "include_apps_instructions",
  "include_collaboration_mode_instructions",
  "include_environment_context",
  "include_environment_context_time",
  "experimental_use_unified_exec_tool",
  "tools",
  "web_search",
  "analytics",
  "tui",
  "windows",
  "features",
  "oss_provider",
);

/** Known fields overlaid on a template; unknown ones dropped, as a Rust struct drops them. */
function overlay(template: Table, value: Json): Table {
  const out: Table = { ...template };
  if (!isTable(value)) return out;
  for (const key of Object.keys(template)) if (key in value) out[key] = value[key];
  return out;
}

/** Fields a server entry prints only when set, in the order 0.166.0 prints them. */
const STDIO_OPTIONAL = ["env", "env_vars", "cwd"];
const HTTP_OPTIONAL = ["bearer_token_env_var", "http_headers", "env_http_headers"];
const SERVER_OPTIONAL_TAIL = ["enabled_tools", "disabled_tools"];

/** One `[mcp_servers.<name>]` entry: its transport's fields, then the common ones with their defaults. */
function mcpServer(value: Json): Json {
  if (!isTable(value)) return value;
  const out: Table = {};
  const set = (key: string) => {
    const v = value[key];
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) out[key] = v;
  };
  if (typeof value.url === "string") {
    out.url = value.url;
    for (const key of HTTP_OPTIONAL) set(key);
  } else {
    out.command = value.command ?? null;
    out.args = Array.isArray(value.args) ? value.args : [];
    for (const key of STDIO_OPTIONAL) set(key);
  }
  out.environment_id = value.environment_id ?? "local";
  out.enabled = value.enabled ?? true;
  set("startup_timeout_sec");
  out.tool_timeout_sec = value.tool_timeout_sec ?? null;
  for (const key of SERVER_OPTIONAL_TAIL) set(key);
  return out;
}

const mapEntries = (value: Json, entry: (v: Json) => Json): Json =>
  isTable(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, entry(v)])) : value;

/** `[features]`: the config's flags over 0.166.0's defaults (a config with the table also gets `network_proxy`). */
function features(value: Json): Table {
  if (!isTable(value)) return { ...FEATURE_DEFAULTS };
  return {
    network_proxy: null,
    ...value,
    ...Object.fromEntries(Object.entries(FEATURE_DEFAULTS).filter(([k]) => !(k in value))),
  };
}

/** The effective config (the merged layers) as 0.166.0's `config/read` prints it. */
export function configShape0166(merged: TomlTable): Table {
  const out: Table = { ...nulls(...NULL_KEYS), ...DEFAULTS };
  for (const key of Object.keys(out)) {
    const value = merged[key];
    if (value !== undefined) out[key] = value;
  }
  for (const [key, template] of Object.entries(STRUCTS)) {
    if (merged[key] !== undefined) out[key] = overlay(template, merged[key]);
  }
  out.history = overlay(STRUCTS.history ?? {}, merged.history);
  out.shell_environment_policy = overlay(
    STRUCTS.shell_environment_policy ?? {},
    merged.shell_environment_policy,
  );
  if (merged.tools !== undefined) {
    // 0.166.0's `tools` keeps only a `web_search` table (the older boolean switches read as unset).
    const tools = isTable(merged.tools) ? merged.tools : {};
    out.tools = { web_search: isTable(tools.web_search) ? tools.web_search : null };
  }
  out.features = features(merged.features);
  out.model_providers = mapEntries(out.model_providers, (v) => overlay(PROVIDER, v));
  out.profiles = mapEntries(out.profiles, (v) => overlay(PROFILE, v));
  out.mcp_servers = mapEntries(out.mcp_servers, mcpServer);
  // A `[permissions.<id>]` profile prints its struct's fields, null where unset.
  if (isTable(out.permissions))
    out.permissions = mapEntries(out.permissions, (v) => overlay(PERMISSION_PROFILE, v));
  return out;
}

/** One `[permissions.<id>]` profile's fields, as 0.166.0 prints them. */
const PERMISSION_PROFILE: Table = nulls("description", "extends", "workspace_roots", "filesystem", "network");
