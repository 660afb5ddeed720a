import type { gen0166 } from "@codex-ts/app-server-protocol";
import {
  type AgentControl,
  type AgentLimits,
  AgentRegistry,
  type AgentThreadHost,
  agentLimits,
  type ConversationIdentity,
  type CoreEvent,
  type InputItem,
  type ResponseItemJson,
  type SpawnedThread,
  type SpawnRequest,
} from "@codex-ts/core";
import type { OpenedConversation } from "../conversations.js";
import type { ConversationRuntime } from "../runtime.js";
import type { LoadedThread } from "./loaded-thread.js";
import type { ThreadRegistry } from "./registry.js";
import { sessionSettings0166, type ThreadSkillCatalog } from "./session-settings.js";
import { initialThreadSettings } from "./settings.js";
import { refuseSpawn0166 } from "./spawn-models.js";

/** What the sub-agent host opens agent threads with: the connection's threads, runtime and identity. */
export interface SubAgentServices {
  registry: ThreadRegistry;
  runtime: ConversationRuntime;
  cliVersion: string;
  identity(): ConversationIdentity;
  skills?: ThreadSkillCatalog | undefined;
}

/** A core sandbox policy of the parent's settings as the sandbox mode a new thread is started with. */
function sandboxMode(policy: gen0166.SandboxPolicy): gen0166.SandboxMode {
  if (policy.type === "dangerFullAccess") return "danger-full-access";
  if (policy.type === "readOnly") return "read-only";
  return "workspace-write";
}

/**
 * Runs the agent threads a root thread's multi-agent tools spawn (core agents/), as 0.166.0 runs them: each is a
 * thread of its own with its own rollout (session_meta source `{subagent: {thread_spawn: {parent_thread_id, depth,
 * agent_nickname, …}}}`, thread_source `subagent`), started with its parent's current settings (cwd, model,
 * approval policy, sandbox) unless the spawn names another model or effort, and followed by the connection like
 * any loaded thread (its status, turns and items; no `thread/started`, as 0.166.0 announces none). Its progress
 * feeds the registry's statuses (`wait_agent`); closing one unloads it (`thread/status/changed notLoaded`).
 */
export class SubAgentHost implements AgentThreadHost {
  readonly agents: AgentRegistry;
  /** Unsubscribes from each open agent thread's events. */
  private readonly following = new Map<string, () => void>();

  constructor(
    private readonly s: SubAgentServices,
    limits: AgentLimits,
  ) {
    this.agents = new AgentRegistry(this, limits);
  }

  /** The root thread's own place among its agents. */
  rootControl(threadId: string): AgentControl {
    return { registry: this.agents, threadId, depth: 0 };
  }

  refuseSpawn(parentThreadId: string, model: string | null, effort: string | null): string | null {
    return refuseSpawn0166(
      model ?? this.s.registry.get(parentThreadId)?.settings.model ?? null,
      model,
      effort,
    );
  }

  async open(request: SpawnRequest): Promise<SpawnedThread> {
    const parent = this.s.registry.get(request.parentThreadId);
    if (!parent) throw new Error(`parent thread ${request.parentThreadId} is not loaded`);
    const ps = parent.settings;
    const params: gen0166.ThreadStartParams = {
      cwd: ps.cwd,
      model: request.model ?? ps.model,
      modelProvider: ps.modelProvider,
      approvalPolicy: ps.approvalPolicy,
      sandbox: sandboxMode(ps.sandboxPolicy),
      // The role's developer instructions (its config file's), besides the effort asked for.
      config: spawnConfig(request),
    };
    const settings = sessionSettings0166(params, this.s.skills, this.s.identity());
    const source = {
      subagent: {
        thread_spawn: {
          parent_thread_id: request.parentThreadId,
          depth: request.depth,
          agent_path: null,
          agent_nickname: request.nickname,
          agent_role: request.role?.name ?? null,
        },
      },
    };
    const opened = await this.s.runtime.open({
      ...settings,
      sessionMeta: { source, threadSource: "subagent" },
    });
    const thread = this.register(opened, {
      depth: request.depth,
      settings: initialThreadSettings(opened.settings, opened.modelProvider, {}),
    });
    return {
      threadId: thread.id,
      model: opened.settings.model,
      reasoningEffort: opened.settings.effort ?? null,
    };
  }

  async send(threadId: string, items: InputItem[], interrupt: boolean): Promise<void> {
    const thread = this.s.registry.get(threadId);
    if (!thread) throw new Error(`agent thread ${threadId} is not loaded`);
    const active = thread.currentTask();
    if (active && interrupt) {
      const ended = thread.untilAborted();
      await thread.conversation.submit({ type: "interrupt" });
      await ended;
    }
    // Queued behind a running turn (the conversation runs its submissions in order), as 0.166.0 queues input.
    await thread.startUserTurn(items);
  }

  inject(threadId: string, item: ResponseItemJson): void {
    const thread = this.s.registry.get(threadId);
    // A parent that is gone (unloaded) has no history to add to.
    if (!thread) return;
    void thread.conversation.submit({ type: "inject_items", items: [item] }).catch(() => undefined);
  }

  async close(threadId: string): Promise<void> {
    const thread = this.s.registry.get(threadId);
    this.following.get(threadId)?.();
    this.following.delete(threadId);
    if (!thread) return;
    if (thread.currentTask()) await thread.conversation.submit({ type: "interrupt" }).catch(() => undefined);
    this.s.registry.remove(threadId);
    thread.send({ method: "thread/status/changed", params: { threadId, status: { type: "notLoaded" } } });
    await this.s.runtime.remove?.(threadId);
  }

  async resume(threadId: string): Promise<boolean> {
    const { sessions, resume } = this.s.runtime;
    const entry = this.agents.closedEntry(threadId);
    if (!sessions || !resume || !entry) return false;
    const path = await sessions.store.findPathById(threadId);
    if (!path) return false;
    const loaded = await sessions.store.planForResume({ path });
    const parent = this.s.registry.get(entry.parentThreadId);
    const params: gen0166.ThreadResumeParams = { threadId, ...(parent ? { cwd: parent.settings.cwd } : {}) };
    const resumed = await resume.call(
      this.s.runtime,
      loaded,
      path,
      sessionSettings0166(params, this.s.skills, this.s.identity()),
    );
    this.register(resumed, {
      depth: entry.depth,
      settings: initialThreadSettings(resumed.settings, resumed.modelProvider, {}),
    });
    return true;
  }

  /** Closes every open agent (the root thread is going away). */
  async closeAll(): Promise<void> {
    for (const id of this.agents.openIds()) {
      await this.close(id).catch(() => undefined);
      this.agents.markClosed(id);
    }
  }

  /** Loads an agent thread: followed by the connection, announced idle, its events feeding its status. */
  private register(
    opened: OpenedConversation,
    o: { depth: number; settings: gen0166.ThreadSettings },
  ): LoadedThread {
    const thread = this.s.registry.add(opened, o.settings, {
      createdAt: Math.floor(Date.now() / 1000),
      preview: "",
      ephemeral: false,
      originator: this.s.identity().originator,
      cliVersion: this.s.cliVersion,
      threadSource: "subagent",
    });
    thread.conversation.useAgents({ registry: this.agents, threadId: thread.id, depth: o.depth });
    this.following.set(
      thread.id,
      opened.conversation.subscribe((e) => this.progress(thread.id, e)),
    );
    for (const n of thread.mapper.loaded()) thread.send(n);
    return thread;
  }

  /** Error messages of the running turns, until they end. */
  private readonly turnErrors = new Map<string, string>();

  /** A core event of agent `threadId` as its status: running, then completed, errored or interrupted. */
  private progress(threadId: string, e: CoreEvent): void {
    const msg = e.msg;
    switch (msg.type) {
      case "task_started":
        this.turnErrors.delete(threadId);
        this.agents.update(threadId, { kind: "running" });
        return;
      case "error":
        this.turnErrors.set(threadId, msg.message);
        return;
      case "turn_aborted":
        this.agents.update(threadId, { kind: "interrupted" });
        return;
      case "task_complete": {
        const error = this.turnErrors.get(threadId);
        this.agents.update(
          threadId,
          error !== undefined
            ? { kind: "errored", message: error }
            : { kind: "completed", message: msg.last_agent_message ?? null },
        );
        return;
      }
      default:
        return;
    }
  }
}

/**
 * Gives a root thread (started or resumed by a client; not an agent thread) the multi-agent tools, with a host of
 * its own for the agents it spawns.
 */
export function attachSubAgents(s: SubAgentServices, thread: LoadedThread): void {
  if (thread.meta.threadSource === "subagent") return;
  const limits = agentLimits(thread.conversation.agentsConfig());
  thread.conversation.useAgents(new SubAgentHost(s, limits).rootControl(thread.id));
}

/** The config a spawned agent's thread starts with: the effort asked for, its role's developer instructions. */
function spawnConfig(request: SpawnRequest): Record<string, unknown> | null {
  const config: Record<string, unknown> = {};
  if (request.reasoningEffort) config.model_reasoning_effort = request.reasoningEffort;
  if (request.role?.developerInstructions) config.developer_instructions = request.role.developerInstructions;
  return Object.keys(config).length > 0 ? config : null;
}
