import type { ModelPreset } from "./model-list.js";

/** The built-in model presets Codex 0.58.0 returns from `model/list`, in its order (queried from the binary). */
export const MODEL_PRESETS: readonly ModelPreset[] = [
  {
    id: "gpt-5.1-codex",
    model: "gpt-5.1-codex",
    displayName: "gpt-5.1-codex",
    description: "Optimized for codex.",
    supportedReasoningEfforts: [
      {
        reasoningEffort: "low",
        description: "Fastest responses with limited reasoning",
      },
      {
        reasoningEffort: "medium",
        description: "Dynamically adjusts reasoning based on the task",
      },
      {
        reasoningEffort: "high",
        description: "Maximizes reasoning depth for complex or ambiguous problems",
      },
    ],
    defaultReasoningEffort: "medium",
    isDefault: true,
  },
  {
    id: "gpt-5.1-codex-mini",
    model: "gpt-5.1-codex-mini",
    displayName: "gpt-5.1-codex-mini",
    description: "Optimized for codex. Cheaper, faster, but less capable.",
    supportedReasoningEfforts: [
      {
        reasoningEffort: "medium",
        description: "Dynamically adjusts reasoning based on the task",
      },
      {
        reasoningEffort: "high",
        description: "Maximizes reasoning depth for complex or ambiguous problems",
      },
    ],
    defaultReasoningEffort: "medium",
    isDefault: false,
  },
  {
    id: "gpt-5.1",
    model: "gpt-5.1",
    displayName: "gpt-5.1",
    description: "Broad world knowledge with strong general reasoning.",
    supportedReasoningEfforts: [
      {
        reasoningEffort: "low",
        description:
          "Balances speed with some reasoning; useful for straightforward queries and short explanations",
      },
      {
        reasoningEffort: "medium",
        description: "Provides a solid balance of reasoning depth and latency for general-purpose tasks",
      },
      {
        reasoningEffort: "high",
        description: "Maximizes reasoning depth for complex or ambiguous problems",
      },
    ],
    defaultReasoningEffort: "medium",
    isDefault: false,
  },
];
