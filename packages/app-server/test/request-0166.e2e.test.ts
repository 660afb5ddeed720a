import {
  CODEX_0166_BIN,
  type Message,
  responses,
  type ScriptedResponse,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { type MockServer0166, startMockServer0166 } from "./helpers/mock-server-0166.js";

/**
 * What the model provider sees of a 0.166 turn, and the command items the client sees back, on this server and
 * (where it is installed) on the native codex 0.166.0 with the same script: the reasoning block (no summary
 * unless one is configured), the tools each catalogue model is offered, the plan collaboration mode's developer
 * message, and a unified exec command's item. The README's 0.166 differences name what still differs.
 */
const suite = useAppServerSuite();
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("0.166 requests: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

type Server = MockServer0166;

const server = (impl: Impl, toml?: string): Promise<Server> =>
  startMockServer0166(suite, impl, {
    client: { name: "request-0166", version: "1.0" },
    prefix: "codex-0166-request-",
    ...(toml ? { toml } : {}),
  });

type CollaborationMode = { mode: "plan" | "default"; settings: { model: string; reasoning_effort: null } };

/** Runs one turn on `threadId` and resolves with its notifications. */
async function turn(s: Server, threadId: string, collaborationMode?: CollaborationMode): Promise<Message[]> {
  const from = s.c.messages.length;
  const { turn } = await s.c.request("turn/start", {
    threadId,
    input: [{ type: "text", text: "hi" }],
    ...(collaborationMode ? { collaborationMode } : {}),
  });
  await s.c.waitFor(
    (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turn.id,
    "turn/completed",
  );
  return s.c.messages.slice(from).filter((m) => m.method !== undefined && m.id === undefined);
}

async function thread(s: Server, model: string): Promise<string> {
  const { thread } = await s.c.request("thread/start", {
    cwd: s.root,
    model,
    approvalPolicy: "never",
    sandbox: "danger-full-access",
  });
  return thread.id;
}

const answer = (text: string): ScriptedResponse => ({
  kind: "sse",
  events: [responses.created(), ...responses.message(text), responses.completed()],
});

interface Body {
  reasoning?: Record<string, unknown>;
  parallel_tool_calls?: boolean;
  tools?: Record<string, unknown>[];
  input: { type: string; role?: string; content?: { text?: string }[] }[];
}

/** The tools this server implements; 0.166.0 also offers tool_search (README). */
const IMPLEMENTED = new Set([
  "exec_command",
  "write_stdin",
  "request_user_input",
  "apply_patch",
  "view_image",
  "get_goal",
  "create_goal",
  "update_goal",
  "web_search",
]);

/** The body of the mock's request `index` (negative: from the end). */
function bodyAt(s: Server, index: number): Body {
  const body = s.mock.requests.at(index)?.body;
  if (!body) throw new Error(`no model request at ${index}`);
  return body as Body;
}

/** A request's tools as `type:name` with the parameter names of function tools, and web_search's fields. */
function toolShape(tools: Record<string, unknown>[] | undefined): unknown {
  if (tools === undefined) return "no tools key";
  return tools
    .filter((t) => IMPLEMENTED.has(String(t.name ?? t.type)))
    .map((t) => {
      if (t.type === "function") {
        const params = t.parameters as { properties: Record<string, unknown>; required: string[] };
        return { fn: t.name, params: Object.keys(params.properties), required: params.required };
      }
      if (t.type === "web_search") return t;
      return `${t.type}:${t.name}`;
    });
}

function requestShape(body: Body) {
  return {
    reasoning: body.reasoning,
    parallelToolCalls: body.parallel_tool_calls,
    tools: toolShape(body.tools),
  };
}

const GPT_55_TOOLS = [
  {
    fn: "exec_command",
    params: [
      "cmd",
      "justification",
      "login",
      "max_output_tokens",
      "prefix_rule",
      "sandbox_permissions",
      "shell",
      "tty",
      "workdir",
      "yield_time_ms",
    ],
    required: ["cmd"],
  },
  {
    fn: "write_stdin",
    params: ["chars", "max_output_tokens", "session_id", "yield_time_ms"],
    required: ["session_id"],
  },
  { fn: "request_user_input", params: ["questions"], required: ["questions"] },
  "custom:apply_patch",
  { fn: "view_image", params: ["detail", "path"], required: ["path"] },
  { fn: "get_goal", params: [], required: [] },
  { fn: "create_goal", params: ["objective", "token_budget"], required: ["objective"] },
  { fn: "update_goal", params: ["status"], required: ["status"] },
  { type: "web_search", external_web_access: true, search_content_types: ["text", "image"] },
];

describe("the request of a 0.166 turn compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: reasoning and tools per catalogue model, summary only when configured",
    {
      timeout: 180_000,
    },
    async (impl) => {
      const seen: Record<string, unknown> = {};
      for (const [name, toml] of [
        ["unset", undefined],
        ["detailed", 'model_reasoning_summary = "detailed"'],
      ] as const) {
        const s = await server(impl, toml);
        for (const model of ["gpt-5.5", "gpt-6.1-terra", "gpt-daybreak-red-latest", "codex-auto-review"]) {
          s.mock.enqueue(answer("ok"));
          await turn(s, await thread(s, model));
          seen[`${model} ${name}`] = requestShape(bodyAt(s, -1));
        }
      }
      const none = (reasoning: Record<string, unknown>) => ({
        reasoning,
        parallelToolCalls: false,
        tools: "no tools key",
      });
      expect(seen).toEqual({
        "gpt-5.5 unset": { reasoning: { effort: "medium" }, parallelToolCalls: true, tools: GPT_55_TOOLS },
        "gpt-6.1-terra unset": none({ effort: "low", context: "all_turns" }),
        "gpt-daybreak-red-latest unset": none({ effort: "medium", context: "all_turns" }),
        "codex-auto-review unset": none({ effort: "medium", context: "all_turns" }),
        "gpt-5.5 detailed": {
          reasoning: { effort: "medium", summary: "detailed" },
          parallelToolCalls: true,
          tools: GPT_55_TOOLS,
        },
        "gpt-6.1-terra detailed": none({ effort: "low", summary: "detailed", context: "all_turns" }),
        "gpt-daybreak-red-latest detailed": none({
          effort: "medium",
          summary: "detailed",
          context: "all_turns",
        }),
        "codex-auto-review detailed": none({ effort: "medium", summary: "detailed", context: "all_turns" }),
      });
    },
  );

  it.each(IMPLS)(
    '%s: web_search = "disabled" takes web_search away from gpt-5.5',
    {
      timeout: 60_000,
    },
    async (impl) => {
      const s = await server(impl, 'web_search = "disabled"');
      s.mock.enqueue(answer("ok"));
      await turn(s, await thread(s, "gpt-5.5"));
      const tools = toolShape(bodyAt(s, -1).tools) as unknown[];
      expect(tools).toEqual(GPT_55_TOOLS.slice(0, -1));
    },
  );

  it.each(IMPLS)(
    "%s: web search is cached (no live access) unless configured live or the turn has no sandbox",
    {
      timeout: 180_000,
    },
    async (impl) => {
      const seen: string[] = [];
      for (const setting of [null, "live", "cached", "disabled"] as const) {
        const s = await server(impl, setting ? `web_search = "${setting}"` : undefined);
        for (const sandbox of ["read-only", "workspace-write", "danger-full-access"] as const) {
          const { thread } = await s.c.request("thread/start", { cwd: s.root, model: "gpt-5.5", sandbox });
          s.mock.enqueue(answer("ok"));
          await turn(s, thread.id);
          const search = bodyAt(s, -1).tools?.find((t) => t.type === "web_search") as
            | { external_web_access?: boolean }
            | undefined;
          seen.push(
            `${setting ?? "unset"} ${sandbox}: ${search ? (search.external_web_access ? "live" : "cached") : "none"}`,
          );
        }
        await s.c.close();
      }
      expect(seen).toEqual([
        "unset read-only: cached",
        "unset workspace-write: cached",
        "unset danger-full-access: live",
        "live read-only: live",
        "live workspace-write: live",
        "live danger-full-access: live",
        "cached read-only: cached",
        "cached workspace-write: cached",
        "cached danger-full-access: live",
        "disabled read-only: none",
        "disabled workspace-write: none",
        "disabled danger-full-access: none",
      ]);
    },
  );

  it.each(IMPLS)(
    "%s: plan mode adds a <collaboration_mode> developer message with the <proposed_plan> rules; leaving it, another",
    {
      timeout: 120_000,
    },
    async (impl) => {
      const s = await server(impl);
      const threadId = await thread(s, "gpt-5.5");
      const plan: CollaborationMode = {
        mode: "plan",
        settings: { model: "gpt-5.5", reasoning_effort: null },
      };
      s.mock.enqueue(answer("first"), answer("second"), answer("third"));
      await turn(s, threadId, plan);
      await turn(s, threadId, plan);
      await turn(s, threadId, { mode: "default", settings: { model: "gpt-5.5", reasoning_effort: null } });
      const modeMessages = s.mock.requests.map((r) =>
        (r.body as Body).input.flatMap((i) =>
          i.role === "developer"
            ? (i.content ?? []).map((c) => c.text ?? "").filter((t) => t.startsWith("<collaboration_mode>"))
            : [],
        ),
      );
      // Sent once, before the first plan-mode turn's input; the second turn's request carries the same history;
      // leaving plan mode adds the default mode's message before the next input.
      expect(modeMessages.map((m) => m.length)).toEqual([1, 1, 2]);
      const third = bodyAt(s, 2).input;
      expect(third.at(-2)?.content?.[0]?.text).toBe(modeMessages[2]?.[1]);
      expect(third.at(-1)?.content?.[0]?.text).toBe("hi");
      const text = modeMessages[0]?.[0] ?? "";
      expect(text.endsWith("</collaboration_mode>")).toBe(true);
      expect(text).toContain("<proposed_plan>");
      expect(text).toContain("</proposed_plan>");
      const input = bodyAt(s, 0).input;
      const at = input.findIndex((i) => i.role === "developer" && i.content?.[0]?.text === text);
      expect(input[input.length - 1]?.content?.[0]?.text).toBe("hi");
      expect(at).toBeLessThan(input.length - 1);
      if (impl === "ours") expect(text).toContain("plan mode");
    },
  );
});

/** The command items of a turn, with what varies by run (pid, cwd, times) made comparable. */
function commandItems(notes: Message[], root: string): unknown[] {
  return notes
    .filter((m) => m.method === "item/started" || m.method === "item/completed")
    .map((m) => [m.method, (m.params as { item: Record<string, unknown> }).item] as const)
    .filter(([, item]) => item.type === "commandExecution")
    .map(([method, item]) => [
      method,
      {
        ...item,
        cwd: item.cwd === root ? "<root>" : item.cwd,
        processId: /^\d+$/.test(String(item.processId)) ? "<pid>" : item.processId,
        durationMs: item.durationMs === null ? null : "<ms>",
        startedAtMs: "<ms>",
        completedAtMs: item.completedAtMs === null ? null : "<ms>",
      },
    ]);
}

describe("a unified exec command's item compared with codex 0.166.0", () => {
  it.each(IMPLS)(
    "%s: shell argv, process id and unifiedExecStartup; the output as run on pipes",
    {
      timeout: 120_000,
    },
    async (impl) => {
      const s = await server(impl);
      s.mock.enqueue(
        {
          kind: "sse",
          events: [
            responses.created(),
            ...responses.functionCall("exec_command", { cmd: "echo hi", login: false }, "call_echo"),
            responses.completed(),
          ],
        },
        answer("done"),
      );
      // Not a login shell: what the user's profile prints (and how long it takes) is no part of the comparison; nor
      // does bash read ~/.bashrc for a command on pipes (Node's are sockets: see the core's spawnPipes).
      const notes = await turn(s, await thread(s, "gpt-5.5"));
      const item = (status: string, more: Record<string, unknown>) => ({
        type: "commandExecution",
        id: "call_echo",
        pluginId: null,
        scriptPath: null,
        command: "/bin/bash -c 'echo hi'",
        cwd: "<root>",
        processId: "<pid>",
        source: "unifiedExecStartup",
        status,
        commandActions: [{ type: "unknown", command: "echo hi" }],
        aggregatedOutput: null,
        exitCode: null,
        durationMs: null,
        startedAtMs: "<ms>",
        completedAtMs: null,
        ...more,
      });
      expect(commandItems(notes, s.root)).toEqual([
        ["item/started", item("inProgress", {})],
        [
          "item/completed",
          item("completed", {
            aggregatedOutput: "hi\n",
            exitCode: 0,
            durationMs: "<ms>",
            completedAtMs: "<ms>",
          }),
        ],
      ]);
      // The model is told the command ended (0.166.0's first yield waits for it).
      const outputs = bodyAt(s, 1).input.filter((i) => i.type === "function_call_output");
      expect((outputs.at(-1) as { output?: string } | undefined)?.output).toMatch(
        /\nProcess exited with code 0\n/,
      );
    },
  );
});
