import { MODEL_CATALOG_0166 } from "../handlers/settings-0166/model-catalog.js";

/**
 * The models 0.166.0's refusal names: the first five its picker shows (observed: `gpt-6.1-sol, gpt-6-astra, gpt-6-sol,
 * gpt-6-luna, gpt-5.6-sol`, though the picker shows more).
 */
const NAMED = MODEL_CATALOG_0166.filter((m) => !m.hidden)
  .slice(0, 5)
  .map((m) => m.id);

/**
 * Why 0.166.0 refuses a `spawn_agent` (before it has an item), in its words: a model (asked for, or
 * `default_subagent_model`) outside its catalogue, or an effort the agent's model (that one, else the parent's) does
 * not list — a model outside the catalogue lists none, so any effort asked of it is refused. Null: it may spawn.
 */
export function refuseSpawn0166(
  agentModel: string | null,
  askedModel: string | null,
  effort: string | null,
): string | null {
  if (askedModel !== null && !MODEL_CATALOG_0166.some((m) => m.id === askedModel))
    return `Unknown model \`${askedModel}\` for spawn_agent. Available models: ${NAMED.join(", ")}`;
  if (effort === null) return null;
  const efforts =
    MODEL_CATALOG_0166.find((m) => m.id === agentModel)?.supportedReasoningEfforts.map(
      (e) => e.reasoningEffort,
    ) ?? [];
  if (efforts.includes(effort as (typeof efforts)[number])) return null;
  return `Reasoning effort \`${effort}\` is not supported for model \`${agentModel ?? ""}\`. Supported reasoning efforts: ${efforts.join(", ")}`;
}
