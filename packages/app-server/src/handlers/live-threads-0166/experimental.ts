import { type gen0166, invalidRequest, type Protocol0166 } from "@codex-ts/app-server-protocol";
import type { Handlers } from "../../handler.js";
import type { ThreadRegistry } from "../../threads/registry.js";
import { experimentalCheck } from "../experimental-api.js";

/**
 * 0.166.0's collaboration mode presets, in its order: plan mode at medium effort, and the default mode. Neither names
 * a model (the thread's stays). Applying one is `turn/start` / `thread/settings/update` with its `collaborationMode`.
 */
const PRESETS_0166: gen0166.CollaborationModeMask[] = [
  { name: "Plan", mode: "plan", model: null, reasoning_effort: "medium" },
  { name: "Default", mode: "default", model: null, reasoning_effort: null },
];

/** The changes `turn/settings/update` makes to a running turn's model request, which 0.166.0 puts behind a feature. */
const STEP_SETTINGS = ["model", "effort", "summary", "serviceTier"] as const;

/**
 * The experimental live-thread methods (`capabilities.experimentalApi` only, else refused as 0.166.0 refuses):
 * - `collaborationMode/list` → `{data}`: the presets above.
 * - `turn/settings/update {threadId, turnId, model?, effort?, summary?, serviceTier?, approvalsReviewer?}`: 0.166.0
 *   changes a running turn's model, effort, summary or tier only with its `step_model_switching` feature, which this
 *   server does not have: such a change is refused in 0.166.0's words (`turn settings updates require the
 *   step_model_switching feature`); a change of the reviewer alone is `applied` to the running turn named and
 *   `targetUnavailable` for any other, as 0.166.0 answers (this server reports the reviewer only: the user answers
 *   every approval).
 */
export function createExperimentalLiveHandlers0166(
  registry: ThreadRegistry,
  experimentalApi: () => boolean,
): Handlers<Protocol0166, "collaborationMode/list" | "turn/settings/update"> {
  const requireExperimental = experimentalCheck(experimentalApi);
  return {
    "collaborationMode/list"() {
      requireExperimental("collaborationMode/list");
      return { data: PRESETS_0166.map((preset) => ({ ...preset })) };
    },
    "turn/settings/update"(p) {
      requireExperimental("turn/settings/update");
      const thread = registry.require(p.threadId);
      // Only a new reviewer, and nothing else, is a change 0.166.0 makes without the feature (an empty one is not).
      if (p.approvalsReviewer == null || STEP_SETTINGS.some((key) => p[key] !== undefined))
        throw invalidRequest("turn settings updates require the step_model_switching feature");
      // The reviewer is reported only here (the user answers every approval), so it applies to the running turn.
      return { status: thread.currentTask()?.id === p.turnId ? "applied" : "targetUnavailable" };
    },
  };
}
