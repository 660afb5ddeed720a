// Wire types of codex 0.58.0 (v1 root + shared core types). Bootstrapped by scripts/zod-from-json-schema.py from the reference
// bundle; field names, casing and optionality are the wire contract.
import { z } from "zod";
import { lazySchema } from "./lazy-schema.js";
import { u64, usize, uuidString } from "./serde-types.js";
import * as v2 from "./v2.js";

export const RequestId = lazySchema(() => z.union([z.string(), z.number().int()]));
export type RequestId = z.infer<typeof RequestId>;

export const RateLimitWindow = lazySchema(() =>
  z.object({
    resets_at: z.number().int().nullable().optional(),
    used_percent: z.number(),
    window_minutes: z.number().int().nullable().optional(),
  }),
);
export type RateLimitWindow = z.infer<typeof RateLimitWindow>;

export const RateLimitSnapshot = lazySchema(() =>
  z.object({
    primary: RateLimitWindow.nullable().optional(),
    secondary: RateLimitWindow.nullable().optional(),
  }),
);
export type RateLimitSnapshot = z.infer<typeof RateLimitSnapshot>;

/**
 * `token_count.rate_limits` as 0.58.0 sends it: core's snake_case snapshot (`used_percent`, `window_minutes`,
 * `resets_at`). 0.58.0's exported schema names v2's camelCase `RateLimitSnapshot` there (a name clash in its
 * generator); the exporter writes that reference (export/json-schema.ts) so the bundle stays 0.58.0's, while the
 * types and validation follow the wire. A distinct instance so the exporter can tell it apart.
 */
export const TokenCountRateLimits = lazySchema(() => z.object({ ...RateLimitSnapshot.shape }));

export const JSONRPCErrorError = lazySchema(() =>
  z.object({
    code: z.number().int(),
    data: z.unknown().optional(),
    message: z.string(),
  }),
);
export type JSONRPCErrorError = z.infer<typeof JSONRPCErrorError>;

/** A response to a request that indicates an error occurred. */
export const JSONRPCError = lazySchema(() => z.object({ error: JSONRPCErrorError, id: RequestId }));
export type JSONRPCError = z.infer<typeof JSONRPCError>;

/** A notification which does not expect a response. */
export const JSONRPCNotification = lazySchema(() =>
  z.object({ method: z.string(), params: z.unknown().optional() }),
);
export type JSONRPCNotification = z.infer<typeof JSONRPCNotification>;

/** A request that expects a response. */
export const JSONRPCRequest = lazySchema(() =>
  z.object({ id: RequestId, method: z.string(), params: z.unknown().optional() }),
);
export type JSONRPCRequest = z.infer<typeof JSONRPCRequest>;

/** A successful (non-error) response to a request. */
export const JSONRPCResponse = lazySchema(() => z.object({ id: RequestId, result: z.unknown() }));
export type JSONRPCResponse = z.infer<typeof JSONRPCResponse>;

/** Refers to any valid JSON-RPC object that can be decoded off the wire, or encoded to be sent. */
export const JSONRPCMessage = lazySchema(() =>
  z.union([JSONRPCRequest, JSONRPCNotification, JSONRPCResponse, JSONRPCError]),
);
export type JSONRPCMessage = z.infer<typeof JSONRPCMessage>;

/** A UUID (Codex's `ConversationId`); decoding canonicalises it. */
export const ConversationId = lazySchema(() => uuidString());
export type ConversationId = z.infer<typeof ConversationId>;

export const AddConversationListenerParams = lazySchema(() =>
  z.object({
    conversationId: ConversationId,
    experimentalRawEvents: z.boolean().optional(),
  }),
);
export type AddConversationListenerParams = z.infer<typeof AddConversationListenerParams>;

export const ArchiveConversationParams = lazySchema(() =>
  z.object({
    conversationId: ConversationId,
    rolloutPath: z.string(),
  }),
);
export type ArchiveConversationParams = z.infer<typeof ArchiveConversationParams>;

export const CancelLoginChatGptParams = lazySchema(() =>
  z.object({
    loginId: uuidString("UUID parsing failed: ", "a UUID string"),
  }),
);
export type CancelLoginChatGptParams = z.infer<typeof CancelLoginChatGptParams>;

export const ClientInfo = lazySchema(() =>
  z.object({
    name: z.string(),
    title: z.string().nullable().optional(),
    version: z.string(),
  }),
);
export type ClientInfo = z.infer<typeof ClientInfo>;

/** Determines execution restrictions for model shell commands. */
export const SandboxPolicy = lazySchema(() =>
  z.union([
    z.object({ mode: z.enum(["danger-full-access"]) }),
    z.object({ mode: z.enum(["read-only"]) }),
    z.object({
      exclude_slash_tmp: z.boolean().optional(),
      exclude_tmpdir_env_var: z.boolean().optional(),
      mode: z.enum(["workspace-write"]),
      network_access: z.boolean().optional(),
      writable_roots: z.array(z.string()).optional(),
    }),
  ]),
);
export type SandboxPolicy = z.infer<typeof SandboxPolicy>;

export const ExecOneOffCommandParams = lazySchema(() =>
  z.object({
    command: z.array(z.string()),
    cwd: z.string().nullable().optional(),
    sandboxPolicy: SandboxPolicy.nullable().optional(),
    timeoutMs: u64().nullable().optional(),
  }),
);
export type ExecOneOffCommandParams = z.infer<typeof ExecOneOffCommandParams>;

export const FuzzyFileSearchParams = lazySchema(() =>
  z.object({
    cancellationToken: z.string().nullable().optional(),
    query: z.string(),
    roots: z.array(z.string()),
  }),
);
export type FuzzyFileSearchParams = z.infer<typeof FuzzyFileSearchParams>;

export const GetAuthStatusParams = lazySchema(() =>
  z.object({
    includeToken: z.boolean().nullable().optional(),
    refreshToken: z.boolean().nullable().optional(),
  }),
);
export type GetAuthStatusParams = z.infer<typeof GetAuthStatusParams>;

export const GetConversationSummaryParams = lazySchema(() =>
  z.union([z.object({ rolloutPath: z.string() }), z.object({ conversationId: ConversationId })]),
);
export type GetConversationSummaryParams = z.infer<typeof GetConversationSummaryParams>;

export const GitDiffToRemoteParams = lazySchema(() => z.object({ cwd: z.string() }));
export type GitDiffToRemoteParams = z.infer<typeof GitDiffToRemoteParams>;

export const InitializeParams = lazySchema(() => z.object({ clientInfo: ClientInfo }));
export type InitializeParams = z.infer<typeof InitializeParams>;

export const InterruptConversationParams = lazySchema(() => z.object({ conversationId: ConversationId }));
export type InterruptConversationParams = z.infer<typeof InterruptConversationParams>;

export const ListConversationsParams = lazySchema(() =>
  z.object({
    cursor: z.string().nullable().optional(),
    modelProviders: z.array(z.string()).nullable().optional(),
    pageSize: usize().nullable().optional(),
  }),
);
export type ListConversationsParams = z.infer<typeof ListConversationsParams>;

export const LoginApiKeyParams = lazySchema(() => z.object({ apiKey: z.string() }));
export type LoginApiKeyParams = z.infer<typeof LoginApiKeyParams>;

/** Determines the conditions under which the user is consulted to approve running the command proposed by Codex. */
export const AskForApproval = lazySchema(() =>
  z.union([z.enum(["untrusted"]), z.enum(["on-failure"]), z.enum(["on-request"]), z.enum(["never"])]),
);
export type AskForApproval = z.infer<typeof AskForApproval>;

export const SandboxMode = lazySchema(() => z.enum(["read-only", "workspace-write", "danger-full-access"]));
export type SandboxMode = z.infer<typeof SandboxMode>;

export const NewConversationParams = lazySchema(() =>
  z.object({
    approvalPolicy: AskForApproval.nullable().optional(),
    baseInstructions: z.string().nullable().optional(),
    compactPrompt: z.string().nullable().optional(),
    config: z.record(z.string(), z.unknown()).nullable().optional(),
    cwd: z.string().nullable().optional(),
    developerInstructions: z.string().nullable().optional(),
    includeApplyPatchTool: z.boolean().nullable().optional(),
    model: z.string().nullable().optional(),
    modelProvider: z.string().nullable().optional(),
    profile: z.string().nullable().optional(),
    sandbox: SandboxMode.nullable().optional(),
  }),
);
export type NewConversationParams = z.infer<typeof NewConversationParams>;

export const RemoveConversationListenerParams = lazySchema(() =>
  z.object({
    subscriptionId: uuidString("UUID parsing failed: ", "a UUID string"),
  }),
);
export type RemoveConversationListenerParams = z.infer<typeof RemoveConversationListenerParams>;

export const ContentItem = lazySchema(() =>
  z.union([
    z.object({ text: z.string(), type: z.enum(["input_text"]) }),
    z.object({ image_url: z.string(), type: z.enum(["input_image"]) }),
    z.object({ text: z.string(), type: z.enum(["output_text"]) }),
  ]),
);
export type ContentItem = z.infer<typeof ContentItem>;

/** Responses API compatible content items that can be returned by a tool call. This is a subset of ContentItem with the types we support as function call outputs. */
export const FunctionCallOutputContentItem = lazySchema(() =>
  z.union([
    z.object({ text: z.string(), type: z.enum(["input_text"]) }),
    z.object({ image_url: z.string(), type: z.enum(["input_image"]) }),
  ]),
);
export type FunctionCallOutputContentItem = z.infer<typeof FunctionCallOutputContentItem>;

/** The payload we send back to OpenAI when reporting a tool call result.
 *
 * `content` preserves the historical plain-string payload so downstream integrations (tests, logging, etc.) can keep treating tool output as `String`. When an MCP server returns richer data we additionally populate `content_items` with the structured form that the Responses/Chat Completions APIs understand. */
export const FunctionCallOutputPayload = lazySchema(() =>
  z.object({
    content: z.string(),
    content_items: z.array(FunctionCallOutputContentItem).nullable().optional(),
    success: z.boolean().nullable().optional(),
  }),
);
export type FunctionCallOutputPayload = z.infer<typeof FunctionCallOutputPayload>;

/** Details of a ghost commit created from a repository state. */
export const GhostCommit = lazySchema(() =>
  z.object({
    id: z.string(),
    parent: z.string().nullable().optional(),
    preexisting_untracked_dirs: z.array(z.string()),
    preexisting_untracked_files: z.array(z.string()),
  }),
);
export type GhostCommit = z.infer<typeof GhostCommit>;

export const LocalShellAction = lazySchema(() =>
  z.object({
    command: z.array(z.string()),
    env: z.record(z.string(), z.string()).nullable().optional(),
    timeout_ms: z.number().int().nonnegative().nullable().optional(),
    type: z.enum(["exec"]),
    user: z.string().nullable().optional(),
    working_directory: z.string().nullable().optional(),
  }),
);
export type LocalShellAction = z.infer<typeof LocalShellAction>;

export const LocalShellStatus = lazySchema(() => z.enum(["completed", "in_progress", "incomplete"]));
export type LocalShellStatus = z.infer<typeof LocalShellStatus>;

export const ReasoningItemContent = lazySchema(() =>
  z.union([
    z.object({ text: z.string(), type: z.enum(["reasoning_text"]) }),
    z.object({ text: z.string(), type: z.enum(["text"]) }),
  ]),
);
export type ReasoningItemContent = z.infer<typeof ReasoningItemContent>;

export const ReasoningItemReasoningSummary = lazySchema(() =>
  z.object({ text: z.string(), type: z.enum(["summary_text"]) }),
);
export type ReasoningItemReasoningSummary = z.infer<typeof ReasoningItemReasoningSummary>;

export const WebSearchAction = lazySchema(() =>
  z.union([z.object({ query: z.string(), type: z.enum(["search"]) }), z.object({ type: z.enum(["other"]) })]),
);
export type WebSearchAction = z.infer<typeof WebSearchAction>;

export const ResponseItem = lazySchema(() =>
  z.union([
    z.object({
      content: z.array(ContentItem),
      id: z.string().nullable().optional(),
      role: z.string(),
      type: z.enum(["message"]),
    }),
    z.object({
      content: z.array(ReasoningItemContent).nullable().optional(),
      encrypted_content: z.string().nullable().optional(),
      id: z.string(),
      summary: z.array(ReasoningItemReasoningSummary),
      type: z.enum(["reasoning"]),
    }),
    z.object({
      action: LocalShellAction,
      call_id: z.string().nullable().optional(),
      id: z.string().nullable().optional(),
      status: LocalShellStatus,
      type: z.enum(["local_shell_call"]),
    }),
    z.object({
      arguments: z.string(),
      call_id: z.string(),
      id: z.string().nullable().optional(),
      name: z.string(),
      type: z.enum(["function_call"]),
    }),
    z.object({
      call_id: z.string(),
      output: FunctionCallOutputPayload,
      type: z.enum(["function_call_output"]),
    }),
    z.object({
      call_id: z.string(),
      id: z.string().nullable().optional(),
      input: z.string(),
      name: z.string(),
      status: z.string().nullable().optional(),
      type: z.enum(["custom_tool_call"]),
    }),
    z.object({ call_id: z.string(), output: z.string(), type: z.enum(["custom_tool_call_output"]) }),
    z.object({
      action: WebSearchAction,
      id: z.string().nullable().optional(),
      status: z.string().nullable().optional(),
      type: z.enum(["web_search_call"]),
    }),
    z.object({ ghost_commit: GhostCommit, type: z.enum(["ghost_snapshot"]) }),
    z.object({ type: z.enum(["other"]) }),
  ]),
);
export type ResponseItem = z.infer<typeof ResponseItem>;

export const ResumeConversationParams = lazySchema(() =>
  z.object({
    conversationId: ConversationId.nullable().optional(),
    history: z.array(ResponseItem).nullable().optional(),
    overrides: NewConversationParams.nullable().optional(),
    path: z.string().nullable().optional(),
  }),
);
export type ResumeConversationParams = z.infer<typeof ResumeConversationParams>;

export const InputItem = lazySchema(() =>
  z.union([
    z.object({ data: z.object({ text: z.string() }), type: z.enum(["text"]) }),
    z.object({ data: z.object({ image_url: z.string() }), type: z.enum(["image"]) }),
    z.object({ data: z.object({ path: z.string() }), type: z.enum(["localImage"]) }),
  ]),
);
export type InputItem = z.infer<typeof InputItem>;

export const SendUserMessageParams = lazySchema(() =>
  z.object({ conversationId: ConversationId, items: z.array(InputItem) }),
);
export type SendUserMessageParams = z.infer<typeof SendUserMessageParams>;

/** See https://platform.openai.com/docs/guides/reasoning?api-mode=responses#get-started-with-reasoning */
export const ReasoningEffort = lazySchema(() => z.enum(["none", "minimal", "low", "medium", "high"]));
export type ReasoningEffort = z.infer<typeof ReasoningEffort>;

/** A summary of the reasoning performed by the model. This can be useful for debugging and understanding the model's reasoning process. See https://platform.openai.com/docs/guides/reasoning?api-mode=responses#reasoning-summaries */
export const ReasoningSummary = lazySchema(() =>
  z.union([z.enum(["auto", "concise", "detailed"]), z.enum(["none"])]),
);
export type ReasoningSummary = z.infer<typeof ReasoningSummary>;

export const SendUserTurnParams = lazySchema(() =>
  z.object({
    approvalPolicy: AskForApproval,
    conversationId: ConversationId,
    cwd: z.string(),
    effort: ReasoningEffort.nullable().optional(),
    items: z.array(InputItem),
    model: z.string(),
    sandboxPolicy: SandboxPolicy,
    summary: ReasoningSummary,
  }),
);
export type SendUserTurnParams = z.infer<typeof SendUserTurnParams>;

export const SetDefaultModelParams = lazySchema(() =>
  z.object({
    model: z.string().nullable().optional(),
    reasoningEffort: ReasoningEffort.nullable().optional(),
  }),
);
export type SetDefaultModelParams = z.infer<typeof SetDefaultModelParams>;

export const FileChange = lazySchema(() =>
  z.union([
    z.strictObject({ add: z.object({ content: z.string() }) }),
    z.strictObject({ delete: z.object({ content: z.string() }) }),
    z.strictObject({
      update: z.object({ move_path: z.string().nullable().optional(), unified_diff: z.string() }),
    }),
  ]),
);
export type FileChange = z.infer<typeof FileChange>;

export const ApplyPatchApprovalParams = lazySchema(() =>
  z.object({
    callId: z.string(),
    conversationId: v2.ConversationId,
    fileChanges: z.record(z.string(), FileChange),
    grantRoot: z.string().nullable().optional(),
    reason: z.string().nullable().optional(),
  }),
);
export type ApplyPatchApprovalParams = z.infer<typeof ApplyPatchApprovalParams>;

export const ParsedCommand = lazySchema(() =>
  z.union([
    z.object({ cmd: z.string(), name: z.string(), path: z.string(), type: z.enum(["read"]) }),
    z.object({ cmd: z.string(), path: z.string().nullable().optional(), type: z.enum(["list_files"]) }),
    z.object({
      cmd: z.string(),
      path: z.string().nullable().optional(),
      query: z.string().nullable().optional(),
      type: z.enum(["search"]),
    }),
    z.object({ cmd: z.string(), type: z.enum(["unknown"]) }),
  ]),
);
export type ParsedCommand = z.infer<typeof ParsedCommand>;

export const SandboxRiskLevel = lazySchema(() => z.enum(["low", "medium", "high"]));
export type SandboxRiskLevel = z.infer<typeof SandboxRiskLevel>;

export const SandboxCommandAssessment = lazySchema(() =>
  z.object({ description: z.string(), risk_level: SandboxRiskLevel }),
);
export type SandboxCommandAssessment = z.infer<typeof SandboxCommandAssessment>;

export const ExecCommandApprovalParams = lazySchema(() =>
  z.object({
    callId: z.string(),
    command: z.array(z.string()),
    conversationId: v2.ConversationId,
    cwd: z.string(),
    parsedCmd: z.array(ParsedCommand),
    reason: z.string().nullable().optional(),
    risk: SandboxCommandAssessment.nullable().optional(),
  }),
);
export type ExecCommandApprovalParams = z.infer<typeof ExecCommandApprovalParams>;

export const AgentMessageContent = lazySchema(() => z.strictObject({ Text: z.object({ text: z.string() }) }));
export type AgentMessageContent = z.infer<typeof AgentMessageContent>;

export const AgentMessageItem = lazySchema(() =>
  z.object({ content: z.array(AgentMessageContent), id: z.string() }),
);
export type AgentMessageItem = z.infer<typeof AgentMessageItem>;

export const AuthMode = lazySchema(() => z.enum(["apikey", "chatgpt"]));
export type AuthMode = z.infer<typeof AuthMode>;

/** Deprecated notification. Use AccountUpdatedNotification instead. */
export const AuthStatusChangeNotification = lazySchema(() =>
  z.object({ authMethod: AuthMode.nullable().optional() }),
);
export type AuthStatusChangeNotification = z.infer<typeof AuthStatusChangeNotification>;

/** The sender or recipient of messages and data in a conversation. */
export const Role = lazySchema(() => z.enum(["assistant", "user"]));
export type Role = z.infer<typeof Role>;

/** Optional annotations for the client. The client can use annotations to inform how objects are used or displayed */
export const Annotations = lazySchema(() =>
  z.object({
    audience: z.array(Role).nullable().optional(),
    lastModified: z.string().nullable().optional(),
    priority: z.number().nullable().optional(),
  }),
);
export type Annotations = z.infer<typeof Annotations>;

/** Audio provided to or from an LLM. */
export const AudioContent = lazySchema(() =>
  z.object({
    annotations: Annotations.nullable().optional(),
    data: z.string(),
    mimeType: z.string(),
    type: z.string(),
  }),
);
export type AudioContent = z.infer<typeof AudioContent>;

export const BlobResourceContents = lazySchema(() =>
  z.object({
    blob: z.string(),
    mimeType: z.string().nullable().optional(),
    uri: z.string(),
  }),
);
export type BlobResourceContents = z.infer<typeof BlobResourceContents>;

export const TextResourceContents = lazySchema(() =>
  z.object({
    mimeType: z.string().nullable().optional(),
    text: z.string(),
    uri: z.string(),
  }),
);
export type TextResourceContents = z.infer<typeof TextResourceContents>;

export const EmbeddedResourceResource = lazySchema(() =>
  z.union([TextResourceContents, BlobResourceContents]),
);
export type EmbeddedResourceResource = z.infer<typeof EmbeddedResourceResource>;

/** The contents of a resource, embedded into a prompt or tool call result.
 *
 * It is up to the client how best to render embedded resources for the benefit of the LLM and/or the user. */
export const EmbeddedResource = lazySchema(() =>
  z.object({
    annotations: Annotations.nullable().optional(),
    resource: EmbeddedResourceResource,
    type: z.string(),
  }),
);
export type EmbeddedResource = z.infer<typeof EmbeddedResource>;

/** An image provided to or from an LLM. */
export const ImageContent = lazySchema(() =>
  z.object({
    annotations: Annotations.nullable().optional(),
    data: z.string(),
    mimeType: z.string(),
    type: z.string(),
  }),
);
export type ImageContent = z.infer<typeof ImageContent>;

/** A resource that the server is capable of reading, included in a prompt or tool call result.
 *
 * Note: resource links returned by tools are not guaranteed to appear in the results of `resources/list` requests. */
export const ResourceLink = lazySchema(() =>
  z.object({
    annotations: Annotations.nullable().optional(),
    description: z.string().nullable().optional(),
    mimeType: z.string().nullable().optional(),
    name: z.string(),
    size: z.number().int().nullable().optional(),
    title: z.string().nullable().optional(),
    type: z.string(),
    uri: z.string(),
  }),
);
export type ResourceLink = z.infer<typeof ResourceLink>;

/** Text provided to or from an LLM. */
export const TextContent = lazySchema(() =>
  z.object({
    annotations: Annotations.nullable().optional(),
    text: z.string(),
    type: z.string(),
  }),
);
export type TextContent = z.infer<typeof TextContent>;

export const ContentBlock = lazySchema(() =>
  z.union([TextContent, ImageContent, AudioContent, ResourceLink, EmbeddedResource]),
);
export type ContentBlock = z.infer<typeof ContentBlock>;

/** The server's response to a tool call. */
export const CallToolResult = lazySchema(() =>
  z.object({
    content: z.array(ContentBlock),
    isError: z.boolean().nullable().optional(),
    structuredContent: z.unknown().optional(),
  }),
);
export type CallToolResult = z.infer<typeof CallToolResult>;

export const CustomPrompt = lazySchema(() =>
  z.object({
    argument_hint: z.string().nullable().optional(),
    content: z.string(),
    description: z.string().nullable().optional(),
    name: z.string(),
    path: z.string(),
  }),
);
export type CustomPrompt = z.infer<typeof CustomPrompt>;

export const Duration = lazySchema(() =>
  z.object({
    nanos: z.number().int().nonnegative(),
    secs: z.number().int().nonnegative(),
  }),
);
export type Duration = z.infer<typeof Duration>;

export const ExecOutputStream = lazySchema(() => z.enum(["stdout", "stderr"]));
export type ExecOutputStream = z.infer<typeof ExecOutputStream>;

export const HistoryEntry = lazySchema(() =>
  z.object({
    conversation_id: z.string(),
    text: z.string(),
    ts: z.number().int().nonnegative(),
  }),
);
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** Deprecated in favor of AccountLoginCompletedNotification. */
export const LoginChatGptCompleteNotification = lazySchema(() =>
  z.object({
    error: z.string().nullable().optional(),
    loginId: z.string(),
    success: z.boolean(),
  }),
);
export type LoginChatGptCompleteNotification = z.infer<typeof LoginChatGptCompleteNotification>;

export const McpAuthStatus = lazySchema(() =>
  z.enum(["unsupported", "not_logged_in", "bearer_token", "o_auth"]),
);
export type McpAuthStatus = z.infer<typeof McpAuthStatus>;

export const McpInvocation = lazySchema(() =>
  z.object({
    arguments: z.unknown().optional(),
    server: z.string(),
    tool: z.string(),
  }),
);
export type McpInvocation = z.infer<typeof McpInvocation>;

export const StepStatus = lazySchema(() => z.enum(["pending", "in_progress", "completed"]));
export type StepStatus = z.infer<typeof StepStatus>;

export const PlanItemArg = lazySchema(() => z.strictObject({ status: StepStatus, step: z.string() }));
export type PlanItemArg = z.infer<typeof PlanItemArg>;

export const ReasoningItem = lazySchema(() =>
  z.object({
    id: z.string(),
    raw_content: z.array(z.string()).optional(),
    summary_text: z.array(z.string()),
  }),
);
export type ReasoningItem = z.infer<typeof ReasoningItem>;

/** A known resource that the server is capable of reading. */
export const Resource = lazySchema(() =>
  z.object({
    annotations: Annotations.nullable().optional(),
    description: z.string().nullable().optional(),
    mimeType: z.string().nullable().optional(),
    name: z.string(),
    size: z.number().int().nullable().optional(),
    title: z.string().nullable().optional(),
    uri: z.string(),
  }),
);
export type Resource = z.infer<typeof Resource>;

/** A template description for resources available on the server. */
export const ResourceTemplate = lazySchema(() =>
  z.object({
    annotations: Annotations.nullable().optional(),
    description: z.string().nullable().optional(),
    mimeType: z.string().nullable().optional(),
    name: z.string(),
    title: z.string().nullable().optional(),
    uriTemplate: z.string(),
  }),
);
export type ResourceTemplate = z.infer<typeof ResourceTemplate>;

export const Result_of_CallToolResult_or_String = lazySchema(() =>
  z.union([z.object({ Ok: CallToolResult }), z.object({ Err: z.string() })]),
);
export type Result_of_CallToolResult_or_String = z.infer<typeof Result_of_CallToolResult_or_String>;

/** Inclusive line range in a file associated with the finding. */
export const ReviewLineRange = lazySchema(() =>
  z.object({
    end: z.number().int().nonnegative(),
    start: z.number().int().nonnegative(),
  }),
);
export type ReviewLineRange = z.infer<typeof ReviewLineRange>;

/** Location of the code related to a review finding. */
export const ReviewCodeLocation = lazySchema(() =>
  z.object({ absolute_file_path: z.string(), line_range: ReviewLineRange }),
);
export type ReviewCodeLocation = z.infer<typeof ReviewCodeLocation>;

/** A single review finding describing an observed issue or recommendation. */
export const ReviewFinding = lazySchema(() =>
  z.object({
    body: z.string(),
    code_location: ReviewCodeLocation,
    confidence_score: z.number(),
    priority: z.number().int(),
    title: z.string(),
  }),
);
export type ReviewFinding = z.infer<typeof ReviewFinding>;

/** Structured review result produced by a child review session. */
export const ReviewOutputEvent = lazySchema(() =>
  z.object({
    findings: z.array(ReviewFinding),
    overall_confidence_score: z.number(),
    overall_correctness: z.string(),
    overall_explanation: z.string(),
  }),
);
export type ReviewOutputEvent = z.infer<typeof ReviewOutputEvent>;

export const TokenUsage = lazySchema(() =>
  z.object({
    cached_input_tokens: z.number().int(),
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    reasoning_output_tokens: z.number().int(),
    total_tokens: z.number().int(),
  }),
);
export type TokenUsage = z.infer<typeof TokenUsage>;

export const TokenUsageInfo = lazySchema(() =>
  z.object({
    last_token_usage: TokenUsage,
    model_context_window: z.number().int().nullable().optional(),
    total_token_usage: TokenUsage,
  }),
);
export type TokenUsageInfo = z.infer<typeof TokenUsageInfo>;

/** Additional properties describing a Tool to clients.
 *
 * NOTE: all properties in ToolAnnotations are **hints**. They are not guaranteed to provide a faithful description of tool behavior (including descriptive properties like `title`).
 *
 * Clients should never make tool use decisions based on ToolAnnotations received from untrusted servers. */
export const ToolAnnotations = lazySchema(() =>
  z.object({
    destructiveHint: z.boolean().nullable().optional(),
    idempotentHint: z.boolean().nullable().optional(),
    openWorldHint: z.boolean().nullable().optional(),
    readOnlyHint: z.boolean().nullable().optional(),
    title: z.string().nullable().optional(),
  }),
);
export type ToolAnnotations = z.infer<typeof ToolAnnotations>;

/** A JSON Schema object defining the expected parameters for the tool. */
export const ToolInputSchema = lazySchema(() =>
  z.object({
    properties: z.unknown().optional(),
    required: z.array(z.string()).nullable().optional(),
    type: z.string(),
  }),
);
export type ToolInputSchema = z.infer<typeof ToolInputSchema>;

/** An optional JSON Schema object defining the structure of the tool's output returned in the structuredContent field of a CallToolResult. */
export const ToolOutputSchema = lazySchema(() =>
  z.object({
    properties: z.unknown().optional(),
    required: z.array(z.string()).nullable().optional(),
    type: z.string(),
  }),
);
export type ToolOutputSchema = z.infer<typeof ToolOutputSchema>;

/** Definition for a tool the client can call. */
export const Tool = lazySchema(() =>
  z.object({
    annotations: ToolAnnotations.nullable().optional(),
    description: z.string().nullable().optional(),
    inputSchema: ToolInputSchema,
    name: z.string(),
    outputSchema: ToolOutputSchema.nullable().optional(),
    title: z.string().nullable().optional(),
  }),
);
export type Tool = z.infer<typeof Tool>;

export const TurnAbortReason = lazySchema(() => z.enum(["interrupted", "replaced", "review_ended"]));
export type TurnAbortReason = z.infer<typeof TurnAbortReason>;

/** User input */
export const UserInput = lazySchema(() =>
  z.union([
    z.object({ text: z.string(), type: z.enum(["text"]) }),
    z.object({ image_url: z.string(), type: z.enum(["image"]) }),
    z.object({ path: z.string(), type: z.enum(["local_image"]) }),
  ]),
);
export type UserInput = z.infer<typeof UserInput>;

export const UserMessageItem = lazySchema(() => z.object({ content: z.array(UserInput), id: z.string() }));
export type UserMessageItem = z.infer<typeof UserMessageItem>;

export const WebSearchItem = lazySchema(() => z.object({ id: z.string(), query: z.string() }));
export type WebSearchItem = z.infer<typeof WebSearchItem>;

export const TurnItem = lazySchema(() =>
  z.union([
    z.strictObject({ UserMessage: UserMessageItem }),
    z.strictObject({ AgentMessage: AgentMessageItem }),
    z.strictObject({ Reasoning: ReasoningItem }),
    z.strictObject({ WebSearch: WebSearchItem }),
  ]),
);
export type TurnItem = z.infer<typeof TurnItem>;

/** Response event from the agent NOTE: Make sure none of these values have optional types, as it will mess up the extension code-gen. */
export const EventMsg = lazySchema(() =>
  z.union([
    z.object({ message: z.string(), type: z.enum(["error"]) }),
    z.object({ message: z.string(), type: z.enum(["warning"]) }),
    z.object({
      model_context_window: z.number().int().nullable().optional(),
      type: z.enum(["task_started"]),
    }),
    z.object({ last_agent_message: z.string().nullable().optional(), type: z.enum(["task_complete"]) }),
    z.object({
      info: TokenUsageInfo.nullable().optional(),
      rate_limits: TokenCountRateLimits.nullable().optional(),
      type: z.enum(["token_count"]),
    }),
    z.object({ message: z.string(), type: z.enum(["agent_message"]) }),
    z.object({
      images: z.array(z.string()).nullable().optional(),
      message: z.string(),
      type: z.enum(["user_message"]),
    }),
    z.object({ delta: z.string(), type: z.enum(["agent_message_delta"]) }),
    z.object({ text: z.string(), type: z.enum(["agent_reasoning"]) }),
    z.object({ delta: z.string(), type: z.enum(["agent_reasoning_delta"]) }),
    z.object({ text: z.string(), type: z.enum(["agent_reasoning_raw_content"]) }),
    z.object({ delta: z.string(), type: z.enum(["agent_reasoning_raw_content_delta"]) }),
    z.object({ type: z.enum(["agent_reasoning_section_break"]) }),
    z.object({
      history_entry_count: z.number().int().nonnegative(),
      history_log_id: z.number().int().nonnegative(),
      get initial_messages(): z.ZodOptional<z.ZodNullable<z.ZodArray<typeof EventMsg>>> {
        return z.array(EventMsg).nullable().optional();
      },
      model: z.string(),
      reasoning_effort: v2.ReasoningEffort.nullable().optional(),
      rollout_path: z.string(),
      session_id: v2.ConversationId,
      type: z.enum(["session_configured"]),
    }),
    z.object({ call_id: z.string(), invocation: McpInvocation, type: z.enum(["mcp_tool_call_begin"]) }),
    z.object({
      call_id: z.string(),
      duration: Duration,
      invocation: McpInvocation,
      result: Result_of_CallToolResult_or_String,
      type: z.enum(["mcp_tool_call_end"]),
    }),
    z.object({ call_id: z.string(), type: z.enum(["web_search_begin"]) }),
    z.object({ call_id: z.string(), query: z.string(), type: z.enum(["web_search_end"]) }),
    z.object({
      call_id: z.string(),
      command: z.array(z.string()),
      cwd: z.string(),
      is_user_shell_command: z.boolean().optional(),
      parsed_cmd: z.array(ParsedCommand),
      type: z.enum(["exec_command_begin"]),
    }),
    z.object({
      call_id: z.string(),
      chunk: z.string(),
      stream: ExecOutputStream,
      type: z.enum(["exec_command_output_delta"]),
    }),
    z.object({
      aggregated_output: z.string().optional(),
      call_id: z.string(),
      duration: Duration,
      exit_code: z.number().int(),
      formatted_output: z.string(),
      stderr: z.string(),
      stdout: z.string(),
      type: z.enum(["exec_command_end"]),
    }),
    z.object({ call_id: z.string(), path: z.string(), type: z.enum(["view_image_tool_call"]) }),
    z.object({
      call_id: z.string(),
      command: z.array(z.string()),
      cwd: z.string(),
      parsed_cmd: z.array(ParsedCommand),
      reason: z.string().nullable().optional(),
      risk: SandboxCommandAssessment.nullable().optional(),
      type: z.enum(["exec_approval_request"]),
    }),
    z.object({
      call_id: z.string(),
      changes: z.record(z.string(), FileChange),
      grant_root: z.string().nullable().optional(),
      reason: z.string().nullable().optional(),
      type: z.enum(["apply_patch_approval_request"]),
    }),
    z.object({
      details: z.string().nullable().optional(),
      summary: z.string(),
      type: z.enum(["deprecation_notice"]),
    }),
    z.object({ message: z.string(), type: z.enum(["background_event"]) }),
    z.object({ message: z.string().nullable().optional(), type: z.enum(["undo_started"]) }),
    z.object({
      message: z.string().nullable().optional(),
      success: z.boolean(),
      type: z.enum(["undo_completed"]),
    }),
    z.object({ message: z.string(), type: z.enum(["stream_error"]) }),
    z.object({
      auto_approved: z.boolean(),
      call_id: z.string(),
      changes: z.record(z.string(), FileChange),
      type: z.enum(["patch_apply_begin"]),
    }),
    z.object({
      call_id: z.string(),
      stderr: z.string(),
      stdout: z.string(),
      success: z.boolean(),
      type: z.enum(["patch_apply_end"]),
    }),
    z.object({ type: z.enum(["turn_diff"]), unified_diff: z.string() }),
    z.object({
      entry: HistoryEntry.nullable().optional(),
      log_id: z.number().int().nonnegative(),
      offset: z.number().int().nonnegative(),
      type: z.enum(["get_history_entry_response"]),
    }),
    z.object({
      auth_statuses: z.record(z.string(), McpAuthStatus),
      resource_templates: z.record(z.string(), z.array(ResourceTemplate)),
      resources: z.record(z.string(), z.array(Resource)),
      tools: z.record(z.string(), Tool),
      type: z.enum(["mcp_list_tools_response"]),
    }),
    z.object({ custom_prompts: z.array(CustomPrompt), type: z.enum(["list_custom_prompts_response"]) }),
    z.object({
      explanation: z.string().nullable().optional(),
      plan: z.array(PlanItemArg),
      type: z.enum(["plan_update"]),
    }),
    z.object({ reason: TurnAbortReason, type: z.enum(["turn_aborted"]) }),
    z.object({ type: z.enum(["shutdown_complete"]) }),
    z.object({ prompt: z.string(), type: z.enum(["entered_review_mode"]), user_facing_hint: z.string() }),
    z.object({
      review_output: ReviewOutputEvent.nullable().optional(),
      type: z.enum(["exited_review_mode"]),
    }),
    z.object({ item: v2.ResponseItem, type: z.enum(["raw_response_item"]) }),
    z.object({
      item: TurnItem,
      thread_id: v2.ConversationId,
      turn_id: z.string(),
      type: z.enum(["item_started"]),
    }),
    z.object({
      item: TurnItem,
      thread_id: v2.ConversationId,
      turn_id: z.string(),
      type: z.enum(["item_completed"]),
    }),
    z.object({
      delta: z.string(),
      item_id: z.string(),
      thread_id: z.string(),
      turn_id: z.string(),
      type: z.enum(["agent_message_content_delta"]),
    }),
    z.object({
      delta: z.string(),
      item_id: z.string(),
      thread_id: z.string(),
      turn_id: z.string(),
      type: z.enum(["reasoning_content_delta"]),
    }),
    z.object({
      delta: z.string(),
      item_id: z.string(),
      thread_id: z.string(),
      turn_id: z.string(),
      type: z.enum(["reasoning_raw_content_delta"]),
    }),
  ]),
);
export type EventMsg = z.infer<typeof EventMsg>;

/** Error while executing a submission */
export const ErrorEvent = lazySchema(() => z.object({ message: z.string() }));
export type ErrorEvent = z.infer<typeof ErrorEvent>;

/** Warning issued while processing a submission. Unlike `Error`, this indicates the task continued but the user should still be notified. */
export const WarningEvent = lazySchema(() => z.object({ message: z.string() }));
export type WarningEvent = z.infer<typeof WarningEvent>;

/** Agent has started a task */
export const TaskStartedEvent = lazySchema(() =>
  z.object({ model_context_window: z.number().int().nullable().optional() }),
);
export type TaskStartedEvent = z.infer<typeof TaskStartedEvent>;

/** Agent has completed all actions */
export const TaskCompleteEvent = lazySchema(() =>
  z.object({ last_agent_message: z.string().nullable().optional() }),
);
export type TaskCompleteEvent = z.infer<typeof TaskCompleteEvent>;

/** Usage update for the current session, including totals and last turn. Optional means unknown — UIs should not display when `None`. */
export const TokenCountEvent = lazySchema(() =>
  z.object({
    info: TokenUsageInfo.nullable().optional(),
    rate_limits: TokenCountRateLimits.nullable().optional(),
  }),
);
export type TokenCountEvent = z.infer<typeof TokenCountEvent>;

/** Agent text output message */
export const AgentMessageEvent = lazySchema(() => z.object({ message: z.string() }));
export type AgentMessageEvent = z.infer<typeof AgentMessageEvent>;

/** User/system input message (what was sent to the model) */
export const UserMessageEvent = lazySchema(() =>
  z.object({
    images: z.array(z.string()).nullable().optional(),
    message: z.string(),
  }),
);
export type UserMessageEvent = z.infer<typeof UserMessageEvent>;

/** Agent text output delta message */
export const AgentMessageDeltaEvent = lazySchema(() => z.object({ delta: z.string() }));
export type AgentMessageDeltaEvent = z.infer<typeof AgentMessageDeltaEvent>;

/** Reasoning event from agent. */
export const AgentReasoningEvent = lazySchema(() => z.object({ text: z.string() }));
export type AgentReasoningEvent = z.infer<typeof AgentReasoningEvent>;

/** Agent reasoning delta event from agent. */
export const AgentReasoningDeltaEvent = lazySchema(() => z.object({ delta: z.string() }));
export type AgentReasoningDeltaEvent = z.infer<typeof AgentReasoningDeltaEvent>;

/** Raw chain-of-thought from agent. */
export const AgentReasoningRawContentEvent = lazySchema(() => z.object({ text: z.string() }));
export type AgentReasoningRawContentEvent = z.infer<typeof AgentReasoningRawContentEvent>;

/** Agent reasoning content delta event from agent. */
export const AgentReasoningRawContentDeltaEvent = lazySchema(() => z.object({ delta: z.string() }));
export type AgentReasoningRawContentDeltaEvent = z.infer<typeof AgentReasoningRawContentDeltaEvent>;

/** Signaled when the model begins a new reasoning summary section (e.g., a new titled block). */
export const AgentReasoningSectionBreakEvent = lazySchema(() => z.object({}));
export type AgentReasoningSectionBreakEvent = z.infer<typeof AgentReasoningSectionBreakEvent>;

/** Ack the client's configure message. */
export const SessionConfiguredEvent = lazySchema(() =>
  z.object({
    history_entry_count: z.number().int().nonnegative(),
    history_log_id: z.number().int().nonnegative(),
    get initial_messages(): z.ZodOptional<z.ZodNullable<z.ZodArray<typeof EventMsg>>> {
      return z.array(EventMsg).nullable().optional();
    },
    model: z.string(),
    reasoning_effort: v2.ReasoningEffort.nullable().optional(),
    rollout_path: z.string(),
    session_id: v2.ConversationId,
  }),
);
export type SessionConfiguredEvent = z.infer<typeof SessionConfiguredEvent>;

export const McpToolCallBeginEvent = lazySchema(() =>
  z.object({ call_id: z.string(), invocation: McpInvocation }),
);
export type McpToolCallBeginEvent = z.infer<typeof McpToolCallBeginEvent>;

export const McpToolCallEndEvent = lazySchema(() =>
  z.object({
    call_id: z.string(),
    duration: Duration,
    invocation: McpInvocation,
    result: Result_of_CallToolResult_or_String,
  }),
);
export type McpToolCallEndEvent = z.infer<typeof McpToolCallEndEvent>;

export const WebSearchBeginEvent = lazySchema(() => z.object({ call_id: z.string() }));
export type WebSearchBeginEvent = z.infer<typeof WebSearchBeginEvent>;

export const WebSearchEndEvent = lazySchema(() => z.object({ call_id: z.string(), query: z.string() }));
export type WebSearchEndEvent = z.infer<typeof WebSearchEndEvent>;

/** Notification that the server is about to execute a command. */
export const ExecCommandBeginEvent = lazySchema(() =>
  z.object({
    call_id: z.string(),
    command: z.array(z.string()),
    cwd: z.string(),
    is_user_shell_command: z.boolean().optional(),
    parsed_cmd: z.array(ParsedCommand),
  }),
);
export type ExecCommandBeginEvent = z.infer<typeof ExecCommandBeginEvent>;

/** Incremental chunk of output from a running command. */
export const ExecCommandOutputDeltaEvent = lazySchema(() =>
  z.object({
    call_id: z.string(),
    chunk: z.string(),
    stream: ExecOutputStream,
  }),
);
export type ExecCommandOutputDeltaEvent = z.infer<typeof ExecCommandOutputDeltaEvent>;

export const ExecCommandEndEvent = lazySchema(() =>
  z.object({
    aggregated_output: z.string().optional(),
    call_id: z.string(),
    duration: Duration,
    exit_code: z.number().int(),
    formatted_output: z.string(),
    stderr: z.string(),
    stdout: z.string(),
  }),
);
export type ExecCommandEndEvent = z.infer<typeof ExecCommandEndEvent>;

/** Notification that the agent attached a local image via the view_image tool. */
export const ViewImageToolCallEvent = lazySchema(() => z.object({ call_id: z.string(), path: z.string() }));
export type ViewImageToolCallEvent = z.infer<typeof ViewImageToolCallEvent>;

export const ExecApprovalRequestEvent = lazySchema(() =>
  z.object({
    call_id: z.string(),
    command: z.array(z.string()),
    cwd: z.string(),
    parsed_cmd: z.array(ParsedCommand),
    reason: z.string().nullable().optional(),
    risk: SandboxCommandAssessment.nullable().optional(),
  }),
);
export type ExecApprovalRequestEvent = z.infer<typeof ExecApprovalRequestEvent>;

export const ApplyPatchApprovalRequestEvent = lazySchema(() =>
  z.object({
    call_id: z.string(),
    changes: z.record(z.string(), FileChange),
    grant_root: z.string().nullable().optional(),
    reason: z.string().nullable().optional(),
  }),
);
export type ApplyPatchApprovalRequestEvent = z.infer<typeof ApplyPatchApprovalRequestEvent>;

/** Notification advising the user that something they are using has been deprecated and should be phased out. */
export const DeprecationNoticeEvent = lazySchema(() =>
  z.object({
    details: z.string().nullable().optional(),
    summary: z.string(),
  }),
);
export type DeprecationNoticeEvent = z.infer<typeof DeprecationNoticeEvent>;

export const BackgroundEventEvent = lazySchema(() => z.object({ message: z.string() }));
export type BackgroundEventEvent = z.infer<typeof BackgroundEventEvent>;

export const UndoStartedEvent = lazySchema(() => z.object({ message: z.string().nullable().optional() }));
export type UndoStartedEvent = z.infer<typeof UndoStartedEvent>;

export const UndoCompletedEvent = lazySchema(() =>
  z.object({
    message: z.string().nullable().optional(),
    success: z.boolean(),
  }),
);
export type UndoCompletedEvent = z.infer<typeof UndoCompletedEvent>;

/** Notification that a model stream experienced an error or disconnect and the system is handling it (e.g., retrying with backoff). */
export const StreamErrorEvent = lazySchema(() => z.object({ message: z.string() }));
export type StreamErrorEvent = z.infer<typeof StreamErrorEvent>;

/** Notification that the agent is about to apply a code patch. Mirrors `ExecCommandBegin` so front‑ends can show progress indicators. */
export const PatchApplyBeginEvent = lazySchema(() =>
  z.object({
    auto_approved: z.boolean(),
    call_id: z.string(),
    changes: z.record(z.string(), FileChange),
  }),
);
export type PatchApplyBeginEvent = z.infer<typeof PatchApplyBeginEvent>;

/** Notification that a patch application has finished. */
export const PatchApplyEndEvent = lazySchema(() =>
  z.object({
    call_id: z.string(),
    stderr: z.string(),
    stdout: z.string(),
    success: z.boolean(),
  }),
);
export type PatchApplyEndEvent = z.infer<typeof PatchApplyEndEvent>;

export const TurnDiffEvent = lazySchema(() => z.object({ unified_diff: z.string() }));
export type TurnDiffEvent = z.infer<typeof TurnDiffEvent>;

/** Response to GetHistoryEntryRequest. */
export const GetHistoryEntryResponseEvent = lazySchema(() =>
  z.object({
    entry: HistoryEntry.nullable().optional(),
    log_id: z.number().int().nonnegative(),
    offset: z.number().int().nonnegative(),
  }),
);
export type GetHistoryEntryResponseEvent = z.infer<typeof GetHistoryEntryResponseEvent>;

/** List of MCP tools available to the agent. */
export const McpListToolsResponseEvent = lazySchema(() =>
  z.object({
    auth_statuses: z.record(z.string(), McpAuthStatus),
    resource_templates: z.record(z.string(), z.array(ResourceTemplate)),
    resources: z.record(z.string(), z.array(Resource)),
    tools: z.record(z.string(), Tool),
  }),
);
export type McpListToolsResponseEvent = z.infer<typeof McpListToolsResponseEvent>;

/** List of custom prompts available to the agent. */
export const ListCustomPromptsResponseEvent = lazySchema(() =>
  z.object({ custom_prompts: z.array(CustomPrompt) }),
);
export type ListCustomPromptsResponseEvent = z.infer<typeof ListCustomPromptsResponseEvent>;

export const UpdatePlanArgs = lazySchema(() =>
  z.object({
    explanation: z.string().nullable().optional(),
    plan: z.array(PlanItemArg),
  }),
);
export type UpdatePlanArgs = z.infer<typeof UpdatePlanArgs>;

export const TurnAbortedEvent = lazySchema(() => z.object({ reason: TurnAbortReason }));
export type TurnAbortedEvent = z.infer<typeof TurnAbortedEvent>;

/** Entered review mode. */
export const ReviewRequest = lazySchema(() => z.object({ prompt: z.string(), user_facing_hint: z.string() }));
export type ReviewRequest = z.infer<typeof ReviewRequest>;

/** Exited review mode with an optional final result to apply. */
export const ExitedReviewModeEvent = lazySchema(() =>
  z.object({ review_output: ReviewOutputEvent.nullable().optional() }),
);
export type ExitedReviewModeEvent = z.infer<typeof ExitedReviewModeEvent>;

export const RawResponseItemEvent = lazySchema(() => z.object({ item: v2.ResponseItem }));
export type RawResponseItemEvent = z.infer<typeof RawResponseItemEvent>;

export const ItemStartedEvent = lazySchema(() =>
  z.object({
    item: TurnItem,
    thread_id: v2.ConversationId,
    turn_id: z.string(),
  }),
);
export type ItemStartedEvent = z.infer<typeof ItemStartedEvent>;

export const ItemCompletedEvent = lazySchema(() =>
  z.object({
    item: TurnItem,
    thread_id: v2.ConversationId,
    turn_id: z.string(),
  }),
);
export type ItemCompletedEvent = z.infer<typeof ItemCompletedEvent>;

export const AgentMessageContentDeltaEvent = lazySchema(() =>
  z.object({
    delta: z.string(),
    item_id: z.string(),
    thread_id: z.string(),
    turn_id: z.string(),
  }),
);
export type AgentMessageContentDeltaEvent = z.infer<typeof AgentMessageContentDeltaEvent>;

export const ReasoningContentDeltaEvent = lazySchema(() =>
  z.object({
    delta: z.string(),
    item_id: z.string(),
    thread_id: z.string(),
    turn_id: z.string(),
  }),
);
export type ReasoningContentDeltaEvent = z.infer<typeof ReasoningContentDeltaEvent>;

export const ReasoningRawContentDeltaEvent = lazySchema(() =>
  z.object({
    delta: z.string(),
    item_id: z.string(),
    thread_id: z.string(),
    turn_id: z.string(),
  }),
);
export type ReasoningRawContentDeltaEvent = z.infer<typeof ReasoningRawContentDeltaEvent>;

export const SessionConfiguredNotification = lazySchema(() =>
  z.object({
    historyEntryCount: z.number().int().nonnegative(),
    historyLogId: z.number().int().nonnegative(),
    initialMessages: z.array(EventMsg).nullable().optional(),
    model: z.string(),
    reasoningEffort: ReasoningEffort.nullable().optional(),
    rolloutPath: z.string(),
    sessionId: ConversationId,
  }),
);
export type SessionConfiguredNotification = z.infer<typeof SessionConfiguredNotification>;

export const OptionUnit = lazySchema(() => z.null());
export type OptionUnit = z.infer<typeof OptionUnit>;

export const InitializeResponse = lazySchema(() => z.object({ userAgent: z.string() }));
export type InitializeResponse = z.infer<typeof InitializeResponse>;

export const NewConversationResponse = lazySchema(() =>
  z.object({
    conversationId: ConversationId,
    model: z.string(),
    reasoningEffort: ReasoningEffort.nullable().optional(),
    rolloutPath: z.string(),
  }),
);
export type NewConversationResponse = z.infer<typeof NewConversationResponse>;

export const ConversationGitInfo = lazySchema(() =>
  z.object({
    branch: z.string().nullable().optional(),
    origin_url: z.string().nullable().optional(),
    sha: z.string().nullable().optional(),
  }),
);
export type ConversationGitInfo = z.infer<typeof ConversationGitInfo>;

export const SubAgentSource = lazySchema(() =>
  z.union([z.enum(["review", "compact"]), z.strictObject({ other: z.string() })]),
);
export type SubAgentSource = z.infer<typeof SubAgentSource>;

export const SessionSource = lazySchema(() =>
  z.union([
    z.enum(["cli", "vscode", "exec", "mcp", "unknown"]),
    z.strictObject({ subagent: SubAgentSource }),
  ]),
);
export type SessionSource = z.infer<typeof SessionSource>;

export const ConversationSummary = lazySchema(() =>
  z.object({
    cliVersion: z.string(),
    conversationId: ConversationId,
    cwd: z.string(),
    gitInfo: ConversationGitInfo.nullable().optional(),
    modelProvider: z.string(),
    path: z.string(),
    preview: z.string(),
    source: SessionSource,
    timestamp: z.string().nullable().optional(),
  }),
);
export type ConversationSummary = z.infer<typeof ConversationSummary>;

export const GetConversationSummaryResponse = lazySchema(() => z.object({ summary: ConversationSummary }));
export type GetConversationSummaryResponse = z.infer<typeof GetConversationSummaryResponse>;

export const ListConversationsResponse = lazySchema(() =>
  z.object({
    items: z.array(ConversationSummary),
    nextCursor: z.string().nullable().optional(),
  }),
);
export type ListConversationsResponse = z.infer<typeof ListConversationsResponse>;

export const ResumeConversationResponse = lazySchema(() =>
  z.object({
    conversationId: ConversationId,
    initialMessages: z.array(EventMsg).nullable().optional(),
    model: z.string(),
    rolloutPath: z.string(),
  }),
);
export type ResumeConversationResponse = z.infer<typeof ResumeConversationResponse>;

export const ArchiveConversationResponse = lazySchema(() => z.object({}));
export type ArchiveConversationResponse = z.infer<typeof ArchiveConversationResponse>;

export const SendUserMessageResponse = lazySchema(() => z.object({}));
export type SendUserMessageResponse = z.infer<typeof SendUserMessageResponse>;

export const SendUserTurnResponse = lazySchema(() => z.object({}));
export type SendUserTurnResponse = z.infer<typeof SendUserTurnResponse>;

export const InterruptConversationResponse = lazySchema(() => z.object({ abortReason: TurnAbortReason }));
export type InterruptConversationResponse = z.infer<typeof InterruptConversationResponse>;

export const AddConversationSubscriptionResponse = lazySchema(() => z.object({ subscriptionId: z.string() }));
export type AddConversationSubscriptionResponse = z.infer<typeof AddConversationSubscriptionResponse>;

export const RemoveConversationSubscriptionResponse = lazySchema(() => z.object({}));
export type RemoveConversationSubscriptionResponse = z.infer<typeof RemoveConversationSubscriptionResponse>;

export const GitSha = lazySchema(() => z.string());
export type GitSha = z.infer<typeof GitSha>;

export const GitDiffToRemoteResponse = lazySchema(() => z.object({ diff: z.string(), sha: GitSha }));
export type GitDiffToRemoteResponse = z.infer<typeof GitDiffToRemoteResponse>;

export const LoginApiKeyResponse = lazySchema(() => z.object({}));
export type LoginApiKeyResponse = z.infer<typeof LoginApiKeyResponse>;

export const LoginChatGptResponse = lazySchema(() => z.object({ authUrl: z.string(), loginId: z.string() }));
export type LoginChatGptResponse = z.infer<typeof LoginChatGptResponse>;

export const CancelLoginChatGptResponse = lazySchema(() => z.object({}));
export type CancelLoginChatGptResponse = z.infer<typeof CancelLoginChatGptResponse>;

export const LogoutChatGptResponse = lazySchema(() => z.object({}));
export type LogoutChatGptResponse = z.infer<typeof LogoutChatGptResponse>;

export const GetAuthStatusResponse = lazySchema(() =>
  z.object({
    authMethod: AuthMode.nullable().optional(),
    authToken: z.string().nullable().optional(),
    requiresOpenaiAuth: z.boolean().nullable().optional(),
  }),
);
export type GetAuthStatusResponse = z.infer<typeof GetAuthStatusResponse>;

export const ForcedLoginMethod = lazySchema(() => z.enum(["chatgpt", "api"]));
export type ForcedLoginMethod = z.infer<typeof ForcedLoginMethod>;

/** Controls output length/detail on GPT-5 models via the Responses API. Serialized with lowercase values to match the OpenAI API. */
export const Verbosity = lazySchema(() => z.enum(["low", "medium", "high"]));
export type Verbosity = z.infer<typeof Verbosity>;

export const Profile = lazySchema(() =>
  z.object({
    approvalPolicy: AskForApproval.nullable().optional(),
    chatgptBaseUrl: z.string().nullable().optional(),
    model: z.string().nullable().optional(),
    modelProvider: z.string().nullable().optional(),
    modelReasoningEffort: ReasoningEffort.nullable().optional(),
    modelReasoningSummary: ReasoningSummary.nullable().optional(),
    modelVerbosity: Verbosity.nullable().optional(),
  }),
);
export type Profile = z.infer<typeof Profile>;

export const SandboxSettings = lazySchema(() =>
  z.object({
    excludeSlashTmp: z.boolean().nullable().optional(),
    excludeTmpdirEnvVar: z.boolean().nullable().optional(),
    networkAccess: z.boolean().nullable().optional(),
    writableRoots: z.array(z.string()).optional(),
  }),
);
export type SandboxSettings = z.infer<typeof SandboxSettings>;

export const Tools = lazySchema(() =>
  z.object({
    viewImage: z.boolean().nullable().optional(),
    webSearch: z.boolean().nullable().optional(),
  }),
);
export type Tools = z.infer<typeof Tools>;

export const UserSavedConfig = lazySchema(() =>
  z.object({
    approvalPolicy: AskForApproval.nullable().optional(),
    forcedChatgptWorkspaceId: z.string().nullable().optional(),
    forcedLoginMethod: ForcedLoginMethod.nullable().optional(),
    model: z.string().nullable().optional(),
    modelReasoningEffort: ReasoningEffort.nullable().optional(),
    modelReasoningSummary: ReasoningSummary.nullable().optional(),
    modelVerbosity: Verbosity.nullable().optional(),
    profile: z.string().nullable().optional(),
    profiles: z.record(z.string(), Profile),
    sandboxMode: SandboxMode.nullable().optional(),
    sandboxSettings: SandboxSettings.nullable().optional(),
    tools: Tools.nullable().optional(),
  }),
);
export type UserSavedConfig = z.infer<typeof UserSavedConfig>;

export const GetUserSavedConfigResponse = lazySchema(() => z.object({ config: UserSavedConfig }));
export type GetUserSavedConfigResponse = z.infer<typeof GetUserSavedConfigResponse>;

export const SetDefaultModelResponse = lazySchema(() => z.object({}));
export type SetDefaultModelResponse = z.infer<typeof SetDefaultModelResponse>;

export const GetUserAgentResponse = lazySchema(() => z.object({ userAgent: z.string() }));
export type GetUserAgentResponse = z.infer<typeof GetUserAgentResponse>;

export const UserInfoResponse = lazySchema(() =>
  z.object({ allegedUserEmail: z.string().nullable().optional() }),
);
export type UserInfoResponse = z.infer<typeof UserInfoResponse>;

/** Superset of [`codex_file_search::FileMatch`] */
export const FuzzyFileSearchResult = lazySchema(() =>
  z.object({
    file_name: z.string(),
    indices: z.array(z.number().int().nonnegative()).nullable().optional(),
    path: z.string(),
    root: z.string(),
    score: z.number().int().nonnegative(),
  }),
);
export type FuzzyFileSearchResult = z.infer<typeof FuzzyFileSearchResult>;

export const FuzzyFileSearchResponse = lazySchema(() => z.object({ files: z.array(FuzzyFileSearchResult) }));
export type FuzzyFileSearchResponse = z.infer<typeof FuzzyFileSearchResponse>;

export const ExecOneOffCommandResponse = lazySchema(() =>
  z.object({
    exitCode: z.number().int(),
    stderr: z.string(),
    stdout: z.string(),
  }),
);
export type ExecOneOffCommandResponse = z.infer<typeof ExecOneOffCommandResponse>;

/** User's decision in response to an ExecApprovalRequest. */
export const ReviewDecision = lazySchema(() =>
  z.union([z.enum(["approved"]), z.enum(["approved_for_session"]), z.enum(["denied"]), z.enum(["abort"])]),
);
export type ReviewDecision = z.infer<typeof ReviewDecision>;

export const ApplyPatchApprovalResponse = lazySchema(() => z.object({ decision: ReviewDecision }));
export type ApplyPatchApprovalResponse = z.infer<typeof ApplyPatchApprovalResponse>;

export const ExecCommandApprovalResponse = lazySchema(() => z.object({ decision: ReviewDecision }));
export type ExecCommandApprovalResponse = z.infer<typeof ExecCommandApprovalResponse>;
