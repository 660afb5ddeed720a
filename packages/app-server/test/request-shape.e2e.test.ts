import fs from "node:fs/promises";
import { fileURLToPath } from "node:url";
import {
  type Message,
  REFERENCE_CODEX_BIN,
  responses,
  type SseEvent,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

/**
 * The first request body of a turn for each model family and for the flags that change it, through the built
 * `codex app-server` (v1 newConversation + sendUserMessage) and, when the real Codex 0.58.0 binary is installed,
 * compared with what it sends for the same config: top-level keys in order, the tools (types, names, order,
 * parameter schemas; descriptions and the apply_patch grammar are our own wording, so only their presence counts),
 * tool_choice, parallel_tool_calls, reasoning, store, stream, include, text, prompt_cache_key, and whether the
 * family's prompt gets apply_patch instructions appended. Also how calls to tools that were not offered are answered.
 */
const suite = useAppServerSuite();

const reference = REFERENCE_CODEX_BIN;
if (!reference) console.warn("skipping the comparison with the real codex 0.58.0: binary not found");

type Json = Record<string, unknown>;
type Impl = "ours" | "real";

/** One configuration to observe: the model, config.toml lines and extra newConversation params. */
interface Case {
  model: string;
  toml?: string;
  params?: Json;
}

/** Base-prompt markers of the appended apply_patch instructions: our heading, and 0.58.0's. */
const OUR_APPLY_PATCH_HEADING = "\n## Editing files\n";
const THEIR_APPLY_PATCH_HEADING = "\n## `apply_patch`\n";

/** Runs one v1 turn; returns the request bodies it caused, the conversation id and the v1 events. */
async function observe(impl: Impl, c: Case, script: ReturnType<typeof responses.turn>[] = []) {
  const home = await suite.home({ model: c.model, toml: c.toml ?? "", prefix: "codex-shape-" });
  const cwd = await suite.workdir("codex-shape-work-");
  const client = await suite.start({ bin: impl === "ours" ? "ours" : "reference", home });
  const mock = suite.mock;
  const first = mock.requests.length;
  mock.enqueue(...script);
  const { conversationId } = await client.request("newConversation", {
    cwd,
    approvalPolicy: "never",
    sandbox: "danger-full-access",
    ...c.params,
  });
  await client.request("addConversationListener", { conversationId });
  await client.request("sendUserMessage", {
    conversationId,
    items: [{ type: "text", data: { text: "go" } }],
  });
  await client.waitFor((m: Message) => m.method === "codex/event/task_complete", "task_complete");
  await client.close();
  const bodies = mock.requests.slice(first).map((r) => r.body as Json);
  return { bodies, conversationId, cwd, messages: client.messages };
}

/** Descriptions and the grammar are our own wording: only whether they are there is compared. */
function normalizeTool(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => normalizeTool(v));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeTool(v, k)]));
  if ((key === "description" || key === "definition") && typeof value === "string") return `<${key}>`;
  return value;
}

/** What is compared of a first request body. */
function shape(impl: Impl, body: Json, conversationId: string) {
  const { instructions, input, tools, prompt_cache_key, ...rest } = body;
  const heading = impl === "ours" ? OUR_APPLY_PATCH_HEADING : THEIR_APPLY_PATCH_HEADING;
  return {
    keys: Object.keys(body),
    tools: (tools as Json[]).map((t) => normalizeTool(t)),
    ...rest,
    cacheKeyIsConversationId: prompt_cache_key === conversationId,
    applyPatchInstructions: String(instructions).includes(heading),
    inputIsArray: Array.isArray(input),
  };
}

const toolNames = (s: { tools: unknown[] }) =>
  s.tools.map((t) => `${(t as Json).type}:${(t as Json).name ?? ""}`).join(" ");

/**
 * The cases, each with what 0.58.0 was seen to send (tool list, reasoning, text, whether apply_patch instructions
 * are appended); ours is checked against this table always, and against the real binary when it is installed.
 */
const RESOURCES =
  "function:list_mcp_resources function:list_mcp_resource_templates function:read_mcp_resource";
const BASE = `function:shell ${RESOURCES} function:update_plan`;
const UNIFIED_EXEC = "function:exec_command function:write_stdin";
const VIEW = "function:view_image";
const FREEFORM = "custom:apply_patch";
const DEFAULT_REASONING = { reasoning: { summary: "auto" }, include: ["reasoning.encrypted_content"] };
const NO_REASONING = { reasoning: null, include: [] };
const CASES: [string, Case, { tools: string; body: Json; instructions: boolean }][] = [
  [
    "gpt-5-codex",
    { model: "gpt-5-codex" },
    { tools: `${BASE} ${FREEFORM} ${VIEW}`, body: DEFAULT_REASONING, instructions: false },
  ],
  [
    "gpt-5.1-codex",
    { model: "gpt-5.1-codex" },
    { tools: `${BASE} ${FREEFORM} ${VIEW}`, body: DEFAULT_REASONING, instructions: false },
  ],
  ["gpt-5", { model: "gpt-5" }, { tools: `${BASE} ${VIEW}`, body: DEFAULT_REASONING, instructions: true }],
  [
    "gpt-5.1 (default effort medium, verbosity low)",
    { model: "gpt-5.1" },
    {
      tools: `${BASE} ${FREEFORM} ${VIEW}`,
      body: {
        reasoning: { effort: "medium", summary: "auto" },
        include: ["reasoning.encrypted_content"],
        text: { verbosity: "low" },
      },
      instructions: false,
    },
  ],
  ["o3", { model: "o3" }, { tools: `${BASE} ${VIEW}`, body: DEFAULT_REASONING, instructions: true }],
  [
    "gpt-4.1 (no reasoning, even with an effort configured)",
    { model: "gpt-4.1", toml: 'model_reasoning_effort = "high"' },
    { tools: `${BASE} ${VIEW}`, body: NO_REASONING, instructions: true },
  ],
  [
    "o4-mini",
    { model: "o4-mini" },
    { tools: `${BASE} ${VIEW}`, body: DEFAULT_REASONING, instructions: true },
  ],
  ["gpt-4o", { model: "gpt-4o" }, { tools: `${BASE} ${VIEW}`, body: NO_REASONING, instructions: true }],
  [
    "codex-mini-latest (local_shell)",
    { model: "codex-mini-latest" },
    {
      tools: `local_shell: ${RESOURCES} function:update_plan ${VIEW}`,
      body: DEFAULT_REASONING,
      instructions: true,
    },
  ],
  [
    "an unknown model",
    { model: "my-local-model" },
    { tools: `${BASE} ${VIEW}`, body: NO_REASONING, instructions: false },
  ],
  [
    "an unknown model with model_supports_reasoning_summaries",
    {
      model: "my-local-model",
      toml: 'model_supports_reasoning_summaries = true\nmodel_reasoning_effort = "low"',
    },
    {
      tools: `${BASE} ${VIEW}`,
      body: { reasoning: { effort: "low", summary: "auto" }, include: ["reasoning.encrypted_content"] },
      instructions: false,
    },
  ],
  [
    "gpt-4.1 ignores model_supports_reasoning_summaries",
    { model: "gpt-4.1", toml: "model_supports_reasoning_summaries = true" },
    { tools: `${BASE} ${VIEW}`, body: NO_REASONING, instructions: true },
  ],
  [
    "gpt-oss (function apply_patch)",
    { model: "gpt-oss-20b" },
    { tools: `${BASE} function:apply_patch ${VIEW}`, body: NO_REASONING, instructions: false },
  ],
  [
    "o3 with newConversation includeApplyPatchTool",
    { model: "o3", params: { includeApplyPatchTool: true } },
    { tools: `${BASE} ${FREEFORM} ${VIEW}`, body: DEFAULT_REASONING, instructions: false },
  ],
  [
    "o3 with include_apply_patch_tool in config.toml (no effect)",
    { model: "o3", toml: "include_apply_patch_tool = true" },
    { tools: `${BASE} ${VIEW}`, body: DEFAULT_REASONING, instructions: true },
  ],
  [
    "an unknown model with [features] apply_patch_freeform",
    { model: "my-local-model", toml: "[features]\napply_patch_freeform = true" },
    { tools: `${BASE} ${FREEFORM} ${VIEW}`, body: NO_REASONING, instructions: false },
  ],
  [
    "gpt-5-codex with [tools] web_search",
    { model: "gpt-5-codex", toml: "[tools]\nweb_search = true" },
    {
      tools: `${BASE} ${FREEFORM} web_search: ${VIEW}`,
      body: DEFAULT_REASONING,
      instructions: false,
    },
  ],
  [
    "o3 with [tools] view_image = false",
    { model: "o3", toml: "[tools]\nview_image = false" },
    { tools: BASE, body: DEFAULT_REASONING, instructions: true },
  ],
  [
    "gpt-5 with model_verbosity and an effort",
    { model: "gpt-5", toml: 'model_verbosity = "high"\nmodel_reasoning_effort = "high"' },
    {
      tools: `${BASE} ${VIEW}`,
      body: {
        reasoning: { effort: "high", summary: "auto" },
        include: ["reasoning.encrypted_content"],
        text: { verbosity: "high" },
      },
      instructions: true,
    },
  ],
  [
    "gpt-5-codex with [features] shell_command_tool",
    { model: "gpt-5-codex", toml: "[features]\nshell_command_tool = true" },
    {
      tools: `function:shell_command ${RESOURCES} function:update_plan ${FREEFORM} ${VIEW}`,
      body: DEFAULT_REASONING,
      instructions: false,
    },
  ],
  [
    "gpt-5-codex with [features] unified_exec",
    { model: "gpt-5-codex", toml: "[features]\nunified_exec = true" },
    {
      tools: `${UNIFIED_EXEC} ${RESOURCES} function:update_plan ${FREEFORM} ${VIEW}`,
      body: DEFAULT_REASONING,
      instructions: false,
    },
  ],
  [
    "codex-mini-latest with unified_exec (in place of local_shell)",
    { model: "codex-mini-latest", toml: "[features]\nunified_exec = true" },
    {
      tools: `${UNIFIED_EXEC} ${RESOURCES} function:update_plan ${VIEW}`,
      body: DEFAULT_REASONING,
      instructions: true,
    },
  ],
  [
    "o3 with unified_exec and shell_command_tool (unified exec wins)",
    { model: "o3", toml: "experimental_use_unified_exec_tool = true\n[features]\nshell_command_tool = true" },
    {
      tools: `${UNIFIED_EXEC} ${RESOURCES} function:update_plan ${VIEW}`,
      body: DEFAULT_REASONING,
      instructions: true,
    },
  ],
  [
    "gpt-5-codex ignores model_verbosity",
    { model: "gpt-5-codex", toml: 'model_verbosity = "high"' },
    { tools: `${BASE} ${FREEFORM} ${VIEW}`, body: DEFAULT_REASONING, instructions: false },
  ],
];

describe("the first request body per model family and flag", () => {
  for (const [title, c, expected] of CASES) {
    it(title, { timeout: 60_000 }, async () => {
      const ours = await observe("ours", c);
      const mine = shape("ours", ours.bodies[0] as Json, ours.conversationId);
      expect(toolNames(mine)).toBe(expected.tools);
      expect(mine).toMatchObject({
        tool_choice: "auto",
        parallel_tool_calls: false,
        store: false,
        stream: true,
        cacheKeyIsConversationId: true,
        applyPatchInstructions: expected.instructions,
        ...expected.body,
      });
      if (!("text" in expected.body)) expect(mine).not.toHaveProperty("text");
      if (!reference) return;
      const real = await observe("real", c);
      expect(mine).toEqual(shape("real", real.bodies[0] as Json, real.conversationId));
    });
  }
});

/** A codex-mini-latest `local_shell_call` item (no builder in test-support). */
function localShellCall(command: string[], callId: string): SseEvent[] {
  const item = {
    type: "local_shell_call",
    id: `lsh_${callId}`,
    call_id: callId,
    status: "completed",
    action: { type: "exec", command, env: {} },
  };
  return [{ event: "response.output_item.done", data: { type: "response.output_item.done", item } }];
}

const PATCH = (file: string) => `*** Begin Patch\n*** Add File: ${file}\n+hi\n*** End Patch`;

/** Calls answered per case: the call ids and a script making them one request at a time. */
const CALL_CASES: [string, Case, [string, SseEvent[]][]][] = [
  [
    "o3 without view_image: apply_patch in both forms, view_image and an unknown custom tool are refused; shell_command runs",
    { model: "o3", toml: "[tools]\nview_image = false" },
    [
      ["c_custom", responses.customToolCall("apply_patch", PATCH("custom.txt"), "c_custom")],
      ["c_func", responses.functionCall("apply_patch", { input: PATCH("func.txt") }, "c_func")],
      ["c_view", responses.functionCall("view_image", { path: "x.png" }, "c_view")],
      ["c_other", responses.customToolCall("no_such_tool", "x", "c_other")],
      ["c_shcmd", responses.functionCall("shell_command", { command: "echo hi" }, "c_shcmd")],
    ],
  ],
  [
    "gpt-oss (function apply_patch offered): a custom apply_patch call runs",
    { model: "gpt-oss-20b" },
    [["c_custom", responses.customToolCall("apply_patch", PATCH("custom.txt"), "c_custom")]],
  ],
  [
    "shell_command_tool: a script runs in the user's login shell; shell calls still run",
    { model: "gpt-5-codex", toml: "[features]\nshell_command_tool = true" },
    [
      ["c_script", responses.functionCall("shell_command", { command: "echo hi && echo $0" }, "c_script")],
      ["c_shell", responses.functionCall("shell", { command: ["echo", "x"] }, "c_shell")],
    ],
  ],
  [
    "without unified_exec: exec_command and write_stdin are refused",
    { model: "gpt-5-codex" },
    [
      ["c_uexec", responses.functionCall("exec_command", { cmd: "echo hi > made.txt" }, "c_uexec")],
      ["c_ustdin", responses.functionCall("write_stdin", { session_id: 0, chars: "x" }, "c_ustdin")],
    ],
  ],
  [
    "codex-mini-latest: a local_shell_call runs as the shell",
    { model: "codex-mini-latest" },
    [["c_local", localShellCall(["printf", "hi"], "c_local")]],
  ],
];

describe("calls to tools that were (not) offered", () => {
  async function answers(impl: Impl, c: Case, calls: [string, SseEvent[]][]) {
    const script = [
      ...calls.map(([, events]) => responses.turn(events)),
      responses.turn(responses.message("Done.")),
    ];
    const { bodies, cwd, messages } = await observe(impl, c, script);
    // The commands as the exec begin events show them (cwd aside, which differs per run).
    const commands = messages
      .filter((m) => m.method === "codex/event/exec_command_begin")
      .map((m) => {
        const { command, parsed_cmd } = (m.params as Json).msg as Json;
        return { command, parsed_cmd };
      });
    const last = (bodies.at(-1)?.input ?? []) as Json[];
    const outputs = calls.map(([id]) => {
      const out = last.find((i) => String(i.type).endsWith("_output") && i.call_id === id);
      return {
        type: out?.type,
        output: String(out?.output)
          .replace(/"duration_seconds":[\d.]+/, '"duration_seconds":<t>')
          .replace(/Wall time: [\d.]+ seconds/, "Wall time: <t> seconds"),
      };
    });
    return { outputs, commands, files: (await fs.readdir(cwd)).sort() };
  }

  for (const [title, c, calls] of CALL_CASES) {
    it(title, { timeout: 60_000 }, async () => {
      const ours = await answers("ours", c, calls);
      if (c.model === "o3") {
        expect(ours.outputs.map((o) => o.output)).toEqual([
          "unsupported custom tool call: apply_patch",
          "unsupported call: apply_patch",
          "unsupported call: view_image",
          "unsupported custom tool call: no_such_tool",
          // shell_command runs even where it is not offered, as in 0.58.0.
          '{"output":"hi\\n","metadata":{"exit_code":0,"duration_seconds":<t>}}',
        ]);
        expect(ours.files).toEqual([]);
      } else if (c.toml?.includes("shell_command_tool")) {
        expect(ours.outputs.map((o) => o.output)).toEqual([
          `{"output":"hi\\n${process.env.SHELL || "/bin/bash"}\\n","metadata":{"exit_code":0,"duration_seconds":<t>}}`,
          "Exit code: 0\nWall time: <t> seconds\nOutput:\nx\n",
        ]);
      } else if (calls[0]?.[0] === "c_uexec") {
        expect(ours.outputs.map((o) => o.output)).toEqual([
          "unsupported call: exec_command",
          "unsupported call: write_stdin",
        ]);
        expect(ours.files).toEqual([]);
      } else if (c.model === "gpt-oss-20b") {
        expect(ours.files).toEqual(["custom.txt"]);
      } else {
        expect(ours.outputs[0]?.output).toContain("hi");
      }
      if (!reference) return;
      expect(ours).toEqual(await answers("real", c, calls));
    });
  }
});

const fixture = (name: string) => fileURLToPath(new URL(`../../core/test/fixtures/${name}`, import.meta.url));

describe("the MCP resource tools", () => {
  // `docs` serves two resources and a template; `calc` has tools only (its resources/list is an MCP error).
  const toml = [
    "[mcp_servers.docs]",
    'command = "node"',
    `args = [${JSON.stringify(fixture("docs-mcp-server.mjs"))}]`,
    "[mcp_servers.calc]",
    'command = "node"',
    `args = [${JSON.stringify(fixture("calc-mcp-server.mjs"))}]`,
  ].join("\n");
  const CALLS: [string, Json][] = [
    ["list_mcp_resources", {}],
    ["list_mcp_resource_templates", {}],
    ["list_mcp_resources", { server: "docs" }],
    ["list_mcp_resource_templates", { server: "docs" }],
    ["read_mcp_resource", { server: "docs", uri: "docs://readme" }],
    ["read_mcp_resource", { server: "docs", uri: "docs://pages/intro" }],
    ["read_mcp_resource", { server: "docs", uri: "docs://missing" }],
    ["list_mcp_resources", { server: "calc" }],
    ["list_mcp_resource_templates", { server: "calc" }],
    ["list_mcp_resources", { server: "nope" }],
    ["read_mcp_resource", { server: "nope", uri: "x://y" }],
    ["read_mcp_resource", { server: "docs" }],
    ["list_mcp_resources", { cursor: "abc" }],
  ];

  async function resourceCalls(impl: Impl) {
    const script = [
      ...CALLS.map(([tool, args], i) => responses.turn(responses.functionCall(tool, args, `c_${i}`))),
      responses.turn(responses.message("Done.")),
    ];
    const { bodies, messages } = await observe(impl, { model: "gpt-5-codex", toml }, script);
    const last = (bodies.at(-1)?.input ?? []) as Json[];
    const outputs = CALLS.map(
      (_, i) => last.find((x) => x.type === "function_call_output" && x.call_id === `c_${i}`)?.output,
    );
    const events = messages
      .filter((m) => String(m.method).startsWith("codex/event/mcp_tool_call"))
      .map((m) => ({ ...((m.params as Json).msg as Json), duration: "<d>" }));
    return { outputs, events };
  }

  it("answer list / template / read calls and their errors as 0.58.0 does", { timeout: 90_000 }, async () => {
    const ours = await resourceCalls("ours");
    expect(ours.outputs[0]).toBe(
      JSON.stringify({
        resources: [
          {
            server: "docs",
            description: "The project's read-me.",
            mimeType: "text/markdown",
            name: "readme",
            title: "Read me",
            uri: "docs://readme",
          },
          { server: "docs", mimeType: "text/plain", name: "changelog", uri: "docs://changelog" },
        ],
      }),
    );
    expect(ours.outputs[4]).toBe(
      JSON.stringify({
        server: "docs",
        uri: "docs://readme",
        contents: [{ mimeType: "text/markdown", text: "# Docs\nHello.", uri: "docs://readme" }],
      }),
    );
    expect(ours.outputs.slice(9)).toEqual([
      "resources/list failed: unknown MCP server 'nope'",
      "resources/read failed: unknown MCP server 'nope'",
      "failed to parse function arguments: missing field `uri`",
      "cursor can only be used when a server is specified",
    ]);
    // Begin and end for every call but the one whose arguments do not parse.
    expect(ours.events).toHaveLength(2 * (CALLS.length - 1));
    expect(ours.events[0]).toEqual({
      type: "mcp_tool_call_begin",
      call_id: "c_0",
      invocation: { server: "codex", tool: "list_mcp_resources", arguments: {} },
      duration: "<d>",
    });
    if (!reference) return;
    expect(ours).toEqual(await resourceCalls("real"));
  });
});
