import { registerHints0166 } from "../decode/hints-0166.js";
import { deferHints } from "../decode/serde-hints.js";
import {
  InitializeParams,
  InitializeResponse,
  PermissionProfileListParams,
  PermissionProfileListResponse,
} from "../schema/gen-0166.js";
import type { ProtocolDefinition } from "./definition.js";
import { NoParams } from "./no-params.js";

/**
 * Codex 0.166.0, the generation today's clients speak (e.g. `@agentclientprotocol/codex-acp`). It grows one
 * method at a time: a method is a schema here (generated from the reference's JSON Schema by
 * `scripts/zod-from-json-schema.py --subset`), a handler in the app server, and a test. Requests keep the
 * reference's registry order among themselves.
 */
export const protocol0166 = {
  generation: "0.166",
  requests: {
    initialize: { params: InitializeParams, response: InitializeResponse },
    "permissionProfile/list": {
      params: PermissionProfileListParams,
      response: PermissionProfileListResponse,
      namespace: "v2",
    },
  },
  notifications: {},
  serverRequests: {},
  // 0.166.0's ClientNotification has one member, as 0.58.0's: `initialized`, sent after the handshake.
  clientNotifications: { initialized: NoParams },
} as const satisfies ProtocolDefinition;

deferHints(registerHints0166);

export type Protocol0166 = typeof protocol0166;
