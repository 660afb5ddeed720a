import * as g from "../schema/gen-0166.js";
import type { RequestSchema } from "./definition.js";
import { v2m } from "./protocol-0166-settings.js";

const v1m = <P extends RequestSchema["params"], R extends RequestSchema["response"]>(
  params: P,
  response: R,
) => ({ params, response, namespace: "v1" }) as const satisfies RequestSchema;

/**
 * 0.166.0's workspace tools outside any thread: `command/exec` (a standalone command in the server sandbox) with its
 * follow-ups, and the fuzzy file searches (one-shot, and the experimental sessions that notify as the query changes).
 * A group of their own, so that `protocol-0166.ts` changes by one line.
 */
export const workspaceRequests0166 = {
  "command/exec": v2m(g.CommandExecParams, g.CommandExecResponse),
  "command/exec/write": v2m(g.CommandExecWriteParams, g.CommandExecWriteResponse),
  "command/exec/terminate": v2m(g.CommandExecTerminateParams, g.CommandExecTerminateResponse),
  "command/exec/resize": v2m(g.CommandExecResizeParams, g.CommandExecResizeResponse),
  // The fuzzy searches are root definitions in 0.166.0 (0.58.0's v1 namespace): their files are at the top of its
  // export, not in `v1/` as `initialize`'s (which has no namespace).
  fuzzyFileSearch: v1m(g.FuzzyFileSearchParams, g.FuzzyFileSearchResponse),
  "fuzzyFileSearch/sessionStart": v1m(
    g.FuzzyFileSearchSessionStartParams,
    g.FuzzyFileSearchSessionStartResponse,
  ),
  "fuzzyFileSearch/sessionUpdate": v1m(
    g.FuzzyFileSearchSessionUpdateParams,
    g.FuzzyFileSearchSessionUpdateResponse,
  ),
  "fuzzyFileSearch/sessionStop": v1m(
    g.FuzzyFileSearchSessionStopParams,
    g.FuzzyFileSearchSessionStopResponse,
  ),
} as const;

/** The names of these methods (the app server's workspace handler groups serve exactly these). */
export type WorkspaceMethod0166 = keyof typeof workspaceRequests0166;

/** The notifications that go with them. */
export const workspaceNotifications0166 = {
  "command/exec/outputDelta": g.CommandExecOutputDeltaNotification,
  "fuzzyFileSearch/sessionUpdated": g.FuzzyFileSearchSessionUpdatedNotification,
  "fuzzyFileSearch/sessionCompleted": g.FuzzyFileSearchSessionCompletedNotification,
} as const;
