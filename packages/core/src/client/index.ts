export { chatBody, chatMessages, chatTools } from "./chat-request.js";
export { chatStreamEvents } from "./chat-stream.js";
export { type AuthSource, ModelClient, type ModelClientOptions } from "./model-client.js";
export { autoCompactTokenLimit, modelContextWindow } from "./model-info.js";
export { formatInputForModel, offersFreeformApplyPatch } from "./model-input.js";
export {
  DEFAULT_OSS_MODEL,
  ensureOssReady,
  OSS_PROVIDER_ID,
  OssSetupError,
  ollamaHostRoot,
  type PullEvent,
  pullEvents,
} from "./ollama.js";
export { outputSchemaTextFormat } from "./output-schema.js";
export { type RateLimitSnapshot, type RateLimitWindow, rateLimitsFromHeaders } from "./rate-limits.js";
export { normalizeResponseItem } from "./response-item.js";
export { responsesBody } from "./responses.js";
export {
  ModelError,
  type ModelEvent,
  type Prompt,
  type ResponseItemJson,
  type TokenUsage,
  type ToolSpec,
} from "./types.js";
