import { type Protocol0166, RpcError } from "@codex-ts/app-server-protocol";
import type { Handlers } from "../../handler.js";

/** 0.166.0 reads at most this many app ids per `app/read`. */
export const APP_READ_MAX_IDS = 100;
/** 0.166.0 answers too many ids with -32602 (invalid params). */
const INVALID_PARAMS = -32602;

/**
 * 0.166.0's `app/*` list ChatGPT connectors from a backend this server does not have; they answer as 0.166.0
 * answers when it has none (no ChatGPT sign-in): no apps, and every id asked for missing.
 */
export function createAppHandlers0166(): Handlers<Protocol0166, "app/list" | "app/installed" | "app/read"> {
  return {
    async "app/list"() {
      return { data: [], nextCursor: null };
    },
    async "app/installed"() {
      return { apps: [] };
    },
    async "app/read"(p) {
      const ids = [...new Set(p.appIds)];
      if (ids.length > APP_READ_MAX_IDS)
        throw new RpcError(INVALID_PARAMS, `app/read accepts at most ${APP_READ_MAX_IDS} appIds`);
      return { apps: [], missingAppIds: ids };
    },
  };
}
