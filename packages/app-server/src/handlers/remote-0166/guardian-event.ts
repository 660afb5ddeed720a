import { describeValue } from "@codex-ts/app-server-protocol";
import { DENIED_ACTION_APPROVAL_PREFIX } from "@codex-ts/core";

/** A Guardian assessment's statuses (`GuardianAssessmentStatus`, snake_case on the wire). */
const STATUSES = ["in_progress", "approved", "denied", "timed_out", "aborted"] as const;
/** The kinds of action a Guardian assesses (`GuardianAssessmentAction`'s `type`). */
const ACTION_TYPES = [
  "command",
  "execve",
  "write_stdin",
  "apply_patch",
  "network_access",
  "mcp_tool_call",
  "request_permissions",
] as const;
/** The fields each kind of action cannot do without, in 0.166.0's order (the first one missing is named). */
const ACTION_FIELDS: Partial<Record<(typeof ACTION_TYPES)[number], readonly string[]>> = {
  command: ["source", "command", "cwd"],
};

export interface GuardianEvent {
  id: string;
  status: (typeof STATUSES)[number];
  action: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const oneOf = (values: readonly string[]) => values.map((v) => `\`${v}\``).join(", ");

/** A value as serde words it when reading from a JSON value (0.166.0 reads the event so): any number is `number`. */
const unexpected = (v: unknown) => (typeof v === "number" ? "number" : describeValue(v));

/**
 * Reads a serialized `GuardianAssessmentEvent` (the `event` of `thread/approveGuardianDeniedAction`) as 0.166.0
 * does, so far as it matters here: its `id`, `status` and `action` (whose `type` and, for a command, `source`,
 * `command` and `cwd` are required). Throws serde's words for what it refuses.
 */
export function readGuardianEvent(event: unknown): GuardianEvent {
  if (!isObject(event))
    throw new Error(`invalid type: ${unexpected(event)}, expected struct GuardianAssessmentEvent`);
  for (const field of ["id", "status", "action"]) {
    if (event[field] === undefined) throw new Error(`missing field \`${field}\``);
  }
  const { id, status, action } = event;
  if (typeof id !== "string") throw new Error(`invalid type: ${unexpected(id)}, expected a string`);
  if (typeof status !== "string" || !(STATUSES as readonly string[]).includes(status))
    throw new Error(`unknown variant \`${String(status)}\`, expected one of ${oneOf(STATUSES)}`);
  if (!isObject(action))
    throw new Error(
      `invalid type: ${describeValue(action)}, expected internally tagged enum GuardianAssessmentAction`,
    );
  if (action.type === undefined) throw new Error("missing field `type`");
  const type = action.type;
  if (typeof type !== "string" || !(ACTION_TYPES as readonly string[]).includes(type))
    throw new Error(`unknown variant \`${String(type)}\`, expected one of ${oneOf(ACTION_TYPES)}`);
  for (const field of ACTION_FIELDS[type as (typeof ACTION_TYPES)[number]] ?? []) {
    if (action[field] === undefined) throw new Error(`missing field \`${field}\``);
  }
  return { id, status: status as GuardianEvent["status"], action };
}

/** The developer message 0.166.0 records when the user approves an action its Guardian denied. */
export function deniedActionApproval(action: Record<string, unknown>): string {
  return [
    DENIED_ACTION_APPROVAL_PREFIX,
    "",
    "Treat this as approval to perform that exact action in the same context in which it was originally requested.",
    "Do not assume this also authorizes similar operations with different payloads.",
    "",
    "Approved action:",
    JSON.stringify({ action, outcome: "allowed" }, null, 2),
  ].join("\n");
}
