import { join } from "node:path";
import { type ArchiveError, archiveRollout } from "./archive.js";
import { readHead } from "./head.js";
import { type LoadedRollout, loadRollout } from "./history.js";
import type { GitInfo, SessionMetaPayload } from "./line.js";
import { type ListPage, type ListQuery, listSessions } from "./list.js";
import { isUuid, rolloutPathFor, SESSIONS_SUBDIR } from "./paths.js";
import { createRecorder, type RolloutRecorder, reopenRecorder } from "./recorder.js";
import { type SessionSummary, summaryFromHead } from "./summary.js";
import { walkNewestFirst } from "./walk.js";

/** What a new conversation records in its session_meta line. */
export interface SessionMetaInput {
  id: string;
  cwd: string;
  originator: string;
  cliVersion: string;
  instructions: string | null;
  source: unknown;
  modelProvider: string;
  git?: GitInfo;
  /** Session start; defaults to now. */
  startedAt?: Date;
}

/** The on-disk session store under `CODEX_HOME` (see DESIGN.md). Rollout files are the source of truth. */
export class SessionsStore {
  readonly sessionsDir: string;

  constructor(readonly codexHome: string) {
    this.sessionsDir = join(codexHome, SESSIONS_SUBDIR);
  }

  /** Creates the rollout file and writes the session_meta line at once, as Codex does. */
  createRecorder(meta: SessionMetaInput): Promise<RolloutRecorder> {
    const startedAt = meta.startedAt ?? new Date();
    const payload: SessionMetaPayload = {
      id: meta.id,
      timestamp: startedAt.toISOString(),
      cwd: meta.cwd,
      originator: meta.originator,
      cli_version: meta.cliVersion,
      instructions: meta.instructions,
      source: meta.source,
      model_provider: meta.modelProvider,
      ...(meta.git ? { git: meta.git } : {}),
    };
    const path = rolloutPathFor(this.codexHome, startedAt, meta.id);
    return createRecorder(path, { type: "session_meta", payload });
  }

  /** Appends to an existing rollout (resume); no new session_meta is written. */
  resumeRecorder(path: string): Promise<RolloutRecorder> {
    return reopenRecorder(path);
  }

  list(query: ListQuery): Promise<ListPage> {
    return listSessions(this.sessionsDir, query);
  }

  /** The live rollout of a conversation id, newest first; archived sessions are not found. */
  async findPathById(id: string): Promise<string | null> {
    if (!isUuid(id)) return null;
    const wanted = id.toLowerCase();
    for await (const candidate of walkNewestFirst(this.sessionsDir)) {
      if (candidate.id === wanted) return candidate.path;
    }
    return null;
  }

  /** The summary of one rollout; throws the OS error when it cannot be read, or when it has no summary. */
  async readSummary(path: string, defaultProvider: string): Promise<SessionSummary> {
    const head = await readHead(path);
    const summary = summaryFromHead(path, head, defaultProvider);
    if (!summary) throw new Error(`rollout ${path} has no session metadata or user message`);
    return summary;
  }

  /** Moves a rollout to archived_sessions/; throws ArchiveError with the real server's messages. */
  archive(conversationId: string, rolloutPath: string): Promise<string> {
    return archiveRollout(this.codexHome, conversationId, rolloutPath);
  }

  loadHistory(path: string): Promise<LoadedRollout> {
    return loadRollout(path);
  }
}

export type { ArchiveError };
