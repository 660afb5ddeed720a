import { invalidRequest, type LiveMethod0166, type Protocol0166 } from "@codex-ts/app-server-protocol";
import type { Handlers } from "../../handler.js";
import type { ThreadRegistry } from "../../threads/registry.js";
import { createExperimentalLiveHandlers0166 } from "./experimental.js";
import { createInjectItemsHandler0166 } from "./inject-items.js";
import { createShellCommandHandler0166 } from "./shell-command.js";

/** What the live-thread methods serve from. */
export interface LiveThreadServices0166 {
  registry: ThreadRegistry;
  /** Whether the client asked for the experimental API at `initialize`. */
  experimentalApi(): boolean;
}

/** A method this server does not serve yet: refused by name. */
const notServed = (method: string) => () => {
  throw invalidRequest(`${method} is not supported by this server`);
};

/**
 * 0.166.0's methods that act on a live thread beside its turns (protocol-0166-live.ts): `thread/shellCommand`,
 * `thread/inject_items`, `thread/metadata/update`, `thread/revert`, and the experimental `collaborationMode/list`
 * and `turn/settings/update`.
 */
export function createLiveThreadHandlers0166(
  s: LiveThreadServices0166,
): Handlers<Protocol0166, LiveMethod0166> {
  return {
    ...createShellCommandHandler0166(s.registry),
    ...createInjectItemsHandler0166(s.registry),
    "thread/metadata/update": notServed("thread/metadata/update"),
    "thread/revert": notServed("thread/revert"),
    ...createExperimentalLiveHandlers0166(s.registry, s.experimentalApi),
  };
}
