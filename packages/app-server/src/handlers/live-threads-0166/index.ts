import { invalidRequest, type LiveMethod0166, type Protocol0166 } from "@codex-ts/app-server-protocol";
import type { Handlers } from "../../handler.js";
import type { ThreadRegistry } from "../../threads/registry.js";
import { createExperimentalLiveHandlers0166 } from "./experimental.js";
import { createInjectItemsHandler0166 } from "./inject-items.js";
import { createMetadataUpdateHandler0166, type MetadataServices0166 } from "./metadata-update.js";
import { createShellCommandHandler0166 } from "./shell-command.js";

/** What the live-thread methods serve from. */
export interface LiveThreadServices0166 {
  registry: ThreadRegistry;
  /** Whether the client asked for the experimental API at `initialize`. */
  experimentalApi(): boolean;
  /** The stored threads and their metadata store (`thread/metadata/update`; without: not available). */
  metadata?: Omit<MetadataServices0166, "registry" | "experimentalApi"> | undefined;
}

/** A method this server does not serve yet: refused by name. */
const notServed = (method: string) => () => {
  throw invalidRequest(`${method} is not supported by this server`);
};

/**
 * 0.166.0's methods that act on a live thread beside its turns (protocol-0166-live.ts): `thread/shellCommand`,
 * `thread/inject_items`, `thread/metadata/update`, and the experimental `collaborationMode/list` and
 * `turn/settings/update` (`thread/revert` reloads the thread: thread-revert-0166.ts, with the thread methods).
 */
export function createLiveThreadHandlers0166(
  s: LiveThreadServices0166,
): Handlers<Protocol0166, Exclude<LiveMethod0166, "thread/revert">> {
  return {
    ...createShellCommandHandler0166(s.registry),
    ...createInjectItemsHandler0166(s.registry),
    ...(s.metadata
      ? createMetadataUpdateHandler0166({
          registry: s.registry,
          experimentalApi: s.experimentalApi,
          ...s.metadata,
        })
      : { "thread/metadata/update": notServed("thread/metadata/update") }),
    ...createExperimentalLiveHandlers0166(s.registry, s.experimentalApi),
  };
}
