import type { gen0166 } from "@codex-ts/app-server-protocol";
import type { ThreadSettings0166 } from "./settings.js";

/** What the server knows of a thread to describe it as 0.166's `Thread`. */
export interface ThreadFacts {
  id: string;
  cwd: string;
  /** The rollout file (null: an ephemeral thread has none). */
  path: string | null;
  preview: string;
  modelProvider: string;
  model: string;
  reasoningEffort: string | null;
  /** Unix seconds. */
  createdAt: number;
  updatedAt: number;
  cliVersion: string;
  /** The client that started the thread (0.166.0 records `clientInfo.name`). */
  originator: string | null;
  ephemeral: boolean;
  /** How the rollout keeps its history (default `legacy`): see core's `HistoryMode`. */
  historyMode?: "legacy" | "paginated";
  /** 0.166's `threadSource` (the client's label; null when none was given). */
  threadSource?: string | null;
  /** The environment's workspace roots (default: the cwd). */
  runtimeWorkspaceRoots?: string[];
  status: gen0166.ThreadStatus;
  turns: gen0166.Turn[];
}

/**
 * 0.166's `Thread`, in its field order. `historyMode` says how its rollout keeps its history: `paginated` for the
 * threads 0.166 clients start (here and on 0.166.0), `legacy` for 0.58.0-format ones.
 */
export function threadObject(f: ThreadFacts): gen0166.Thread {
  return {
    id: f.id,
    environments: [
      { environmentId: "local", cwd: f.cwd, runtimeWorkspaceRoots: f.runtimeWorkspaceRoots ?? [f.cwd] },
    ],
    extra: null,
    sessionId: f.id,
    forkedFromId: null,
    parentThreadId: null,
    preview: f.preview,
    ephemeral: f.ephemeral,
    section: null,
    sectionEnteredAt: null,
    projectId: null,
    historyMode: f.historyMode ?? "legacy",
    modelProvider: f.modelProvider,
    model: f.model,
    reasoningEffort: f.reasoningEffort,
    createdAt: f.createdAt,
    updatedAt: f.updatedAt,
    recencyAt: f.updatedAt,
    status: f.status,
    path: f.path,
    cwd: f.cwd,
    cliVersion: f.cliVersion,
    originator: f.originator,
    source: "vscode",
    canAcceptDirectInput: true,
    threadSource: f.threadSource ?? null,
    agentNickname: null,
    agentRole: null,
    gitInfo: null,
    name: null,
    daybreakEnabled: null,
    turns: f.turns,
  };
}

/** The settings part of `thread/start` / `thread/resume` responses (after `thread`), in 0.166.0's order. */
export function settingsFields(s: ThreadSettings0166, runtimeWorkspaceRoots: string[] = [s.cwd]) {
  return {
    model: s.model,
    modelProvider: s.modelProvider,
    serviceTier: s.serviceTier ?? null,
    disabledPluginIds: s.disabledPluginIds ?? [],
    cwd: s.cwd,
    runtimeWorkspaceRoots,
    instructionSources: [],
    approvalPolicy: s.approvalPolicy,
    approvalsReviewer: s.approvalsReviewer,
    sandbox: s.sandboxPolicy,
    activePermissionProfile: s.activePermissionProfile ?? null,
    reasoningEffort: s.effort ?? null,
  };
}
