import { fileURLToPath } from "node:url";
import {
  CODEX_0166_BIN,
  REFERENCE_CODEX_BIN,
  responses,
  type SseEvent,
  useAppServerSuite,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { mcpServersReady, startMockServer0166 } from "./helpers/mock-server-0166.js";
import { runV1Turns } from "./helpers/v1-turns.js";

/**
 * Calls to tools a turn does not have: the mock model calls, one response each, tools the request did not offer
 * (0.58.0's shell family, a made-up name, a custom call, an MCP tool of a server that is not configured, built-in
 * tools in the wrong form), and each implementation answers as its reference does — a 0.166 thread as the native
 * codex 0.166.0 (`unsupported call: <name>` for whatever it has not registered, whatever 0.58.0 ran), a 0.58
 * conversation as codex 0.58.0. Run side by side with each reference where it is installed.
 */
const suite = useAppServerSuite();

type Json = Record<string, unknown>;
const localShellCall = (command: string[], callId: string): SseEvent[] => [
  {
    event: "response.output_item.done",
    data: {
      type: "response.output_item.done",
      item: {
        type: "local_shell_call",
        id: `lsh_${callId}`,
        call_id: callId,
        status: "completed",
        action: { type: "exec", command, env: {} },
      },
    },
  },
];
const PATCH = "*** Begin Patch\n*** Add File: made.txt\n+hi\n*** End Patch";

/** The calls, by call id, each in a response of its own (outputs that vary run to run are left out). */
const CALLS: [string, SseEvent[]][] = [
  ["c_shell", responses.functionCall("shell", { command: ["echo", "x"] }, "c_shell")],
  ["c_shell_command", responses.functionCall("shell_command", { command: "echo x" }, "c_shell_command")],
  ["c_container", responses.functionCall("container.exec", { command: ["echo", "x"] }, "c_container")],
  ["c_plan", responses.functionCall("update_plan", { plan: [{ step: "a", status: "pending" }] }, "c_plan")],
  ["c_stdin", responses.functionCall("write_stdin", { session_id: 999, chars: "" }, "c_stdin")],
  ["c_patch_fn", responses.functionCall("apply_patch", { input: PATCH }, "c_patch_fn")],
  ["c_resources", responses.functionCall("list_mcp_resources", {}, "c_resources")],
  ["c_frob", responses.functionCall("frobnicate", {}, "c_frob")],
  ["c_frob_custom", responses.customToolCall("frob", "x", "c_frob_custom")],
  ["c_mcp", responses.functionCall("mcp__calc__add", { a: 1, b: 2 }, "c_mcp")],
  ["c_web", responses.functionCall("web_search", { query: "x" }, "c_web")],
  ["c_search", responses.functionCall("tool_search", { query: "x" }, "c_search")],
  ["c_goal", responses.functionCall("get_goal", {}, "c_goal")],
  [
    "c_ask",
    responses.functionCall(
      "request_user_input",
      { questions: [{ id: "q", header: "h", question: "q?", options: [{ label: "a", description: "b" }] }] },
      "c_ask",
    ),
  ],
];

/** The script: each call in a response of its own, then a local shell call with the closing message. */
const script = () => [
  ...CALLS.map(([, events]) => responses.turn(events)),
  responses.turn([...localShellCall(["echo", "x"], "c_local"), ...responses.message("Done.")]),
];

/** Each call's output in the turn's last request (by call id; null: not answered), and that request's count. */
function answers(requests: Json[]): { outputs: Record<string, string | null>; requests: number } {
  const input = (requests.at(-1)?.input ?? []) as Json[];
  const outputs: Record<string, string | null> = {};
  for (const id of [...CALLS.map(([id]) => id), "c_local"]) {
    const out = input.find((i) => String(i.type).endsWith("_output") && i.call_id === id);
    outputs[id] =
      out === undefined
        ? null
        : String(out.output)
            .replace(/Wall time: [\d.]+ seconds/, "Wall time: <t> seconds")
            .replace(/"duration_seconds":[\d.]+/, '"duration_seconds":<t>');
  }
  return { outputs, requests: requests.length };
}

/** 0.166.0's answers, the same for its three families but where noted (checked with the native binary). */
const ANSWERS_0166 = (model: string): Record<string, string | null> => {
  const gpt55 = model === "gpt-5.5";
  const codeMode = model === "gpt-6.1-terra";
  const generic = !gpt55 && !codeMode;
  return {
    c_shell: "unsupported call: shell",
    c_shell_command: "unsupported call: shell_command",
    c_container: "unsupported call: container.exec",
    c_plan: "unsupported call: update_plan",
    c_stdin: "write_stdin failed: Unknown process id 999",
    // gpt-5.5 and the code-mode models have the freeform apply_patch, gpt-5.5 tool_search too: a function call to
    // either is `aborted`; models outside the catalogue have neither.
    c_patch_fn: generic ? "unsupported call: apply_patch" : "aborted",
    // The MCP resource tools come with MCP servers (none here), but the code-mode models always have them.
    c_resources: codeMode ? '{"resources":[]}' : "unsupported call: list_mcp_resources",
    c_frob: "unsupported call: frobnicate",
    c_frob_custom: "unsupported custom tool call: frob",
    c_mcp: "unsupported call: mcp__calc__add",
    c_web: "unsupported call: web_search",
    c_search: gpt55 ? "aborted" : "unsupported call: tool_search",
    c_goal: '{"goal":null,"remainingTokens":null,"completionBudgetReport":null}',
    c_ask: "request_user_input is unavailable in Default mode",
    // No local shell tool: the call is kept but neither run nor answered, and the turn ends with its response.
    c_local: null,
  };
};

describe("calls to tools the turn does not have", () => {
  const impls0166 = CODEX_0166_BIN ? (["ours", "real"] as const) : (["ours"] as const);
  it.each(impls0166)("%s: a 0.166 thread answers as codex 0.166.0", { timeout: 300_000 }, async (impl) => {
    const s = await startMockServer0166(suite, impl, {
      client: { name: "tool-routing", version: "1.0" },
      prefix: "codex-0166-routing-",
    });
    for (const model of ["gpt-5.5", "gpt-5-codex", "gpt-6.1-terra"]) {
      const { thread } = await s.c.request("thread/start", {
        cwd: s.root,
        model,
        approvalPolicy: "never",
        sandbox: "danger-full-access",
      });
      const from = s.mock.requests.length;
      s.mock.enqueue(...script());
      await s.c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "go" }] });
      await s.c.waitFor(
        (m) => m.method === "turn/completed" && (m.params as { threadId: string }).threadId === thread.id,
        `${model}: turn/completed`,
        200_000,
      );
      const got = answers(s.mock.requests.slice(from).map((r) => r.body as Json));
      expect({ model, ...got }).toEqual({ model, outputs: ANSWERS_0166(model), requests: CALLS.length + 1 });
    }
  });

  it("a 0.58 conversation answers as codex 0.58.0", { timeout: 300_000 }, async () => {
    const run = async (bin: "ours" | "reference") => answers((await runV1Turns(bin, { script })).requests);
    const ours = await run("ours");
    expect(ours.outputs).toMatchObject({
      // 0.58.0 runs its shell whatever it offered, and update_plan.
      c_shell: "Exit code: 0\nWall time: <t> seconds\nOutput:\nx\n",
      c_plan: "Plan updated",
      c_frob: "unsupported call: frobnicate",
      c_frob_custom: "unsupported custom tool call: frob",
      c_mcp: "unsupported call: mcp__calc__add",
      c_goal: "unsupported call: get_goal",
      c_ask: "unsupported call: request_user_input",
    });
    if (REFERENCE_CODEX_BIN) expect(ours).toEqual(await run("reference"));
  });

  it.each(impls0166)(
    "%s: a 0.166 thread's MCP resource tools fail in codex 0.166.0's words",
    { timeout: 300_000 },
    async (impl) => {
      const fixture = (name: string) =>
        fileURLToPath(new URL(`../../core/test/fixtures/${name}-mcp-server.mjs`, import.meta.url));
      const s = await startMockServer0166(suite, impl, {
        client: { name: "tool-routing", version: "1.0" },
        prefix: "codex-0166-routing-",
        toml: ["calc", "shelf"]
          .map((n) => `[mcp_servers.${n}]\ncommand = "node"\nargs = [${JSON.stringify(fixture(n))}]\n`)
          .join("\n"),
      });
      const { thread } = await s.c.request("thread/start", {
        cwd: s.root,
        model: "gpt-5-codex",
        approvalPolicy: "never",
        sandbox: "danger-full-access",
      });
      await mcpServersReady(s.c, thread.id, ["calc", "shelf"]);
      const calls: [string, string, Json][] = [
        ["r_unknown", "read_mcp_resource", { server: "nope", uri: "x://y" }],
        ["r_missing", "read_mcp_resource", { server: "shelf", uri: "shelf://nope" }],
        ["r_nocaps", "read_mcp_resource", { server: "calc", uri: "shelf://note" }],
        ["l_unknown", "list_mcp_resources", { server: "nope" }],
        ["t_nocaps", "list_mcp_resource_templates", { server: "calc" }],
        ["r_ok", "read_mcp_resource", { server: "shelf", uri: "shelf://note" }],
      ];
      s.mock.enqueue(
        ...calls.map(([id, name, args]) => responses.turn(responses.functionCall(name, args, id))),
        responses.turn(responses.message("Done.")),
      );
      await s.c.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "go" }] });
      await s.c.waitFor((m) => m.method === "turn/completed", "turn/completed", 200_000);
      const input = ((s.mock.requests.at(-1)?.body as Json | undefined)?.input ?? []) as Json[];
      const outputs = Object.fromEntries(
        calls.map(([id]) => [
          id,
          input.find((i) => i.type === "function_call_output" && i.call_id === id)?.output,
        ]),
      );
      expect(outputs).toEqual({
        r_unknown: "unknown MCP server 'nope'",
        r_missing:
          "resources/read failed: resources/read failed for `shelf` (shelf://nope): Mcp error: -32602: MCP error -32602: Resource shelf://nope not found",
        r_nocaps:
          "resources/read failed: resources/read failed for `calc` (shelf://note): Mcp error: -32601: Method not found",
        l_unknown: "unknown MCP server 'nope'",
        t_nocaps:
          "resources/templates/list failed: resources/templates/list failed for `calc`: Mcp error: -32601: Method not found",
        // The contents as the server sent them (0.58.0 sorts their keys).
        r_ok: '{"server":"shelf","uri":"shelf://note","contents":[{"uri":"shelf://note","mimeType":"text/plain","text":"a note"}]}',
      });
    },
  );
});
