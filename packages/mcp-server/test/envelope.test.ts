// The JSON-RPC layer as Codex 0.58.0 has it, which an MCP SDK client never exercises: messages without (or with a
// wrong) `jsonrpc` member, the echoed protocol version, a second `initialize`, `arguments` that are not objects.
// This is what the MCP SDK's `Server` could not be made to do, and why the server runs on the shared JSON-RPC peer.
import { tempDir } from "@codex-ts/test-support";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI_MAIN, REFERENCE_BIN, rawSession, responseTo, type WireMessage } from "./helpers.js";

let home: string;
beforeAll(async () => {
  home = await tempDir("codex-mcp-envelope-");
});

const env = () => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, CODEX_HOME: home });
const initialize = (id: number, protocolVersion: string): WireMessage => ({
  id,
  method: "initialize",
  params: { protocolVersion, capabilities: {}, clientInfo: { name: "raw", version: "2" } },
});
const toolCall = (id: number, name: string, args: unknown): WireMessage => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args },
});

/** Requests 0.58.0 answers, each with the answer it gives (checked against the real binary below). */
const LINES: (WireMessage | string)[] = [
  initialize(0, "1999-01-01"), // no `jsonrpc` member at all
  "not json",
  { jsonrpc: "1.0", id: 1, method: "ping" },
  { jsonrpc: "2.0", id: "s", method: "ping", params: { _meta: {} } },
  { jsonrpc: "2.0", id: 2, ...initialize(2, "2025-06-18") },
  toolCall(3, "codex", "str"),
  toolCall(4, "codex", null),
  toolCall(5, "codex-reply", 5),
  { jsonrpc: "2.0", id: 6, method: "tools/list", params: null },
];
const ANSWERED = [0, 1, "s", 2, 3, 4, 5, 6];

const session = (command: string, args: string[], lines = LINES, answered = ANSWERED) =>
  rawSession(command, args, env(), home, lines, answered);

describe("the JSON-RPC envelope", () => {
  it("answers like Codex 0.58.0: jsonrpc member optional, protocol version echoed, one initialize", async () => {
    const { messages, code } = await session(process.execPath, [CLI_MAIN, "mcp-server"]);
    expect(code).toBe(0);
    expect(messages.every((m) => m.jsonrpc === "2.0")).toBe(true);
    expect(responseTo(messages, 0)).toMatchObject({
      result: {
        capabilities: { tools: { listChanged: true } },
        protocolVersion: "1999-01-01",
        serverInfo: { name: "codex-mcp-server", title: "Codex", version: "0.58.0" },
      },
    });
    expect(responseTo(messages, 1)).toMatchObject({ result: {} });
    expect(responseTo(messages, "s")).toMatchObject({ result: {} });
    expect(responseTo(messages, 2)).toEqual({
      jsonrpc: "2.0",
      id: 2,
      error: { code: -32600, message: "initialize called more than once" },
    });
    expect(responseTo(messages, 3)?.result).toEqual({
      content: [
        {
          text: 'Failed to parse configuration for Codex tool: invalid type: string "str", expected struct CodexToolCallParam',
          type: "text",
        },
      ],
      isError: true,
    });
    expect(responseTo(messages, 4)?.result).toMatchObject({ isError: true });
    expect(responseTo(messages, 6)?.result).toMatchObject({
      tools: [{ name: "codex" }, { name: "codex-reply" }],
    });
  });

  it("answers what 0.58.0 leaves unanswered: unknown methods and malformed params", async () => {
    const lines: WireMessage[] = [
      { jsonrpc: "2.0", id: 0, method: "resources/list", params: {} },
      { jsonrpc: "2.0", id: 1, method: "tools/call", params: { arguments: {} } },
      { jsonrpc: "2.0", id: 2, method: "initialize", params: { protocolVersion: "2025-06-18" } },
    ];
    const { messages } = await session(process.execPath, [CLI_MAIN, "mcp-server"], lines, [0, 1, 2]);
    expect(responseTo(messages, 0)?.error).toEqual({ code: -32601, message: "Method not found" });
    expect(responseTo(messages, 1)?.error).toEqual({
      code: -32602,
      message: "Invalid params for tools/call: name: Invalid input: expected string, received undefined",
    });
    expect(responseTo(messages, 2)?.error).toMatchObject({ code: -32602 });
  });

  it.skipIf(!REFERENCE_BIN)("gives the same answers as the real Codex 0.58.0", async () => {
    const ours = await session(process.execPath, [CLI_MAIN, "mcp-server"]);
    const theirs = await session(REFERENCE_BIN as string, ["mcp-server"]);
    for (const id of ANSWERED)
      expect(responseTo(ours.messages, id), `id ${id}`).toEqual(responseTo(theirs.messages, id));
  });
});
