import { registerHints0166 } from "../decode/hints-0166.js";
import {
  InitializeParams,
  InitializeResponse,
  PermissionProfileListParams,
  PermissionProfileListResponse,
} from "../schema/gen-0166.js";
import type { ProtocolDefinition, RequestSchema } from "./definition.js";
import { methodOrder0166 } from "./method-order-0166.js";
import { NoParams } from "./no-params.js";
import { settingsNotifications0166, settingsRequests0166 } from "./protocol-0166-settings.js";

/**
 * The requests in the reference's registry order (the order its unknown-variant error lists them in), whatever
 * order the groups below are spread in. A method the reference does not have would come last.
 */
function inRegistryOrder<T extends Record<string, RequestSchema>>(requests: T): T {
  const rank = (m: string) => {
    const i = methodOrder0166.indexOf(m);
    return i === -1 ? methodOrder0166.length : i;
  };
  const entries = Object.entries(requests).sort(([a], [b]) => rank(a) - rank(b));
  return Object.fromEntries(entries) as T;
}

/**
 * Codex 0.166.0, the generation today's clients speak (e.g. `@agentclientprotocol/codex-acp`). It grows one
 * method at a time: a method is a schema here (generated from the reference's JSON Schema by
 * `scripts/gen-0166.sh`), a handler in the app server, and a test. Each feature adds its methods as one group.
 */
export const protocol0166 = {
  generation: "0.166",
  requests: inRegistryOrder({
    initialize: { params: InitializeParams, response: InitializeResponse },
    "permissionProfile/list": {
      params: PermissionProfileListParams,
      response: PermissionProfileListResponse,
      namespace: "v2",
    },
    ...settingsRequests0166,
  }),
  notifications: {
    ...settingsNotifications0166,
  },
  serverRequests: {},
  // 0.166.0's ClientNotification has one member, as 0.58.0's: `initialized`, sent after the handshake.
  clientNotifications: { initialized: NoParams },
} as const satisfies ProtocolDefinition;

registerHints0166();

export type Protocol0166 = typeof protocol0166;
