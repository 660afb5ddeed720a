import type { Protocol0166, ProtocolPeer } from "@codex-ts/app-server-protocol";
import type { ConversationIdentity } from "@codex-ts/core";
import type { ConversationRuntime } from "../../runtime.js";
import type { ThreadFollows } from "../../threads/follows.js";
import type { ThreadOrganization } from "../../threads/organization.js";
import type { ThreadRegistry } from "../../threads/registry.js";
import type { ThreadSkillCatalog } from "../../threads/session-settings.js";

/** What the 0.166 thread-management handlers serve from. */
export interface AdminServices0166 {
  registry: ThreadRegistry;
  runtime: ConversationRuntime;
  /**
   * Where the notifications 0.166.0 sends every connection go (`thread/archived`, `thread/name/updated`, a thread's
   * unloading, …): a listening server's every 0.166 connection, else this one.
   */
  announcer: ProtocolPeer<Protocol0166>;
  /** The threads this connection follows (`thread/unsubscribe` stops; one nobody follows is unloaded once idle). */
  follows: ThreadFollows;
  /** The version a forked thread reports (as `thread/start`'s). */
  cliVersion: string;
  /** Who a forked thread names (as `thread/start`'s: the connection's client). */
  identity(): ConversationIdentity;
  /**
   * How long a thread nobody follows stays loaded once idle, in ms (0.166.0's `thread_unload_delay_secs`,
   * 60 s by default).
   */
  unloadDelayMs: number;
  /** The skills a forked thread is offered (none without: then it is told of none). */
  skills?: ThreadSkillCatalog | undefined;
  /** Projects and sections: a deleted thread leaves them (as 0.166.0 drops its row). */
  organization?: ThreadOrganization | undefined;
}
