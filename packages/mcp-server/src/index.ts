// @codex-ts/mcp-server
// Not built yet: `codex mcp-server`: Codex as an MCP server with the `codex` and `codex-reply` tools and approval elicitation.
export {};
