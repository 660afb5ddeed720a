import * as g from "../schema/gen-0166.js";
import { v2m } from "./protocol-0166-settings.js";

/**
 * 0.166.0's standalone processes of a client (`process/*`: argv on the server's host, unsandboxed, named by a
 * client-chosen handle, their output and exit as notifications) and its execution environments (`environment/*`: the
 * local host, and remote exec-servers a client adds). A group of their own, so that `protocol-0166.ts` changes by
 * one line.
 */
export const processRequests0166 = {
  "process/spawn": v2m(g.ProcessSpawnParams, g.ProcessSpawnResponse),
  "process/writeStdin": v2m(g.ProcessWriteStdinParams, g.ProcessWriteStdinResponse),
  "process/kill": v2m(g.ProcessKillParams, g.ProcessKillResponse),
  "process/resizePty": v2m(g.ProcessResizePtyParams, g.ProcessResizePtyResponse),
  "environment/add": v2m(g.EnvironmentAddParams, g.EnvironmentAddResponse),
  "environment/info": v2m(g.EnvironmentInfoParams, g.EnvironmentInfoResponse),
  "environment/status": v2m(g.EnvironmentStatusParams, g.EnvironmentStatusResponse),
} as const;

/** The names of these methods (the app server's process and environment handler groups serve exactly these). */
export type ProcessMethod0166 = keyof typeof processRequests0166;

/** The notifications that go with them. */
export const processNotifications0166 = {
  "process/outputDelta": g.ProcessOutputDeltaNotification,
  "process/exited": g.ProcessExitedNotification,
} as const;
