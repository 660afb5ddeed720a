import * as g from "../schema/gen-0166.js";
import type { RequestSchema } from "./definition.js";
import { NoParams } from "./no-params.js";
import { v2m } from "./protocol-0166-settings.js";

/**
 * 0.166.0's methods outside threads that describe or migrate this host: `externalAgentConfig/*` (detect another
 * agent's configuration and import it into Codex's files, with the import's progress and history),
 * `server/diagnostics`, and the experimental `userVerification/status`, `accountSession/list` and `memory/status`.
 * A group of its own so that `protocol-0166.ts` changes by one line.
 */
export const externalAgentRequests0166 = {
  "externalAgentConfig/detect": v2m(g.ExternalAgentConfigDetectParams, g.ExternalAgentConfigDetectResponse),
  "externalAgentConfig/import": v2m(g.ExternalAgentConfigImportParams, g.ExternalAgentConfigImportResponse),
  "externalAgentConfig/import/recordHistory": v2m(
    g.ExternalAgentConfigImportHistoryRecordParams,
    g.ExternalAgentConfigImportHistoryRecordResponse,
  ),
  // 0.166.0 declares this one without params (absent, `null` or `{}` are all read).
  "externalAgentConfig/import/readHistories": v2m(NoParams, g.ExternalAgentConfigImportHistoriesReadResponse),
  "server/diagnostics": v2m(g.ServerDiagnosticsParams, g.ServerDiagnosticsResponse),
  "userVerification/status": v2m(g.UserVerificationStatusParams, g.UserVerificationStatusResponse),
  "accountSession/list": v2m(g.AccountSessionsListParams, g.AccountSessionsResponse),
  "memory/status": v2m(g.MemoryStatusParams, g.MemoryStatusResponse),
} as const satisfies Record<string, RequestSchema>;

/** The names of these methods (the app server's external-agent handler group serves exactly these). */
export type ExternalAgentMethod0166 = keyof typeof externalAgentRequests0166;

/** The notifications that go with them. */
export const externalAgentNotifications0166 = {
  "externalAgentConfig/import/progress": g.ExternalAgentConfigImportProgressNotification,
  "externalAgentConfig/import/completed": g.ExternalAgentConfigImportCompletedNotification,
} as const;
