import * as g from "../schema/gen-0166.js";
import { v2m } from "./protocol-0166-settings.js";

/**
 * 0.166.0's methods that act on a live thread beside its turns: the user's own shell command, items injected into
 * its history, its stored metadata, reverting it to before a turn, and (experimental) the collaboration mode
 * presets and a running turn's settings. A group of their own, so that `protocol-0166.ts` changes by one line.
 */
export const liveRequests0166 = {
  "thread/shellCommand": v2m(g.ThreadShellCommandParams, g.ThreadShellCommandResponse),
  "thread/inject_items": v2m(g.ThreadInjectItemsParams, g.ThreadInjectItemsResponse),
  "thread/metadata/update": v2m(g.ThreadMetadataUpdateParams, g.ThreadMetadataUpdateResponse),
  "thread/revert": v2m(g.ThreadRevertParams, g.ThreadRevertResponse),
  "collaborationMode/list": v2m(g.CollaborationModeListParams, g.CollaborationModeListResponse),
  "turn/settings/update": v2m(g.TurnSettingsUpdateParams, g.TurnSettingsUpdateResponse),
} as const;

/** The names of these methods. */
export type LiveMethod0166 = keyof typeof liveRequests0166;

/** The notifications that go with them. */
export const liveNotifications0166 = {
  "thread/reverted": g.ThreadRevertedNotification,
} as const;
