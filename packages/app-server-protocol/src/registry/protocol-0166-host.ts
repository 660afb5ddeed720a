import * as g from "../schema/gen-0166.js";
import type { RequestSchema } from "./definition.js";
import { NoParams } from "./no-params.js";
import { v2m } from "./protocol-0166-settings.js";

/**
 * 0.166.0's host methods for remote clients: the filesystem API (`fs/*`, with the `fs/changed` notification of
 * `fs/watch`) and the config-information methods (`configRequirements/read`, `experimentalFeature/list`,
 * `experimentalFeature/enablement/set`, `modelProvider/capabilities/read`, `feedback/save`). A group of its own so
 * that the branches adding other 0.166 methods touch `protocol-0166.ts` by one line each.
 */
export const hostRequests0166 = {
  "fs/readFile": v2m(g.FsReadFileParams, g.FsReadFileResponse),
  "fs/writeFile": v2m(g.FsWriteFileParams, g.FsWriteFileResponse),
  "fs/createDirectory": v2m(g.FsCreateDirectoryParams, g.FsCreateDirectoryResponse),
  "fs/getMetadata": v2m(g.FsGetMetadataParams, g.FsGetMetadataResponse),
  "fs/readDirectory": v2m(g.FsReadDirectoryParams, g.FsReadDirectoryResponse),
  "fs/remove": v2m(g.FsRemoveParams, g.FsRemoveResponse),
  "fs/copy": v2m(g.FsCopyParams, g.FsCopyResponse),
  "fs/watch": v2m(g.FsWatchParams, g.FsWatchResponse),
  "fs/unwatch": v2m(g.FsUnwatchParams, g.FsUnwatchResponse),
  // 0.166.0 declares this one without params (absent, `null` or `{}` are all read).
  "configRequirements/read": v2m(NoParams, g.ConfigRequirementsReadResponse),
  "experimentalFeature/list": v2m(g.ExperimentalFeatureListParams, g.ExperimentalFeatureListResponse),
  "experimentalFeature/enablement/set": v2m(
    g.ExperimentalFeatureEnablementSetParams,
    g.ExperimentalFeatureEnablementSetResponse,
  ),
  "modelProvider/capabilities/read": v2m(
    g.ModelProviderCapabilitiesReadParams,
    g.ModelProviderCapabilitiesReadResponse,
  ),
  "feedback/save": v2m(g.FeedbackSaveParams, g.FeedbackSaveResponse),
} as const satisfies Record<string, RequestSchema>;

/** The names of the host methods (the app server's host handler group serves exactly these). */
export type HostMethod0166 = keyof typeof hostRequests0166;

/** The notifications that go with them. */
export const hostNotifications0166 = {
  "fs/changed": g.FsChangedNotification,
} as const;
