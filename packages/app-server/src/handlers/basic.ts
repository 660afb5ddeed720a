import { invalidRequest } from "@codex-ts/app-server-protocol";
import { pageModels } from "../model-list.js";
import { MODEL_PRESETS } from "../model-presets.js";
import { object, optionalString, optionalU32, requiredString } from "../params.js";
import type { RequestHandler } from "../server.js";
import type { ClientInfo } from "../user-agent.js";

/** Methods that take no params decode to nothing (presence was already checked by the dispatcher). */
const noParams = (): undefined => undefined;

export const initialize: RequestHandler<ClientInfo> = {
  decode(params) {
    const p = object(params, "struct InitializeParams");
    if (!("clientInfo" in p)) throw invalidRequest("Invalid request: missing field `clientInfo`");
    const info = object(p.clientInfo, "struct ClientInfo");
    return {
      name: requiredString(info, "name"),
      title: optionalString(info, "title"),
      version: requiredString(info, "version"),
    };
  },
  handle(client, { server }) {
    server.markInitialized(client);
    return { userAgent: server.userAgent() };
  },
};

export const getUserAgent: RequestHandler<undefined> = {
  decode: noParams,
  handle: (_p, { server }) => ({ userAgent: server.userAgent() }),
};

export const modelList: RequestHandler<{ cursor: string | null; limit: number | null }> = {
  decode(params) {
    const p = object(params, "struct ModelListParams");
    return { cursor: optionalString(p, "cursor"), limit: optionalU32(p, "limit") };
  },
  handle: (p) => pageModels(MODEL_PRESETS, p),
};

/** Handlers that need nothing but the server itself. */
export const basicHandlers = {
  initialize,
  getUserAgent,
  "model/list": modelList,
};
