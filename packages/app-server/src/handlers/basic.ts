import type { Protocol058, Protocol0166 } from "@codex-ts/app-server-protocol";
import type { Handler, Handlers } from "../handler.js";
import { pageModels } from "../model-list.js";
import { MODEL_PRESETS } from "../model-presets.js";

/** 0.58.0 `initialize` → `{userAgent}` (the user agent now carries the client). */
const initialize058: Handler<Protocol058, "initialize"> = (p, { server }) => {
  server.recordClient(p.clientInfo);
  return { userAgent: server.userAgent() };
};

/** The handlers that need nothing but the server itself (0.58.0). */
export const basicHandlers: Handlers<Protocol058, "initialize" | "getUserAgent" | "model/list"> = {
  initialize: initialize058,
  getUserAgent: (_p, { server }) => ({ userAgent: server.userAgent() }),
  "model/list": (p) => pageModels(MODEL_PRESETS, p),
};

/** `std::env::consts::FAMILY` / `OS` of the Rust target, as 0.166.0 reports them. */
function platform(): { platformFamily: string; platformOs: string } {
  const os: Partial<Record<NodeJS.Platform, string>> = {
    darwin: "macos",
    win32: "windows",
    sunos: "solaris",
  };
  return {
    platformFamily: process.platform === "win32" ? "windows" : "unix",
    platformOs: os[process.platform] ?? process.platform,
  };
}

/** The experimental notifications 0.166.0 sends only to clients that asked for the experimental API. */
const EXPERIMENTAL_NOTIFICATIONS_0166 = ["thread/queue/changed"];

/**
 * 0.166.0 `initialize` → `{userAgent, codexHome, platformFamily, platformOs}`. The client's
 * `optOutNotificationMethods` are never sent to it on this connection, nor experimental notifications unless it
 * asked for the experimental API.
 */
export const initialize0166: Handler<Protocol0166, "initialize"> = (p, { server, peer }) => {
  server.recordClient(p.clientInfo);
  peer.suppress(p.capabilities?.optOutNotificationMethods ?? []);
  if (p.capabilities?.experimentalApi !== true) peer.suppress(EXPERIMENTAL_NOTIFICATIONS_0166);
  // The client is the originator of what this connection does (0.166.0 names it first in its user agent).
  return { userAgent: server.userAgent(p.clientInfo.name), codexHome: server.codexHome, ...platform() };
};
