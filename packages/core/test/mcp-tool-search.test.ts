import { fileURLToPath } from "node:url";
import type { McpServerConfig } from "@codex-ts/config-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatInputForModel, McpConnectionManager } from "../src/index.js";
import { stem, tokenize } from "../src/mcp/bm25.js";
import { toolInputSchema0166 } from "../src/mcp/tool-schema.js";
import { toolSearchArguments } from "../src/mcp/tool-search.js";

/**
 * 0.166.0's `tool_search` over the tools of two real stdio MCP servers (core's `calc` and `notes` fixtures): what
 * each query finds and in which order is what the native codex 0.166.0 returned for the same query and servers
 * (recorded from its `tool_search_output` items; app-server's test/mcp-tools-0166.e2e.test.ts runs a search on
 * both side by side). And the input schemas reduced as 0.166.0 reduces them.
 */
const server = (name: string): McpServerConfig => ({
  transport: {
    type: "stdio",
    command: process.execPath,
    args: [fileURLToPath(new URL(`./fixtures/${name}-mcp-server.mjs`, import.meta.url))],
    envVars: [],
  },
  enabled: true,
});

let mcp: McpConnectionManager;
beforeAll(async () => {
  mcp = await McpConnectionManager.start({ calc: server("calc"), notes: server("notes") });
  expect(mcp.failures).toEqual([]);
});
afterAll(async () => {
  await mcp?.close();
});

const found = (query: string, limit = 8) =>
  mcp
    .searchTools(query, limit)
    .map((ns) => [
      ns.type === "namespace" ? ns.name : "",
      ns.type === "namespace" ? ns.tools.map((t) => t.name) : [],
    ]);

const LONG = "a_very_long_tool_name_that_goes_on_and_on_past_the_sixty_four_character_limit";

describe("tool_search over MCP tools (as codex 0.166.0 answered)", () => {
  it.each([
    [
      "add numbers",
      8,
      [
        ["mcp__calc", ["add"]],
        ["mcp__notes", ["add_note"]],
      ],
    ],
    ["calc", 8, [["mcp__calc", ["fail", "slow", "add", "count"]]]],
    ["notes", 2, [["mcp__notes", ["list_notes", "add_note"]]]],
    ["note", 8, [["mcp__notes", ["list_notes", "add_note", "search_notes", LONG]]]],
    ["store a note with a title", 8, [["mcp__notes", ["add_note", "list_notes", "search_notes", LONG]]]],
    ["search.notes", 8, [["mcp__notes", ["search_notes"]]]],
    ["counting progress", 8, [["mcp__calc", ["count"]]]],
    ["long name", 8, [["mcp__notes", [LONG]]]],
    // No tool is found by its flat name, nor by words no tool has.
    ["mcp__calc__add", 8, []],
    ["zzzz", 8, []],
  ] as const)("%s (limit %d)", (query, limit, expected) => {
    expect(found(query, limit)).toEqual(expected);
  });

  it("found tools are namespace members with defer_loading, described by the server's instructions", () => {
    expect(mcp.searchTools("numbers", 8)).toEqual([
      {
        type: "namespace",
        name: "mcp__calc",
        description: "Tools in the mcp__calc namespace.",
        tools: [
          {
            type: "function",
            name: "add",
            description: "Adds two numbers.",
            strict: false,
            defer_loading: true,
            parameters: {
              type: "object",
              properties: { a: { type: "number" }, b: { type: "number" } },
              required: ["a", "b"],
            },
          },
        ],
      },
    ]);
    expect(mcp.resolveNamespaced("mcp__notes", "search_notes")).toEqual({
      server: "notes",
      tool: "search.notes",
    });
    expect(mcp.resolveNamespaced("mcp__notes", "list_notes")).toEqual({
      server: "notes",
      tool: "list notes",
    });
    expect(mcp.resolveNamespaced("mcp__notes", "search.notes")).toBeUndefined();
    expect(mcp.resolveNamespaced("mcp__calc", "add_note")).toBeUndefined();
  });

  it("the tool_search tool lists the servers with tools, with their instructions", () => {
    const spec = mcp.toolSearchSpec();
    expect(spec?.type).toBe("tool_search");
    const description = spec?.type === "tool_search" ? spec.description : "";
    expect(description.split("\n").filter((l) => l.startsWith("- "))).toEqual([
      "- calc",
      "- notes: Keeps short notes in memory for this session.",
    ]);
    expect(McpConnectionManager.empty().toolSearchSpec()).toBeNull();
  });

  it("arguments: an object or its JSON; a missing or empty query or a limit that is not positive is refused", () => {
    expect(toolSearchArguments({ query: " add " })).toEqual({ query: "add", limit: 8 });
    expect(toolSearchArguments('{"query":"add","limit":3}')).toEqual({ query: "add", limit: 3 });
    for (const bad of [
      { query: "  " },
      { query: "add", limit: 0 },
      { query: "add", limit: -1 },
      { limit: 2 },
      "{no",
    ])
      expect(toolSearchArguments(bad)).toBeNull();
  });

  it("words: `_`, and `.` between letters, join; stop words go; inflections are stripped", () => {
    expect(tokenize("Stores a note with the title, search.notes add_note")).toEqual([
      "store",
      "note",
      "title",
      "search.note",
      "add_note",
    ]);
    expect(["numbers", "reporting", "stopped", "classes", "queries", "status"].map(stem)).toEqual([
      "number",
      "report",
      "stop",
      "class",
      "queri",
      "status",
    ]);
  });
});

describe("MCP input schemas as 0.166.0 offers them", () => {
  it("keeps the Responses subset in its order, properties sorted, the rest dropped", () => {
    expect(
      toolInputSchema0166({
        $schema: "http://json-schema.org/draft-07/schema#",
        type: "object",
        title: "Args",
        properties: {
          z: { type: "string", format: "uri", default: "x", description: "Last." },
          a: { type: "integer", minimum: 1 },
          list: { type: "array" },
          choice: { const: "one" },
          nested: { properties: { y: { type: "boolean" } }, additionalProperties: false },
          either: { anyOf: [{ type: "string" }, { type: "null" }] },
          wrapped: { oneOf: [{ type: "number" }], description: "Only one." },
          loose: true,
        },
        required: ["a"],
        additionalProperties: false,
      }),
    ).toEqual({
      type: "object",
      properties: {
        a: { type: "integer" },
        choice: { type: "string", enum: ["one"] },
        either: { anyOf: [{ type: "string" }, { type: "null" }] },
        list: { type: "array", items: { type: "string" } },
        loose: { type: "string" },
        nested: { type: "object", properties: { y: { type: "boolean" } }, additionalProperties: false },
        wrapped: { type: "number", description: "Only one." },
        z: { type: "string", description: "Last." },
      },
      required: ["a"],
      additionalProperties: false,
    });
  });

  it("resolves local $refs; a cycle becomes an empty object; no schema is an empty object", () => {
    const schema = {
      type: "object",
      definitions: { node: { type: "object", properties: { next: { $ref: "#/definitions/node" } } } },
      properties: { head: { $ref: "#/definitions/node", description: "First." } },
    };
    expect(toolInputSchema0166(schema)).toEqual({
      type: "object",
      properties: {
        head: {
          type: "object",
          description: "First.",
          properties: { next: { type: "object", properties: {} } },
        },
      },
    });
    expect(toolInputSchema0166(undefined)).toEqual({ type: "object", properties: {} });
    expect(toolInputSchema0166({ type: "object" })).toEqual({ type: "object", properties: {} });
  });
});

describe("a namespaced MCP answer in the request (0.166.0's cut)", () => {
  it("text items share the budget; the one that does not fit keeps head and tail around the marker", () => {
    const output = [
      { type: "input_text", text: "Wall time: 0.0183 seconds\nOutput:" },
      { type: "input_text", text: "x".repeat(1024 * 1024) },
      { type: "input_text", text: "later" },
    ];
    const call = {
      type: "function_call",
      name: "big",
      namespace: "mcp__docs",
      arguments: "{}",
      call_id: "c",
    };
    const [, sent] = formatInputForModel([call, { type: "function_call_output", call_id: "c", output }], [], {
      unit: "tokens",
      max: 10_000,
    });
    const parts = (sent as { output: { text: string }[] }).output;
    expect(parts[0]?.text).toBe("Wall time: 0.0183 seconds\nOutput:");
    // 12 000 tokens, 9 of them the first item's: 2 × 23 982 bytes of the text, as 0.166.0 keeps them.
    expect(parts[1]?.text).toBe(`${"x".repeat(23_982)}…250153 tokens truncated…${"x".repeat(23_982)}`);
    expect(parts[2]?.text).toBe("…2 tokens truncated…");
    const small = [{ type: "input_text", text: "42" }];
    const [, kept] = formatInputForModel(
      [call, { type: "function_call_output", call_id: "c", output: small }],
      [],
      { unit: "tokens", max: 10_000 },
    );
    expect((kept as { output: unknown }).output).toBe(small);
  });
});
