import { invalidParams, invalidRequest, parseUuid, RpcError } from "@codex-ts/app-server-protocol";
import {
  AttachmentLimitError,
  ReadStateConflictError,
  type SessionsStore,
  type ThreadStateStore,
} from "@codex-ts/core";
import type { ThreadRegistry } from "../../threads/registry.js";
import { experimentalCheck } from "../experimental-api.js";

/** What the thread-state handlers read and write: the loaded threads, the rollouts, the state database. */
export interface ThreadStateServices0166 {
  registry: ThreadRegistry;
  sessions: SessionsStore | undefined;
  state: ThreadStateStore;
  codexHome: string;
  experimentalApi(): boolean;
  /** Whether threads are given the memories (`memoriesInUse` of the server's config layers). */
  memoriesInUse(): Promise<boolean>;
}

/** A thread id as 0.166.0 reads it for these methods (`-32602 invalid thread id: …`). */
export function threadIdParam(raw: string): string {
  try {
    return parseUuid(raw);
  } catch (err) {
    throw invalidParams(`invalid thread id: ${(err as Error).message}`);
  }
}

/** Where a thread is kept: loaded here (and whether ephemeral), stored (and whether archived), or nowhere. */
export type ThreadWhereabouts =
  | { kind: "loaded"; ephemeral: boolean }
  | { kind: "stored"; archived: boolean }
  | { kind: "unknown" };

export async function whereabouts(s: ThreadStateServices0166, id: string): Promise<ThreadWhereabouts> {
  const loaded = s.registry.get(id);
  if (loaded) return { kind: "loaded", ephemeral: loaded.meta.ephemeral };
  if (await s.sessions?.findPathById(id)) return { kind: "stored", archived: false };
  if (await s.sessions?.findArchivedPathById(id)) return { kind: "stored", archived: true };
  return { kind: "unknown" };
}

/**
 * Runs a state-database operation. The store's own refusals (a full thread, a stale revision) pass through for the
 * caller to word; a failure to open or use the database is this request's error, not the server's.
 */
export function usingState<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (
      err instanceof AttachmentLimitError ||
      err instanceof ReadStateConflictError ||
      err instanceof RpcError
    )
      throw err;
    throw invalidRequest(`thread state is unavailable: ${(err as Error).message}`);
  }
}

/** `<method> requires experimentalApi capability` unless the client asked for the experimental API. */
export function requireExperimental(s: ThreadStateServices0166, method: string): void {
  experimentalCheck(() => s.experimentalApi())(method);
}
