import type { gen0166 } from "@codex-ts/app-server-protocol";

type Model = gen0166.Model;
type Effort = gen0166.ReasoningEffort;

/** The reasoning-effort descriptions 0.166.0's catalogue uses (the same text for every model). */
const EFFORT_TEXT: Partial<Record<Effort, string>> = {
  low: "Fast responses with lighter reasoning",
  medium: "Balances speed and reasoning depth for everyday tasks",
  high: "Greater reasoning depth for complex problems",
  xhigh: "Extra high reasoning depth for complex problems",
  max: "Maximum reasoning depth for the hardest problems",
  ultra: "Maximum reasoning with automatic task delegation",
};
const UP_TO_XHIGH: Effort[] = ["low", "medium", "high", "xhigh"];
const UP_TO_MAX: Effort[] = [...UP_TO_XHIGH, "max"];
const UP_TO_ULTRA: Effort[] = [...UP_TO_MAX, "ultra"];

/** The "Fast" priority tier, with the speed text the catalogue gives it for this model. */
const fastTier = (description: string) => ({
  additionalSpeedTiers: ["fast"],
  serviceTiers: [{ id: "priority", name: "Fast", description }],
});

const upgradeTo = (model: string, migrationMarkdown: string) => ({
  upgrade: model,
  upgradeInfo: { model, upgradeCopy: null, modelLink: null, migrationMarkdown, retirementAt: null },
});
const TO_SOL = upgradeTo(
  "gpt-6-sol",
  "Meet GPT-6 Sol\n\nOur latest Sol is more intelligent and more efficient so your usage limits go further. This model is a great daily driver for complex tasks, especially coding.\n",
);
const TO_LUNA = upgradeTo(
  "gpt-6-luna",
  "Meet GPT-6 Luna\n\nOur latest Luna is significantly more efficient, so your usage limits go even further. Reach for it for any job that doesn't require frontier intelligence.\n",
);

interface Entry {
  id: string;
  displayName: string;
  description: string;
  efforts: Effort[];
  defaultEffort: Effort;
  multiAgentVersion: gen0166.MultiAgentVersion | null;
  tiers: { additionalSpeedTiers: string[]; serviceTiers: gen0166.ModelServiceTier[] };
  defaultServiceTier?: string;
  upgrade?: { upgrade: string; upgradeInfo: gen0166.ModelUpgradeInfo };
  availabilityNux?: string;
  modelSpecialty?: string;
  hidden?: boolean;
}

/** One catalogue entry in 0.166.0's wire shape and key order. */
function model(e: Entry, isDefault: boolean): Model {
  return {
    id: e.id,
    model: e.id,
    upgrade: e.upgrade?.upgrade ?? null,
    upgradeInfo: e.upgrade?.upgradeInfo ?? null,
    availabilityNux: e.availabilityNux ? { message: e.availabilityNux } : null,
    displayName: e.displayName,
    description: e.description,
    modelSpecialty: e.modelSpecialty ?? null,
    hidden: e.hidden ?? false,
    supportedReasoningEfforts: e.efforts.map((effort) => ({
      reasoningEffort: effort,
      description: EFFORT_TEXT[effort] ?? effort,
    })),
    defaultReasoningEffort: e.defaultEffort,
    inputModalities: ["text", "image"],
    supportsPersonality: false,
    multiAgentVersion: e.multiAgentVersion,
    ...e.tiers,
    defaultServiceTier: e.defaultServiceTier ?? null,
    availableAccessPrograms: null,
    isDefault,
  };
}

/**
 * The model catalogue codex 0.166.0 serves from `model/list` when it has no remote catalogue to fetch (any provider
 * but ChatGPT-authenticated OpenAI, which is every provider this server talks to), in its order: the first entry
 * is the default. Read from the binary (`model/list {includeHidden: true}`); the picker hides the `hidden` ones.
 */
export const MODEL_CATALOG_0166: readonly Model[] = (
  [
    {
      id: "gpt-6.1-sol",
      displayName: "GPT-6.1-Sol",
      description: "Latest workhorse model for coding and everyday work.",
      availabilityNux:
        "Maximize usage with GPT-6.1 Sol. Try it on complex work for near-Astra performance at a lower cost.",
      efforts: UP_TO_ULTRA,
      defaultEffort: "low",
      multiAgentVersion: "v2",
      tiers: fastTier("2x speed, increased usage"),
    },
    {
      id: "gpt-6-astra",
      displayName: "GPT-6-Astra",
      description: "Frontier intelligence for the most demanding work.",
      efforts: UP_TO_ULTRA,
      defaultEffort: "low",
      multiAgentVersion: "v2",
      tiers: fastTier("2x speed, increased usage"),
    },
    {
      id: "gpt-6-sol",
      displayName: "GPT-6-Sol",
      description: "Previous generation workhorse model.",
      efforts: UP_TO_ULTRA,
      defaultEffort: "medium",
      multiAgentVersion: "v2",
      tiers: fastTier("1.5x speed"),
      defaultServiceTier: "priority",
    },
    {
      id: "gpt-6-luna",
      displayName: "GPT-6-Luna",
      description: "Fast and affordable model for easier tasks.",
      efforts: UP_TO_MAX,
      defaultEffort: "medium",
      multiAgentVersion: "v2",
      tiers: fastTier("1.5x speed"),
      defaultServiceTier: "priority",
    },
    {
      id: "gpt-5.6-sol",
      displayName: "GPT-5.6-Sol",
      description: "Older generation workhorse model.",
      upgrade: TO_SOL,
      efforts: UP_TO_ULTRA,
      defaultEffort: "low",
      multiAgentVersion: "v2",
      tiers: fastTier("1.5x speed, increased usage"),
    },
    {
      id: "gpt-6.1-terra",
      displayName: "GPT-6.1 Terra",
      description: "GPT-6.1 Terra Codex model.",
      efforts: UP_TO_ULTRA,
      defaultEffort: "low",
      multiAgentVersion: "v2",
      tiers: fastTier("1.5x speed"),
    },
    {
      id: "gpt-5.6-terra",
      displayName: "GPT-5.6-Terra",
      description: "Older balanced model for straightforward work.",
      upgrade: TO_SOL,
      efforts: UP_TO_ULTRA,
      defaultEffort: "medium",
      multiAgentVersion: "v2",
      tiers: fastTier("1.5x speed, increased usage"),
    },
    {
      id: "gpt-5.6-luna",
      displayName: "GPT-5.6-Luna",
      description: "Older fast and efficient model.",
      upgrade: TO_LUNA,
      efforts: UP_TO_MAX,
      defaultEffort: "medium",
      multiAgentVersion: "v1",
      tiers: fastTier("1.5x speed, increased usage"),
    },
    {
      id: "gpt-daybreak-blue-latest",
      displayName: "Daybreak Blue",
      description: "Latest frontier agentic coding model for broad defensive cybersecurity work.",
      modelSpecialty: "cyber",
      hidden: true,
      efforts: UP_TO_ULTRA,
      defaultEffort: "low",
      multiAgentVersion: "v2",
      tiers: { additionalSpeedTiers: [], serviceTiers: [] },
    },
    {
      id: "gpt-daybreak-red-latest",
      displayName: "Daybreak Red",
      description:
        "Cyber-permissive variant of our latest frontier agentic coding model for advanced, authorized cybersecurity research.",
      modelSpecialty: "cyber",
      hidden: true,
      efforts: UP_TO_ULTRA,
      defaultEffort: "medium",
      multiAgentVersion: "v2",
      tiers: { additionalSpeedTiers: [], serviceTiers: [] },
    },
    {
      id: "gpt-5.5",
      displayName: "GPT-5.5",
      description: "Legacy coding model.",
      upgrade: TO_SOL,
      efforts: UP_TO_XHIGH,
      defaultEffort: "medium",
      multiAgentVersion: null,
      tiers: fastTier("1.5x speed, increased usage"),
    },
    {
      id: "codex-auto-review",
      displayName: "Codex Auto Review",
      description: "Automatic approval review model for Codex.",
      hidden: true,
      efforts: UP_TO_MAX,
      defaultEffort: "medium",
      multiAgentVersion: "v1",
      tiers: fastTier("1.5x speed, increased usage"),
    },
  ] satisfies Entry[]
).map((e, i) => model(e, i === 0));

/** The model 0.166.0 gives a thread when neither the request nor the config names one: its catalogue's default. */
export const DEFAULT_MODEL_0166: string = MODEL_CATALOG_0166[0]?.id ?? "gpt-6.1-sol";
