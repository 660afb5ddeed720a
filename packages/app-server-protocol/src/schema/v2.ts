// Wire types of codex 0.58.0 (v2 namespace, camelCase). Bootstrapped by scripts/zod-from-json-schema.py from the reference
// bundle; field names, casing and optionality are the wire contract.
import { z } from "zod";
import { lazySchema } from "./lazy-schema.js";
import { u32, uuidString } from "./serde-types.js";

export const AskForApproval = lazySchema(() => z.enum(["unlessTrusted", "onFailure", "onRequest", "never"]));
export type AskForApproval = z.infer<typeof AskForApproval>;

export const SandboxMode = lazySchema(() => z.enum(["readOnly", "workspaceWrite", "dangerFullAccess"]));
export type SandboxMode = z.infer<typeof SandboxMode>;

export const ThreadStartParams = lazySchema(() =>
  z.object({
    approvalPolicy: AskForApproval.nullable().optional(),
    baseInstructions: z.string().nullable().optional(),
    config: z.record(z.string(), z.unknown()).nullable().optional(),
    cwd: z.string().nullable().optional(),
    developerInstructions: z.string().nullable().optional(),
    model: z.string().nullable().optional(),
    modelProvider: z.string().nullable().optional(),
    sandbox: SandboxMode.nullable().optional(),
  }),
);
export type ThreadStartParams = z.infer<typeof ThreadStartParams>;

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

/** There are three ways to resume a thread: 1. By thread_id: load the thread from disk by thread_id and resume it. 2. By history: instantiate the thread from memory and resume it. 3. By path: load the thread from disk by path and resume it.
 *
 * The precedence is: history > path > thread_id. If using history or path, the thread_id param will be ignored.
 *
 * Prefer using thread_id whenever possible. */
export const ThreadResumeParams = lazySchema(() =>
  z.object({
    approvalPolicy: AskForApproval.nullable().optional(),
    baseInstructions: z.string().nullable().optional(),
    config: z.record(z.string(), z.unknown()).nullable().optional(),
    cwd: z.string().nullable().optional(),
    developerInstructions: z.string().nullable().optional(),
    history: z.array(ResponseItem).nullable().optional(),
    model: z.string().nullable().optional(),
    modelProvider: z.string().nullable().optional(),
    path: z.string().nullable().optional(),
    sandbox: SandboxMode.nullable().optional(),
    threadId: z.string(),
  }),
);
export type ThreadResumeParams = z.infer<typeof ThreadResumeParams>;

export const ThreadArchiveParams = lazySchema(() => z.object({ threadId: z.string() }));
export type ThreadArchiveParams = z.infer<typeof ThreadArchiveParams>;

export const ThreadListParams = lazySchema(() =>
  z.object({
    cursor: z.string().nullable().optional(),
    limit: u32().nullable().optional(),
    modelProviders: z.array(z.string()).nullable().optional(),
  }),
);
export type ThreadListParams = z.infer<typeof ThreadListParams>;

export const ThreadCompactParams = lazySchema(() => z.object({ threadId: z.string() }));
export type ThreadCompactParams = z.infer<typeof ThreadCompactParams>;

/** See https://platform.openai.com/docs/guides/reasoning?api-mode=responses#get-started-with-reasoning */
export const ReasoningEffort = lazySchema(() => z.enum(["none", "minimal", "low", "medium", "high"]));
export type ReasoningEffort = z.infer<typeof ReasoningEffort>;

/** A summary of the reasoning performed by the model. This can be useful for debugging and understanding the model's reasoning process. See https://platform.openai.com/docs/guides/reasoning?api-mode=responses#reasoning-summaries */
export const ReasoningSummary = lazySchema(() =>
  z.union([z.enum(["auto", "concise", "detailed"]), z.enum(["none"])]),
);
export type ReasoningSummary = z.infer<typeof ReasoningSummary>;

export const UserInput = lazySchema(() =>
  z.union([
    z.object({ text: z.string(), type: z.enum(["text"]) }),
    z.object({ type: z.enum(["image"]), url: z.string() }),
    z.object({ path: z.string(), type: z.enum(["localImage"]) }),
  ]),
);
export type UserInput = z.infer<typeof UserInput>;

export const SandboxPolicy = lazySchema(() =>
  z.union([
    z.object({ mode: z.enum(["dangerFullAccess"]) }),
    z.object({ mode: z.enum(["readOnly"]) }),
    z.object({
      mode: z.enum(["workspaceWrite"]),
      writable_roots: z.array(z.string()),
      network_access: z.boolean(),
      exclude_tmpdir_env_var: z.boolean(),
      exclude_slash_tmp: z.boolean(),
    }),
  ]),
);
export type SandboxPolicy = z.infer<typeof SandboxPolicy>;

export const TurnStartParams = lazySchema(() =>
  z.object({
    approvalPolicy: AskForApproval.nullable().optional(),
    cwd: z.string().nullable().optional(),
    effort: ReasoningEffort.nullable().optional(),
    input: z.array(UserInput),
    model: z.string().nullable().optional(),
    sandboxPolicy: SandboxPolicy.nullable().optional(),
    summary: ReasoningSummary.nullable().optional(),
    threadId: z.string(),
  }),
);
export type TurnStartParams = z.infer<typeof TurnStartParams>;

export const TurnInterruptParams = lazySchema(() => z.object({ threadId: z.string(), turnId: z.string() }));
export type TurnInterruptParams = z.infer<typeof TurnInterruptParams>;

export const ModelListParams = lazySchema(() =>
  z.object({
    cursor: z.string().nullable().optional(),
    limit: u32().nullable().optional(),
  }),
);
export type ModelListParams = z.infer<typeof ModelListParams>;

export const LoginAccountParams = lazySchema(() =>
  z.union([
    z.object({ apiKey: z.string(), type: z.enum(["apiKey"]) }),
    z.object({ type: z.enum(["chatgpt"]) }),
  ]),
);
export type LoginAccountParams = z.infer<typeof LoginAccountParams>;

export const CancelLoginAccountParams = lazySchema(() => z.object({ loginId: z.string() }));
export type CancelLoginAccountParams = z.infer<typeof CancelLoginAccountParams>;

/** A UUID (Codex's `ConversationId`); decoding canonicalises it. */
export const ConversationId = lazySchema(() => uuidString());
export type ConversationId = z.infer<typeof ConversationId>;

export const FeedbackUploadParams = lazySchema(() =>
  z.object({
    classification: z.string(),
    conversationId: ConversationId.nullable().optional(),
    includeLogs: z.boolean(),
    reason: z.string().nullable().optional(),
  }),
);
export type FeedbackUploadParams = z.infer<typeof FeedbackUploadParams>;

export const GetAccountParams = lazySchema(() => z.object({ refreshToken: z.boolean().optional() }));
export type GetAccountParams = z.infer<typeof GetAccountParams>;

export const Thread = lazySchema(() =>
  z.object({
    createdAt: z.number().int(),
    id: z.string(),
    modelProvider: z.string(),
    path: z.string(),
    preview: z.string(),
  }),
);
export type Thread = z.infer<typeof Thread>;

export const ThreadStartResponse = lazySchema(() => z.object({ thread: Thread }));
export type ThreadStartResponse = z.infer<typeof ThreadStartResponse>;

export const ThreadResumeResponse = lazySchema(() => z.object({ thread: Thread }));
export type ThreadResumeResponse = z.infer<typeof ThreadResumeResponse>;

export const ThreadArchiveResponse = lazySchema(() => z.object({}));
export type ThreadArchiveResponse = z.infer<typeof ThreadArchiveResponse>;

export const ThreadListResponse = lazySchema(() =>
  z.object({
    data: z.array(Thread),
    nextCursor: z.string().nullable().optional(),
  }),
);
export type ThreadListResponse = z.infer<typeof ThreadListResponse>;

export const ThreadCompactResponse = lazySchema(() => z.object({}));
export type ThreadCompactResponse = z.infer<typeof ThreadCompactResponse>;

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

export const CommandExecutionStatus = lazySchema(() => z.enum(["inProgress", "completed", "failed"]));
export type CommandExecutionStatus = z.infer<typeof CommandExecutionStatus>;

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

export const PatchChangeKind = lazySchema(() => z.enum(["add", "delete", "update"]));
export type PatchChangeKind = z.infer<typeof PatchChangeKind>;

export const FileUpdateChange = lazySchema(() =>
  z.object({ diff: z.string(), kind: PatchChangeKind, path: z.string() }),
);
export type FileUpdateChange = z.infer<typeof FileUpdateChange>;

export const McpToolCallError = lazySchema(() => z.object({ message: z.string() }));
export type McpToolCallError = z.infer<typeof McpToolCallError>;

export const McpToolCallResult = lazySchema(() =>
  z.object({ content: z.array(ContentBlock), structuredContent: z.unknown() }),
);
export type McpToolCallResult = z.infer<typeof McpToolCallResult>;

export const McpToolCallStatus = lazySchema(() => z.enum(["inProgress", "completed", "failed"]));
export type McpToolCallStatus = z.infer<typeof McpToolCallStatus>;

export const PatchApplyStatus = lazySchema(() => z.enum(["completed", "failed"]));
export type PatchApplyStatus = z.infer<typeof PatchApplyStatus>;

export const TodoItem = lazySchema(() =>
  z.object({ completed: z.boolean(), id: z.string(), text: z.string() }),
);
export type TodoItem = z.infer<typeof TodoItem>;

export const ThreadItem = lazySchema(() =>
  z.union([
    z.object({ content: z.array(UserInput), id: z.string(), type: z.enum(["userMessage"]) }),
    z.object({ id: z.string(), text: z.string(), type: z.enum(["agentMessage"]) }),
    z.object({ id: z.string(), text: z.string(), type: z.enum(["reasoning"]) }),
    z.object({
      aggregated_output: z.string(),
      command: z.string(),
      duration_ms: z.number().int().nullable().optional(),
      exit_code: z.number().int().nullable().optional(),
      id: z.string(),
      status: CommandExecutionStatus,
      type: z.enum(["commandExecution"]),
    }),
    z.object({
      changes: z.array(FileUpdateChange),
      id: z.string(),
      status: PatchApplyStatus,
      type: z.enum(["fileChange"]),
    }),
    z.object({
      arguments: z.unknown(),
      error: McpToolCallError.nullable().optional(),
      id: z.string(),
      result: McpToolCallResult.nullable().optional(),
      server: z.string(),
      status: McpToolCallStatus,
      tool: z.string(),
      type: z.enum(["mcpToolCall"]),
    }),
    z.object({ id: z.string(), query: z.string(), type: z.enum(["webSearch"]) }),
    z.object({ id: z.string(), items: z.array(TodoItem), type: z.enum(["todoList"]) }),
    z.object({ id: z.string(), path: z.string(), type: z.enum(["imageView"]) }),
    z.object({ id: z.string(), review: z.string(), type: z.enum(["codeReview"]) }),
  ]),
);
export type ThreadItem = z.infer<typeof ThreadItem>;

export const TurnError = lazySchema(() => z.object({ message: z.string() }));
export type TurnError = z.infer<typeof TurnError>;

export const TurnStatus = lazySchema(() => z.enum(["completed", "interrupted", "failed", "inProgress"]));
export type TurnStatus = z.infer<typeof TurnStatus>;

export const Turn = lazySchema(() =>
  z.object({
    error: TurnError.nullable().optional(),
    id: z.string(),
    items: z.array(ThreadItem),
    status: TurnStatus,
  }),
);
export type Turn = z.infer<typeof Turn>;

export const TurnStartResponse = lazySchema(() => z.object({ turn: Turn }));
export type TurnStartResponse = z.infer<typeof TurnStartResponse>;

export const TurnInterruptResponse = lazySchema(() => z.object({}));
export type TurnInterruptResponse = z.infer<typeof TurnInterruptResponse>;

export const ReasoningEffortOption = lazySchema(() =>
  z.object({ description: z.string(), reasoningEffort: ReasoningEffort }),
);
export type ReasoningEffortOption = z.infer<typeof ReasoningEffortOption>;

export const Model = lazySchema(() =>
  z.object({
    defaultReasoningEffort: ReasoningEffort,
    description: z.string(),
    displayName: z.string(),
    id: z.string(),
    isDefault: z.boolean(),
    model: z.string(),
    supportedReasoningEfforts: z.array(ReasoningEffortOption),
  }),
);
export type Model = z.infer<typeof Model>;

export const ModelListResponse = lazySchema(() =>
  z.object({
    data: z.array(Model),
    nextCursor: z.string().nullable().optional(),
  }),
);
export type ModelListResponse = z.infer<typeof ModelListResponse>;

export const LoginAccountResponse = lazySchema(() =>
  z.union([
    z.object({ type: z.enum(["apiKey"]) }),
    z.object({ authUrl: z.string(), loginId: z.string(), type: z.enum(["chatgpt"]) }),
  ]),
);
export type LoginAccountResponse = z.infer<typeof LoginAccountResponse>;

export const CancelLoginAccountResponse = lazySchema(() => z.object({}));
export type CancelLoginAccountResponse = z.infer<typeof CancelLoginAccountResponse>;

export const LogoutAccountResponse = lazySchema(() => z.object({}));
export type LogoutAccountResponse = z.infer<typeof LogoutAccountResponse>;

export const RateLimitWindow = lazySchema(() =>
  z.object({
    resetsAt: z.number().int().nullable().optional(),
    usedPercent: z.number().int(),
    windowDurationMins: z.number().int().nullable().optional(),
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

export const GetAccountRateLimitsResponse = lazySchema(() => z.object({ rateLimits: RateLimitSnapshot }));
export type GetAccountRateLimitsResponse = z.infer<typeof GetAccountRateLimitsResponse>;

export const FeedbackUploadResponse = lazySchema(() => z.object({ threadId: z.string() }));
export type FeedbackUploadResponse = z.infer<typeof FeedbackUploadResponse>;

export const PlanType = lazySchema(() =>
  z.enum(["free", "plus", "pro", "team", "business", "enterprise", "edu", "unknown"]),
);
export type PlanType = z.infer<typeof PlanType>;

export const Account = lazySchema(() =>
  z.union([
    z.object({ type: z.enum(["apiKey"]) }),
    z.object({ email: z.string(), planType: PlanType, type: z.enum(["chatgpt"]) }),
  ]),
);
export type Account = z.infer<typeof Account>;

export const GetAccountResponse = lazySchema(() =>
  z.object({
    account: Account.nullable().optional(),
    requiresOpenaiAuth: z.boolean(),
  }),
);
export type GetAccountResponse = z.infer<typeof GetAccountResponse>;

export const ThreadStartedNotification = lazySchema(() => z.object({ thread: Thread }));
export type ThreadStartedNotification = z.infer<typeof ThreadStartedNotification>;

export const TurnStartedNotification = lazySchema(() => z.object({ turn: Turn }));
export type TurnStartedNotification = z.infer<typeof TurnStartedNotification>;

export const Usage = lazySchema(() =>
  z.object({
    cachedInputTokens: z.number().int(),
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
  }),
);
export type Usage = z.infer<typeof Usage>;

export const TurnCompletedNotification = lazySchema(() => z.object({ turn: Turn, usage: Usage }));
export type TurnCompletedNotification = z.infer<typeof TurnCompletedNotification>;

export const ItemStartedNotification = lazySchema(() => z.object({ item: ThreadItem }));
export type ItemStartedNotification = z.infer<typeof ItemStartedNotification>;

export const ItemCompletedNotification = lazySchema(() => z.object({ item: ThreadItem }));
export type ItemCompletedNotification = z.infer<typeof ItemCompletedNotification>;

export const AgentMessageDeltaNotification = lazySchema(() =>
  z.object({ delta: z.string(), itemId: z.string() }),
);
export type AgentMessageDeltaNotification = z.infer<typeof AgentMessageDeltaNotification>;

export const CommandExecutionOutputDeltaNotification = lazySchema(() =>
  z.object({ delta: z.string(), itemId: z.string() }),
);
export type CommandExecutionOutputDeltaNotification = z.infer<typeof CommandExecutionOutputDeltaNotification>;

export const McpToolCallProgressNotification = lazySchema(() =>
  z.object({ itemId: z.string(), message: z.string() }),
);
export type McpToolCallProgressNotification = z.infer<typeof McpToolCallProgressNotification>;

export const AuthMode = lazySchema(() => z.enum(["apikey", "chatgpt"]));
export type AuthMode = z.infer<typeof AuthMode>;

export const AccountUpdatedNotification = lazySchema(() =>
  z.object({ authMode: AuthMode.nullable().optional() }),
);
export type AccountUpdatedNotification = z.infer<typeof AccountUpdatedNotification>;

export const AccountRateLimitsUpdatedNotification = lazySchema(() =>
  z.object({ rateLimits: RateLimitSnapshot }),
);
export type AccountRateLimitsUpdatedNotification = z.infer<typeof AccountRateLimitsUpdatedNotification>;

export const AccountLoginCompletedNotification = lazySchema(() =>
  z.object({
    error: z.string().nullable().optional(),
    loginId: z.string().nullable().optional(),
    success: z.boolean(),
  }),
);
export type AccountLoginCompletedNotification = z.infer<typeof AccountLoginCompletedNotification>;

/** Every named v2 definition, in the reference bundle's order. */
export const v2Definitions = {
  AskForApproval: AskForApproval,
  SandboxMode: SandboxMode,
  ThreadStartParams: ThreadStartParams,
  ContentItem: ContentItem,
  FunctionCallOutputContentItem: FunctionCallOutputContentItem,
  FunctionCallOutputPayload: FunctionCallOutputPayload,
  GhostCommit: GhostCommit,
  LocalShellAction: LocalShellAction,
  LocalShellStatus: LocalShellStatus,
  ReasoningItemContent: ReasoningItemContent,
  ReasoningItemReasoningSummary: ReasoningItemReasoningSummary,
  ResponseItem: ResponseItem,
  WebSearchAction: WebSearchAction,
  ThreadResumeParams: ThreadResumeParams,
  ThreadArchiveParams: ThreadArchiveParams,
  ThreadListParams: ThreadListParams,
  ThreadCompactParams: ThreadCompactParams,
  ReasoningEffort: ReasoningEffort,
  ReasoningSummary: ReasoningSummary,
  UserInput: UserInput,
  TurnStartParams: TurnStartParams,
  TurnInterruptParams: TurnInterruptParams,
  ModelListParams: ModelListParams,
  LoginAccountParams: LoginAccountParams,
  CancelLoginAccountParams: CancelLoginAccountParams,
  ConversationId: ConversationId,
  FeedbackUploadParams: FeedbackUploadParams,
  GetAccountParams: GetAccountParams,
  Thread: Thread,
  ThreadStartResponse: ThreadStartResponse,
  ThreadResumeResponse: ThreadResumeResponse,
  ThreadArchiveResponse: ThreadArchiveResponse,
  ThreadListResponse: ThreadListResponse,
  ThreadCompactResponse: ThreadCompactResponse,
  Annotations: Annotations,
  AudioContent: AudioContent,
  BlobResourceContents: BlobResourceContents,
  CommandExecutionStatus: CommandExecutionStatus,
  ContentBlock: ContentBlock,
  EmbeddedResource: EmbeddedResource,
  EmbeddedResourceResource: EmbeddedResourceResource,
  FileUpdateChange: FileUpdateChange,
  ImageContent: ImageContent,
  McpToolCallError: McpToolCallError,
  McpToolCallResult: McpToolCallResult,
  McpToolCallStatus: McpToolCallStatus,
  PatchApplyStatus: PatchApplyStatus,
  PatchChangeKind: PatchChangeKind,
  ResourceLink: ResourceLink,
  Role: Role,
  TextContent: TextContent,
  TextResourceContents: TextResourceContents,
  ThreadItem: ThreadItem,
  TodoItem: TodoItem,
  Turn: Turn,
  TurnError: TurnError,
  TurnStatus: TurnStatus,
  TurnStartResponse: TurnStartResponse,
  TurnInterruptResponse: TurnInterruptResponse,
  Model: Model,
  ReasoningEffortOption: ReasoningEffortOption,
  ModelListResponse: ModelListResponse,
  LoginAccountResponse: LoginAccountResponse,
  CancelLoginAccountResponse: CancelLoginAccountResponse,
  LogoutAccountResponse: LogoutAccountResponse,
  RateLimitSnapshot: RateLimitSnapshot,
  RateLimitWindow: RateLimitWindow,
  GetAccountRateLimitsResponse: GetAccountRateLimitsResponse,
  FeedbackUploadResponse: FeedbackUploadResponse,
  Account: Account,
  PlanType: PlanType,
  GetAccountResponse: GetAccountResponse,
  ThreadStartedNotification: ThreadStartedNotification,
  TurnStartedNotification: TurnStartedNotification,
  Usage: Usage,
  TurnCompletedNotification: TurnCompletedNotification,
  ItemStartedNotification: ItemStartedNotification,
  ItemCompletedNotification: ItemCompletedNotification,
  AgentMessageDeltaNotification: AgentMessageDeltaNotification,
  CommandExecutionOutputDeltaNotification: CommandExecutionOutputDeltaNotification,
  McpToolCallProgressNotification: McpToolCallProgressNotification,
  AuthMode: AuthMode,
  AccountUpdatedNotification: AccountUpdatedNotification,
  AccountRateLimitsUpdatedNotification: AccountRateLimitsUpdatedNotification,
  AccountLoginCompletedNotification: AccountLoginCompletedNotification,
  SandboxPolicy: SandboxPolicy,
} as const;
