/**
 * The developer message a collaboration mode adds to the model's history (0.166's `collaborationMode`). 0.166.0
 * sends one wrapped in `<collaboration_mode>` tags when a turn starts in plan mode (and when the mode changes
 * again), placed with its other developer instructions; the client's `developer_instructions` replace the
 * built-in text. The texts below are this project's own; only the `<proposed_plan>` block rules are a contract,
 * since clients (and this server's `proposed-plan` splitter) read the plan out of the answer by those tags.
 */

export type CollaborationModeKind = "default" | "plan";

const PLAN_MODE = `# Plan mode

You are in plan mode until a later developer message ends it. In this mode you work out a plan with the user; you do not carry it out, even when the user's words ask you to act (treat such a request as a request to plan that work).

## What you may do
- Gather facts without changing anything: read and search files, inspect configuration, schemas and entry points, run builds, tests or dry runs whose only writes go to caches or build output.
- Do not edit or create files, apply patches, run formatters that rewrite files, or run commands whose purpose is to do the work rather than to learn about it. When unsure, treat an action as doing the work.

## How to plan
1. Explore first. Answer from the workspace whatever the workspace can answer before asking anything.
2. Settle the intent: the goal and how success is judged, what is in and out of scope, the constraints and the preferences that matter. Ask about what exploration cannot reveal; when a choice is the user's, offer two to four concrete options and say which you recommend.
3. Settle the implementation until nothing is left for the implementer to decide: the approach, interfaces and data, edge cases and failures, tests and acceptance criteria, migration or compatibility concerns.

Ask only questions whose answers change the plan, confirm an assumption, or choose between real trade-offs. If a question stays unanswered, go on with the option you recommended and record it as an assumption.

## Presenting the plan
Present a plan only once it is complete. Put it in a \`<proposed_plan>\` block so the client can show it as a plan:
1. The opening tag \`<proposed_plan>\` stands alone on its line.
2. The plan starts on the next line.
3. The closing tag \`</proposed_plan>\` stands alone on its line.
4. The plan is Markdown.
5. The tags are written exactly so, whatever the language of the plan.

For example:

<proposed_plan>
# Title
...
</proposed_plan>

The plan is short and readable by people and agents alike: a title, a summary, the key changes (grouped by behaviour or subsystem, naming files only where that avoids a mistake), changes to public interfaces, the tests, and the assumptions and defaults chosen. Give at most one such block per turn. A revised plan is a complete replacement of the previous one. Do not ask whether to proceed: the user leaves plan mode to have the plan carried out.`;

const DEFAULT_MODE = `# Default mode

Plan mode has ended: earlier instructions for other collaboration modes no longer apply. Carry out the user's requests directly, and ask only when something cannot be settled from the workspace.`;

/**
 * The text of the `<collaboration_mode>` developer message for `mode`: the client's own instructions when it
 * gave some, else this server's text for the mode.
 */
export function collaborationModeMessageText(
  mode: CollaborationModeKind,
  developerInstructions: string | null | undefined,
): string {
  const body = developerInstructions ?? (mode === "plan" ? PLAN_MODE : DEFAULT_MODE);
  return `<collaboration_mode>${body}</collaboration_mode>`;
}
