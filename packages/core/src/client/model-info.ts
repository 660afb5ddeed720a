import type { Config } from "@codex-ts/config-loader";

/**
 * What Codex knows about a model family without asking the provider: the raw context window. Only the
 * families whose numbers were observed from the 0.58.0 and 0.166.0 binaries (task_started's window and where auto-compaction
 * starts) are listed; other models get no defaults, as there.
 */
const CONTEXT_WINDOWS: [prefix: string, tokens: number][] = [
  // 0.166.0's catalogue models (their `thread/tokenUsage/updated` window with the same 5% headroom).
  ["gpt-6.1-terra", 500_000],
  ["gpt-daybreak-red-latest", 372_000],
  ["gpt-6", 272_000],
  ["gpt-daybreak-blue-latest", 272_000],
  ["codex-auto-review", 272_000],
  ["gpt-5", 272_000],
  ["gpt-4.1", 1_047_576],
  ["gpt-4o", 128_000],
  ["o3", 200_000],
  ["codex-mini-latest", 200_000],
];

/** Slugs known only by their exact name: 0.58.0 gives Ollama-style `gpt-oss:20b` or `gpt-oss-x` no window. */
const EXACT_CONTEXT_WINDOWS = new Map([
  ["gpt-oss-20b", 96_000],
  ["gpt-oss-120b", 96_000],
]);

function rawContextWindow(model: string): number | null {
  return (
    EXACT_CONTEXT_WINDOWS.get(model) ??
    CONTEXT_WINDOWS.find(([prefix]) => model.startsWith(prefix))?.[1] ??
    null
  );
}

/**
 * The context window reported in `task_started` / `token_count`: `model_context_window` from config, else 95% of
 * the family's window (Codex keeps 5% headroom: 258400 for gpt-5-codex, 190000 for o3).
 */
export function modelContextWindow(config: Pick<Config, "model" | "modelContextWindow">): number | null {
  if (config.modelContextWindow !== undefined) return config.modelContextWindow;
  const raw = rawContextWindow(config.model);
  return raw === null ? null : Math.floor((raw * 95) / 100);
}

/**
 * The token count at which a turn compacts its history: `model_auto_compact_token_limit` from config, else 90% of
 * the family's raw window (244800 for gpt-5-codex, 180000 for o3); null (never) for unknown models.
 */
export function autoCompactTokenLimit(
  config: Pick<Config, "model" | "modelAutoCompactTokenLimit">,
): number | null {
  if (config.modelAutoCompactTokenLimit !== undefined) return config.modelAutoCompactTokenLimit;
  const raw = rawContextWindow(config.model);
  return raw === null ? null : Math.floor((raw * 9) / 10);
}
