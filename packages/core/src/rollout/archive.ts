import { mkdir, realpath, rename } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { isInside, norm } from "./confine.js";
import { moveContinuations } from "./continuations.js";
import { osErrorText } from "./os-error.js";
import { ARCHIVED_SESSIONS_SUBDIR, parseContinuationFileName, SESSIONS_SUBDIR } from "./paths.js";

/**
 * Why an archive was refused. `invalid` is the client's mistake (the servers answer -32600), `io` a server-side
 * failure (-32603). Messages are the real server's.
 */
export class ArchiveError extends Error {
  override readonly name = "ArchiveError";
  constructor(
    readonly kind: "invalid" | "io",
    message: string,
  ) {
    super(message);
  }
}

/**
 * Moves a rollout into `CODEX_HOME/archived_sessions/`, only after checking that the path, canonicalised
 * (symlinks resolved, `..` removed; relative paths against the process cwd), lies inside the sessions directory
 * and that the file name ends with `<conversationId>.jsonl`. On any refusal nothing moves.
 */
export async function archiveRollout(
  codexHome: string,
  conversationId: string,
  rolloutPath: string,
  /** Runs once every check has passed, just before the move (servers shut the loaded conversation down here). */
  beforeMove?: () => Promise<void>,
): Promise<string> {
  let sessionsDir: string;
  try {
    sessionsDir = await realpath(join(codexHome, SESSIONS_SUBDIR));
  } catch (err) {
    throw new ArchiveError(
      "io",
      `failed to archive conversation: unable to resolve sessions directory: ${osErrorText(err)}`,
    );
  }
  const outside = new ArchiveError(
    "invalid",
    `rollout path \`${rolloutPath}\` must be in sessions directory`,
  );
  let canonical: string;
  try {
    canonical = await realpath(resolve(rolloutPath));
  } catch {
    throw outside;
  }
  if (!isInside(canonical, sessionsDir)) throw outside;
  // A continuation (continuations.ts) is named only when its thread's first rollout is gone.
  const continuation = parseContinuationFileName(basename(canonical));
  const name = basename(canonical);
  const id = conversationId.toLowerCase();
  // (A rollout 0.166.0 compressed is archived as it is: listings read it there too.)
  const ofThread =
    continuation?.threadId === id ||
    norm(name).endsWith(`${id}.jsonl`) ||
    norm(name).endsWith(`${id}.jsonl.zst`);
  if (!ofThread) {
    throw new ArchiveError(
      "invalid",
      `rollout path \`${rolloutPath}\` does not match conversation id ${conversationId}`,
    );
  }
  const archivedDir = join(codexHome, ARCHIVED_SESSIONS_SUBDIR);
  const target = join(archivedDir, name);
  await beforeMove?.();
  try {
    await mkdir(archivedDir, { recursive: true });
    await moveContinuations(canonical, () => archivedDir);
    // (A continuation named when its first rollout is gone was moved with the others.)
    if (!parseContinuationFileName(name)) await rename(canonical, target);
  } catch (err) {
    throw new ArchiveError("io", `failed to archive conversation: ${osErrorText(err)}`);
  }
  return target;
}
