import { invalidRequest, type RpcError } from "@codex-ts/app-server-protocol";
import { isVanishedFileError, type SessionsStore } from "@codex-ts/core";

/**
 * 0.166.0's answer to opening a thread whose rollout is not (or no longer) in the sessions folder: archived (a
 * `thread/archive` moved it, perhaps while this request was on its way) or gone (`no rollout found…`, a
 * `thread/delete` removed it). Both are the client's error (-32600), whatever the order of the racing requests.
 */
export async function goneRollout(store: SessionsStore | undefined, id: string): Promise<RpcError> {
  const archived = await store?.findArchivedPathById(id).catch(() => null);
  return archived
    ? invalidRequest(`session ${id} is archived. Run \`codex unarchive ${id}\` to unarchive it first.`)
    : invalidRequest(`no rollout found for thread id ${id}`);
}

/**
 * Runs a step that reads thread `id`'s rollout; when the file vanished under it (removed or moved between the
 * lookup and the read), its error is `goneRollout`'s, never the raw errno text of an internal error.
 */
export async function unlessGone<T>(
  store: SessionsStore | undefined,
  id: string,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (isVanishedFileError(err)) throw await goneRollout(store, id);
    throw err;
  }
}
