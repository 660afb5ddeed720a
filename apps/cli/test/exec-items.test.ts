import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type MockModelServer,
  mockCodexHome,
  offeredTools,
  REFERENCE_CODEX_BIN,
  responses,
  type ScriptedResponse,
  startMockModelServer,
  tempDir,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/run-cli.js";

/**
 * `codex exec --json` item events for the tools beyond the shell (an MCP tool, a patch, the plan tool, a web search)
 * and the request headers, each compared with codex 0.58.0's on the same scripted turns: the built CLI and the
 * reference each as a child process, the mock model on 127.0.0.1, a temp CODEX_HOME and work dir per run.
 */
const CALC_MCP = fileURLToPath(
  new URL("../../../packages/core/test/fixtures/calc-mcp-server.mjs", import.meta.url),
);

const PATCH = "*** Begin Patch\n*** Add File: hello.txt\n+hello\n*** End Patch\n";

/** The patch as the request's tools allow: 0.58.0's freeform `apply_patch` when offered, else the shell argv form. */
function patchCall(body: unknown): ScriptedResponse {
  return responses.turn(
    offeredTools(body).includes("apply_patch")
      ? responses.customToolCall("apply_patch", PATCH, "call_patch")
      : responses.functionCall("shell", { command: ["apply_patch", PATCH] }, "call_patch"),
  );
}

function webSearchTurn(): ScriptedResponse {
  const item = {
    type: "web_search_call",
    id: "ws_1",
    status: "completed",
    action: { type: "search", query: "tides" },
  };
  return responses.turn([
    {
      event: "response.output_item.added",
      data: {
        type: "response.output_item.added",
        item: { type: "web_search_call", id: "ws_1", status: "in_progress" },
      },
    },
    { event: "response.output_item.done", data: { type: "response.output_item.done", item } },
  ]);
}

interface Scenario {
  name: string;
  toml?: string;
  /** More `codex exec` flags. */
  flags?: string[];
  script(m: MockModelServer): void;
}

const plan = (statuses: [string, string]) => ({
  explanation: "two steps",
  plan: [
    { step: "look", status: statuses[0] },
    { step: "write", status: statuses[1] },
  ],
});

const SCENARIOS: Scenario[] = [
  {
    name: "mcp_tool_call",
    toml: `[mcp_servers.calc]\ncommand = "node"\nargs = [${JSON.stringify(CALC_MCP)}]`,
    script: (m) =>
      m.enqueue(
        responses.turn(responses.functionCall("mcp__calc__add", { b: 22, a: 20 }, "call_mcp")),
        responses.turn(responses.functionCall("mcp__calc__fail", {}, "call_mcp_fail")),
        responses.turn(responses.functionCall("mcp__nowhere__tool", { x: 1 }, "call_mcp_unknown")),
        responses.turn(responses.message("It is 42.")),
      ),
  },
  {
    name: "file_change",
    flags: ["--full-auto"],
    script: (m) => m.enqueue(patchCall, responses.turn(responses.message("Patched."))),
  },
  {
    name: "todo_list",
    script: (m) =>
      m.enqueue(
        responses.turn(responses.functionCall("update_plan", plan(["in_progress", "pending"]), "call_plan1")),
        responses.turn(responses.functionCall("update_plan", plan(["completed", "completed"]), "call_plan2")),
        responses.turn(responses.message("Planned.")),
      ),
  },
  {
    name: "web_search",
    toml: "[features]\nweb_search_request = true",
    script: (m) => m.enqueue(webSearchTurn(), responses.turn(responses.message("Searched."))),
  },
];

interface Run {
  code: number | null;
  events: Record<string, unknown>[];
  userAgent: string;
  files: Record<string, string | null>;
}

async function run(bin: string | undefined, scenario: Scenario): Promise<Run> {
  const m = await startMockModelServer();
  try {
    scenario.script(m);
    const home = await mockCodexHome(m.baseUrl, { prefix: "codex-exec-items-", toml: scenario.toml ?? "" });
    const work = await tempDir("codex-exec-items-work-");
    const r = await runCli(
      ["exec", "--json", "--skip-git-repo-check", ...(scenario.flags ?? []), `do the ${scenario.name} thing`],
      {
        cwd: work,
        env: { CODEX_HOME: home, CODEX_API_KEY: "sk-exec-test" },
        ...(bin ? { bin } : {}),
      },
    );
    const events = r.stdout
      .trim()
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .map((e) => (e.type === "thread.started" ? { ...e, thread_id: "<id>" } : e));
    const hello = await readFile(path.join(work, "hello.txt"), "utf8").catch(() => null);
    return {
      code: r.code,
      events: scrub(events, work),
      userAgent: String(m.requests[0]?.headers["user-agent"]),
      files: { "hello.txt": hello },
    };
  } finally {
    await m.close();
  }
}

/** The work dir differs per run: a path in an event is compared relative to it. */
function scrub(events: Record<string, unknown>[], work: string): Record<string, unknown>[] {
  return JSON.parse(JSON.stringify(events).split(work).join("<work>")) as Record<string, unknown>[];
}

describe("codex exec --json item events", () => {
  for (const scenario of SCENARIOS)
    it(`${scenario.name}: the item's events`, { timeout: 120_000 }, async () => {
      const ours = await run(undefined, scenario);
      expect(ours.code, JSON.stringify(ours.events)).toBe(0);
      const types = ours.events.map((e) => (e.item as { type?: string } | undefined)?.type);
      expect(types).toContain(scenario.name);
      // No `(<client>; <version>)` suffix: exec is no client of its own (0.58.0 sends the bare user agent).
      expect(ours.userAgent).toMatch(/^codex_exec\/0\.58\.0 \(/);
      expect(ours.userAgent).not.toContain("(codex_exec;");
      if (!REFERENCE_CODEX_BIN) return;
      const reference = await run(REFERENCE_CODEX_BIN, scenario);
      // The lines as written: the same members in the same order.
      expect(ours.events.map((e) => JSON.stringify(e))).toEqual(
        reference.events.map((e) => JSON.stringify(e)),
      );
      expect(ours.files).toEqual(reference.files);
      expect(ours.userAgent).toBe(reference.userAgent);
    });
});
