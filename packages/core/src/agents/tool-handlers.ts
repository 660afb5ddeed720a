import type { AgentRoleConfig } from "@codex-ts/config-loader";
import { uuidV7 } from "../conversation/ids.js";
import type { InputItem } from "../conversation/op.js";
import type { ToolContext, ToolHandler } from "../conversation/tools/context.js";
import { parseAgentId } from "./agent-id.js";
import { CollabCall } from "./collab-item.js";
import type { AgentControl } from "./control.js";
import { DEPTH_LIMIT_REACHED, notFound, THREAD_LIMIT_REACHED } from "./limits.js";
import { subagentNotification } from "./notification.js";
import { findRole, type ResolvedRole, roleSettings } from "./roles.js";
import { type AgentStatus, statusJson } from "./status.js";

type Args = Record<string, unknown>;

/** 0.166.0's bounds of `wait_agent`'s `timeout_ms` (ms). */
const WAIT_DEFAULT_MS = 30_000;
const WAIT_MIN_MS = 10_000;
const WAIT_MAX_MS = 3_600_000;

const MISSING_INPUT = "Provide one of: message or items";

/**
 * A call's task as input items (`message`, else `items`: text, image and local image entries) and as the prompt its
 * item shows; null when it gives neither.
 */
function taskInput(args: Args): { items: InputItem[]; prompt: string } | null {
  if (typeof args.message === "string" && args.message !== "")
    return { items: [{ type: "text", data: { text: args.message } }], prompt: args.message };
  if (!Array.isArray(args.items)) return null;
  const items: InputItem[] = [];
  for (const raw of args.items as Args[]) {
    if (raw?.type === "text" && typeof raw.text === "string")
      items.push({ type: "text", data: { text: raw.text } });
    else if (raw?.type === "image" && typeof raw.image_url === "string")
      items.push({ type: "image", data: { image_url: raw.image_url } });
    else if (raw?.type === "local_image" && typeof raw.path === "string")
      items.push({ type: "localImage", data: { path: raw.path } });
  }
  if (items.length === 0) return null;
  const prompt = items.map((i) => (i.type === "text" ? i.data.text : "")).join("\n");
  return { items, prompt };
}

const json = (value: unknown) => JSON.stringify(value);
const one = (id: string, status: AgentStatus) => new Map([[id, status]]);

/** Runs `body` between the call's item start and end events; `body` returns the item's end and the output. */
async function withItem(
  ctx: ToolContext,
  call: CollabCall,
  body: () => Promise<{ item: ReturnType<CollabCall["ended"]>; output: string }>,
): Promise<string> {
  ctx.notify({ type: "collab_agent_tool_call", phase: "begin", item: call.started() });
  const { item, output } = await body();
  ctx.notify({ type: "collab_agent_tool_call", phase: "end", item });
  return output;
}

function spawnAgent(agents: AgentControl): ToolHandler {
  return async (ctx, { callId, args }) => {
    const task = taskInput(args);
    if (!task) return MISSING_INPUT;
    const { registry } = agents;
    // 0.166.0 refuses a spawn past the depth limit before the call has an item.
    const depth = agents.depth + 1;
    if (depth > registry.limits.maxDepth) return DEPTH_LIMIT_REACHED;
    // A role (`agent_type`) whose config file sets the model or effort fixes them, whatever the call asks.
    const role = spawnRole(registry.limits.roles, args.agent_type);
    if (typeof role === "string") return role;
    const asked =
      role?.settings.model ?? (typeof args.model === "string" && args.model !== "" ? args.model : null);
    const askedEffort =
      role?.settings.reasoningEffort ??
      (typeof args.reasoning_effort === "string" ? args.reasoning_effort : null);
    // What the call names, else `[agents] default_subagent_model` / `default_subagent_reasoning_effort`.
    const model = asked ?? registry.limits.defaultModel;
    const effortArg = askedEffort ?? registry.limits.defaultEffort;
    // What the call asked for, as 0.166.0 shows it (its default effort, medium, when none was asked for).
    const effort = askedEffort ?? "medium";
    const call = new CollabCall(callId, "spawnAgent", agents.threadId, {
      prompt: task.prompt,
      model: asked ?? "",
      reasoningEffort: effort,
    });
    return withItem(ctx, call, async () => {
      // A model or effort the agent cannot run: 0.166.0 starts the item and never completes it; this server
      // completes it as failed, so that no client holds it open.
      // A role's own model is its config's, not checked against the model list (0.166.0 runs it as configured).
      const refused = role?.settings.model
        ? null
        : registry.host.refuseSpawn(agents.threadId, model, effortArg);
      if (refused !== null) return { item: call.ended("failed", new Map()), output: refused };
      if (!registry.hasRoom()) return { item: call.ended("failed", new Map()), output: THREAD_LIMIT_REACHED };
      const nickname = registry.nextNickname();
      try {
        const spawned = await registry.host.open({
          parentThreadId: agents.threadId,
          depth,
          nickname,
          model,
          reasoningEffort: effortArg,
          role: role
            ? { name: role.name, developerInstructions: role.settings.developerInstructions ?? null }
            : null,
        });
        registry.add({ threadId: spawned.threadId, parentThreadId: agents.threadId, depth, nickname });
        tellParentWhenDone(agents, spawned.threadId);
        await registry.host.send(spawned.threadId, task.items, false);
        return {
          item: call.ended("completed", one(spawned.threadId, { kind: "pending_init" }), {
            receiverThreadIds: [spawned.threadId],
            model: spawned.model,
            reasoningEffort: spawned.reasoningEffort ?? effort,
          }),
          output: json({ agent_id: spawned.threadId, nickname }),
        };
      } catch (err) {
        return {
          item: call.ended("failed", new Map()),
          output: `collab spawn failed: ${(err as Error).message}`,
        };
      }
    });
  };
}

function sendInput(agents: AgentControl): ToolHandler {
  return async (ctx, { callId, args }) => {
    const target = parseAgentId(String(args.target ?? ""));
    if ("error" in target) return target.error;
    const task = taskInput(args);
    if (!task) return MISSING_INPUT;
    const call = new CollabCall(callId, "sendInput", agents.threadId, {
      receivers: [target.id],
      prompt: task.prompt,
    });
    return withItem(ctx, call, async () => {
      const entry = agents.registry.get(target.id);
      if (!entry)
        return {
          item: call.ended("failed", one(target.id, { kind: "not_found" })),
          output: notFound(target.id),
        };
      const previous = entry.status;
      await agents.registry.host.send(target.id, task.items, args.interrupt === true);
      return {
        item: call.ended("completed", one(target.id, previous)),
        output: json({ submission_id: uuidV7() }),
      };
    });
  };
}

function resumeAgent(agents: AgentControl): ToolHandler {
  return async (ctx, { callId, args }) => {
    const target = parseAgentId(String(args.id ?? ""));
    if ("error" in target) return target.error;
    const call = new CollabCall(callId, "resumeAgent", agents.threadId, { receivers: [target.id] });
    return withItem(ctx, call, async () => {
      const { registry } = agents;
      const open = registry.get(target.id);
      if (open)
        return {
          item: call.ended("completed", one(target.id, open.status)),
          output: json({ status: statusJson(open.status) }),
        };
      const closed = registry.closedEntry(target.id);
      if (!closed)
        return {
          item: call.ended("failed", one(target.id, { kind: "not_found" })),
          output: notFound(target.id),
        };
      if (!registry.hasRoom()) return { item: call.ended("failed", new Map()), output: THREAD_LIMIT_REACHED };
      if (!(await registry.host.resume(target.id)))
        return {
          item: call.ended("failed", one(target.id, { kind: "not_found" })),
          output: notFound(target.id),
        };
      const entry = registry.add(closed);
      tellParentWhenDone(agents, target.id);
      return {
        item: call.ended("completed", one(target.id, entry.status)),
        output: json({ status: statusJson(entry.status) }),
      };
    });
  };
}

function waitAgent(agents: AgentControl): ToolHandler {
  return async (ctx, { callId, args }) => {
    const raw = Array.isArray(args.targets) ? args.targets : [];
    if (raw.length === 0) return "agent ids must be non-empty";
    const ids: string[] = [];
    for (const r of raw) {
      const parsed = parseAgentId(String(r));
      if ("error" in parsed) return parsed.error;
      ids.push(parsed.id);
    }
    const asked = typeof args.timeout_ms === "number" ? args.timeout_ms : WAIT_DEFAULT_MS;
    if (asked <= 0) return "timeout_ms must be greater than zero";
    const timeoutMs = Math.min(WAIT_MAX_MS, Math.max(WAIT_MIN_MS, asked));
    const call = new CollabCall(callId, "wait", agents.threadId, { receivers: ids });
    return withItem(ctx, call, async () => {
      const { statuses, timedOut } = await agents.registry.waitAny(ids, timeoutMs, ctx.signal);
      const status: Record<string, unknown> = {};
      for (const [id, s] of statuses) status[id] = statusJson(s);
      // A wait that found only unknown (or closed) agents failed, as 0.166.0 reports it.
      const failed = statuses.size > 0 && [...statuses.values()].every((s) => s.kind === "not_found");
      return {
        item: call.ended(failed ? "failed" : "completed", statuses),
        output: json({ status, timed_out: timedOut }),
      };
    });
  };
}

function closeAgent(agents: AgentControl): ToolHandler {
  return async (ctx, { callId, args }) => {
    const target = parseAgentId(String(args.target ?? ""));
    if ("error" in target) return target.error;
    const call = new CollabCall(callId, "closeAgent", agents.threadId, { receivers: [target.id] });
    return withItem(ctx, call, async () => {
      const { registry } = agents;
      const entry = registry.get(target.id);
      if (!entry)
        return {
          item: call.ended("failed", one(target.id, { kind: "not_found" })),
          output: notFound(target.id),
        };
      const previous = entry.status;
      await closeWithDescendants(agents, target.id);
      return {
        item: call.ended("completed", one(target.id, previous)),
        output: json({ previous_status: statusJson(previous) }),
      };
    });
  };
}

/** Once agent `threadId` first reaches a final status, its parent's history gets 0.166.0's notification. */
function tellParentWhenDone(agents: AgentControl, threadId: string): void {
  agents.registry.watchCompletion(threadId, (status) =>
    agents.registry.host.inject(agents.threadId, subagentNotification(threadId, status)),
  );
}

/** Closes an agent and every open agent it spawned, deepest first. */
async function closeWithDescendants(agents: AgentControl, threadId: string): Promise<void> {
  const { registry } = agents;
  for (const id of registry.openIds())
    if (registry.get(id)?.parentThreadId === threadId) await closeWithDescendants(agents, id);
  await registry.host.close(threadId).catch(() => undefined);
  registry.markClosed(threadId);
}

/** The multi-agent tools' handlers by name, for the thread `agents` describes. */
export function agentToolHandlers(agents: AgentControl): ReadonlyMap<string, ToolHandler> {
  return new Map([
    ["spawn_agent", spawnAgent(agents)],
    ["send_input", sendInput(agents)],
    ["resume_agent", resumeAgent(agents)],
    ["wait_agent", waitAgent(agents)],
    ["close_agent", closeAgent(agents)],
  ]);
}

/**
 * The role a spawn names (`agent_type`): null when it names none; the refusal (in 0.166.0's words) for a role that
 * does not exist or whose config file cannot be read.
 */
function spawnRole(roles: Record<string, AgentRoleConfig>, raw: unknown): ResolvedRole | null | string {
  if (typeof raw !== "string" || raw === "") return null;
  const role = findRole(roles, raw);
  if (!role) return `unknown agent_type '${raw}'`;
  try {
    return { name: raw, settings: roleSettings(role) };
  } catch {
    return "agent type is currently not available";
  }
}
