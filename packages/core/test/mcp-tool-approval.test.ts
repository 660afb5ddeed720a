import fs from "node:fs/promises";
import path from "node:path";
import { parseToml } from "@codex-ts/config-loader";
import { tempDir } from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { McpElicitations } from "../src/conversation/mcp-elicitations.js";
import {
  mcpToolApprovalDecision,
  mcpToolApprovalRequest,
  persistMcpToolApproval,
  requiresMcpToolApproval,
} from "../src/mcp/tool-approval.js";

describe("MCP tool-call approval (0.166.0's rules)", () => {
  it("asks unless the annotations rule harm out: read-only, or neither destructive nor open-world", () => {
    const cases: [Record<string, unknown> | undefined, boolean][] = [
      [undefined, true],
      [{}, true],
      [{ title: "t" }, true],
      [{ readOnlyHint: true }, false],
      [{ readOnlyHint: true, destructiveHint: true }, true],
      [{ destructiveHint: false }, true],
      [{ destructiveHint: false, openWorldHint: false }, false],
      [{ readOnlyHint: false, destructiveHint: false, openWorldHint: false }, false],
      [{ destructiveHint: false, openWorldHint: true }, true],
      [{ openWorldHint: false }, true],
    ];
    for (const [annotations, asks] of cases)
      expect([annotations, requiresMcpToolApproval(annotations)]).toEqual([annotations, asks]);
  });

  it("builds 0.166.0's message-only form; `prompt` tools offer no remembering", () => {
    const info = {
      qualifiedName: "mcp__s__t",
      server: "s",
      tool: "t",
      description: "d",
      inputSchema: {},
      definition: { name: "t", title: "The T", description: "Does t." },
    };
    const auto = mcpToolApprovalRequest("s", "t", { b: 2, a: 1 }, info, "auto");
    expect(auto).toEqual({
      mode: "form",
      _meta: {
        codex_approval_kind: "mcp_tool_call",
        persist: ["session", "always"],
        tool_description: "Does t.",
        tool_params: { b: 2, a: 1 },
        tool_params_display: [
          { name: "a", value: 1, display_name: "a" },
          { name: "b", value: 2, display_name: "b" },
        ],
        tool_title: "The T",
      },
      message: 'Allow the s MCP server to run tool "t"?',
      requestedSchema: { type: "object", properties: {} },
    });
    expect(Object.keys(auto._meta ?? {})).toEqual([...Object.keys(auto._meta ?? {})].sort());
    expect(mcpToolApprovalRequest("s", "t", null, undefined, "prompt")._meta).toEqual({
      codex_approval_kind: "mcp_tool_call",
    });
  });

  it("reads the answer: persist session/always, plain accept, decline, cancel, none", () => {
    expect(mcpToolApprovalDecision({ action: "accept", _meta: { persist: "session" } }, "auto")).toBe(
      "acceptForSession",
    );
    expect(mcpToolApprovalDecision({ action: "accept", _meta: { persist: "always" } }, "auto")).toBe(
      "acceptAndRemember",
    );
    expect(mcpToolApprovalDecision({ action: "accept", _meta: { persist: "always" } }, "prompt")).toBe(
      "accept",
    );
    expect(mcpToolApprovalDecision({ action: "accept", content: null }, "auto")).toBe("accept");
    expect(mcpToolApprovalDecision({ action: "decline" }, "auto")).toBe("decline");
    expect(mcpToolApprovalDecision({ action: "cancel" }, "auto")).toBe("cancel");
    expect(mcpToolApprovalDecision(null, "auto")).toBe("cancel");
  });

  it("remembers 'always' in CODEX_HOME/config.toml, only for a server configured there", async () => {
    const home = await tempDir("codex-mcp-approve-");
    const file = path.join(home, "config.toml");
    await fs.writeFile(file, '# mine\n[mcp_servers.s]\ncommand = "node" # keep\n');
    await persistMcpToolApproval(home, "s", "t");
    const text = await fs.readFile(file, "utf8");
    expect(text).toContain("# keep");
    expect(parseToml(text, file)).toEqual({
      mcp_servers: { s: { command: "node", tools: { t: { approval_mode: "approve" } } } },
    });
    await expect(persistMcpToolApproval(home, "elsewhere", "t")).rejects.toThrow(/not configured/);
    expect(await fs.readFile(file, "utf8")).toBe(text);
  });
});

describe("McpElicitations", () => {
  it("answers by id; an interrupt or a withdrawn request answers none; late answers are ignored", async () => {
    const e = new McpElicitations();
    const announced: string[] = [];
    const announce = (ev: { id: string }) => announced.push(ev.id);
    const request = { message: "?", requestedSchema: { type: "object", properties: {} } };
    const first = e.ask(announce, "s", request, new AbortController().signal);
    const withdrawn = new AbortController();
    const second = e.ask(announce, "s", request, withdrawn.signal);
    const third = e.ask(announce, "s", request, new AbortController().signal);
    expect(new Set(announced).size).toBe(3);
    e.answer(announced[0]!, { action: "accept", content: { a: 1 } });
    withdrawn.abort();
    e.answer(announced[1]!, { action: "accept" });
    e.cancelAll();
    expect(await Promise.all([first, second, third])).toEqual([
      { action: "accept", content: { a: 1 } },
      null,
      null,
    ]);
    const aborted = new AbortController();
    aborted.abort();
    expect(await e.ask(announce, "s", request, aborted.signal)).toBeNull();
    expect(announced).toHaveLength(3);
  });
});
