import { z } from "zod";

/**
 * The shape of config.toml after merging (snake_case, as on disk). Objects are loose: unknown keys are kept and
 * ignored, so files written for newer Codex versions still load.
 */
const stringMap = z.record(z.string(), z.string());

/** Highest `max_turn_requests` accepted; a larger budget would no longer stop a looping model in useful time. */
export const MAX_TURN_REQUESTS_LIMIT = 1_000_000;

/**
 * Highest `project_doc_max_bytes` accepted (1 MiB). The budget is read into memory and sent with every request,
 * so a megabyte is already several times a model's context window; 0.58.0 has no bound, and a budget of 2^31
 * made the read allocate it up front and abort the process.
 */
export const PROJECT_DOC_MAX_BYTES_LIMIT = 1024 * 1024;

export const approvalPolicySchema = z.enum(["untrusted", "on-failure", "on-request", "never"]);
/** Who decides approvals (0.166.0): the user, or its automatic reviewer (`guardian_subagent` is the legacy name). */
export const approvalsReviewerSchema = z.enum(["user", "auto_review", "guardian_subagent"]);
export const sandboxModeSchema = z.enum(["read-only", "workspace-write", "danger-full-access"]);
export const reasoningEffortSchema = z.enum(["none", "minimal", "low", "medium", "high"]);
export const reasoningSummarySchema = z.enum(["auto", "concise", "detailed", "none"]);
export const verbositySchema = z.enum(["low", "medium", "high"]);
export const credentialsStoreSchema = z.enum(["file", "keyring", "auto"]);
export const wireApiSchema = z.enum(["responses", "chat"]);

export const modelProviderSchema = z.looseObject({
  name: z.string(),
  base_url: z.string().optional(),
  env_key: z.string().optional(),
  env_key_instructions: z.string().optional(),
  experimental_bearer_token: z.string().optional(),
  wire_api: wireApiSchema.optional(),
  query_params: stringMap.optional(),
  http_headers: stringMap.optional(),
  env_http_headers: stringMap.optional(),
  request_max_retries: z.number().int().nonnegative().optional(),
  stream_max_retries: z.number().int().nonnegative().optional(),
  stream_idle_timeout_ms: z.number().int().nonnegative().optional(),
  requires_openai_auth: z.boolean().optional(),
});

/** 0.166.0's `approval_mode` of one MCP tool: `auto` (by its annotations), `prompt` (always ask), `approve` (never). */
export const mcpToolApprovalModeSchema = z.enum(["auto", "prompt", "approve"]);
export type McpToolApprovalMode = z.infer<typeof mcpToolApprovalModeSchema>;

export const mcpServerSchema = z.looseObject({
  command: z.string().optional(),
  args: z.array(z.string()).optional(),
  env: stringMap.optional(),
  env_vars: z.array(z.string()).optional(),
  cwd: z.string().optional(),
  url: z.string().optional(),
  bearer_token: z.string().optional(),
  bearer_token_env_var: z.string().optional(),
  http_headers: stringMap.optional(),
  env_http_headers: stringMap.optional(),
  enabled: z.boolean().optional(),
  startup_timeout_sec: z.number().nonnegative().optional(),
  startup_timeout_ms: z.number().int().nonnegative().optional(),
  tool_timeout_sec: z.number().nonnegative().optional(),
  enabled_tools: z.array(z.string()).optional(),
  disabled_tools: z.array(z.string()).optional(),
  /** Per tool: whether calling it asks the user (0.166.0's `[mcp_servers.<name>.tools.<tool>] approval_mode`). */
  tools: z
    .record(z.string(), z.looseObject({ approval_mode: mcpToolApprovalModeSchema.optional() }))
    .optional(),
});

const featuresSchema = z.record(z.string(), z.boolean());

export const profileSchema = z.looseObject({
  model: z.string().optional(),
  model_provider: z.string().optional(),
  approval_policy: approvalPolicySchema.optional(),
  approvals_reviewer: approvalsReviewerSchema.optional(),
  sandbox_mode: sandboxModeSchema.optional(),
  model_reasoning_effort: reasoningEffortSchema.optional(),
  model_reasoning_summary: reasoningSummarySchema.optional(),
  model_verbosity: verbositySchema.optional(),
  chatgpt_base_url: z.string().optional(),
  experimental_instructions_file: z.string().optional(),
  experimental_compact_prompt_file: z.string().optional(),
  include_apply_patch_tool: z.boolean().optional(),
  tools_web_search: z.boolean().optional(),
  tools_view_image: z.boolean().optional(),
  features: featuresSchema.optional(),
});

export const configTomlSchema = z.looseObject({
  model: z.string().optional(),
  review_model: z.string().optional(),
  model_provider: z.string().optional(),
  model_providers: z.record(z.string(), modelProviderSchema).optional(),
  model_context_window: z.number().int().nonnegative().optional(),
  model_max_output_tokens: z.number().int().nonnegative().optional(),
  model_auto_compact_token_limit: z.number().int().optional(),
  model_reasoning_effort: reasoningEffortSchema.optional(),
  model_reasoning_summary: reasoningSummarySchema.optional(),
  model_verbosity: verbositySchema.optional(),
  approval_policy: approvalPolicySchema.optional(),
  approvals_reviewer: approvalsReviewerSchema.optional(),
  sandbox_mode: sandboxModeSchema.optional(),
  sandbox_workspace_write: z
    .looseObject({
      writable_roots: z.array(z.string()).optional(),
      network_access: z.boolean().optional(),
      exclude_tmpdir_env_var: z.boolean().optional(),
      exclude_slash_tmp: z.boolean().optional(),
    })
    .optional(),
  shell_environment_policy: z
    .looseObject({
      inherit: z.enum(["all", "core", "none"]).optional(),
      ignore_default_excludes: z.boolean().optional(),
      exclude: z.array(z.string()).optional(),
      set: stringMap.optional(),
      include_only: z.array(z.string()).optional(),
      experimental_use_profile: z.boolean().optional(),
    })
    .optional(),
  instructions: z.string().optional(),
  developer_instructions: z.string().optional(),
  compact_prompt: z.string().optional(),
  experimental_instructions_file: z.string().optional(),
  experimental_compact_prompt_file: z.string().optional(),
  notify: z.array(z.string()).optional(),
  profile: z.string().optional(),
  profiles: z.record(z.string(), profileSchema).optional(),
  features: featuresSchema.optional(),
  tools: z.looseObject({ web_search: z.boolean().optional(), view_image: z.boolean().optional() }).optional(),
  mcp_servers: z.record(z.string(), mcpServerSchema).optional(),
  cli_auth_credentials_store: credentialsStoreSchema.optional(),
  cli_auth_credentials_store_mode: credentialsStoreSchema.optional(),
  mcp_oauth_credentials_store: credentialsStoreSchema.optional(),
  mcp_oauth_callback_port: z.number().int().min(0).max(65535).optional(),
  mcp_oauth_callback_url: z.string().optional(),
  forced_login_method: z.enum(["chatgpt", "api"]).optional(),
  forced_chatgpt_workspace_id: z.string().optional(),
  chatgpt_base_url: z.string().optional(),
  history: z
    .looseObject({
      persistence: z.enum(["save-all", "none"]).optional(),
      max_bytes: z.number().int().nonnegative().optional(),
    })
    .optional(),
  include_apply_patch_tool: z.boolean().optional(),
  experimental_use_freeform_apply_patch: z.boolean().optional(),
  experimental_use_unified_exec_tool: z.boolean().optional(),
  experimental_use_rmcp_client: z.boolean().optional(),
  tools_web_search_request: z.boolean().optional(),
  show_raw_agent_reasoning: z.boolean().optional(),
  hide_agent_reasoning: z.boolean().optional(),
  /** Model requests one turn may send (an extension: Codex has no such limit; see core README "Limits"). */
  max_turn_requests: z.number().int().positive().max(MAX_TURN_REQUESTS_LIMIT).optional(),
  project_doc_max_bytes: z.number().int().nonnegative().max(PROJECT_DOC_MAX_BYTES_LIMIT).optional(),
  project_doc_fallback_filenames: z.array(z.string()).optional(),
});

export type ConfigToml = z.infer<typeof configTomlSchema>;
export type ProfileToml = z.infer<typeof profileSchema>;
export type ModelProviderToml = z.infer<typeof modelProviderSchema>;
export type McpServerToml = z.infer<typeof mcpServerSchema>;
export type ApprovalPolicy = z.infer<typeof approvalPolicySchema>;
export type ApprovalsReviewer = z.infer<typeof approvalsReviewerSchema>;
export type SandboxMode = z.infer<typeof sandboxModeSchema>;
export type ReasoningEffort = z.infer<typeof reasoningEffortSchema>;
export type ReasoningSummary = z.infer<typeof reasoningSummarySchema>;
export type Verbosity = z.infer<typeof verbositySchema>;
export type CredentialsStoreMode = z.infer<typeof credentialsStoreSchema>;
export type WireApi = z.infer<typeof wireApiSchema>;
