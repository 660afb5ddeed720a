import type { McpElicitationRequestEvent } from "../events/extension.js";
import type { McpElicitationRequest, McpElicitationResponse } from "../mcp/types.js";

/**
 * The MCP questions of one conversation waiting for its user (0.166 threads: `mcpServer/elicitation/request`):
 * each gets an id, is announced as an `mcp_elicitation_request` event and waits for the `mcp_elicitation_answer`
 * op with that id. Null answers one the user never answered (interrupted, or withdrawn by its `signal`). Also the
 * MCP tools the user allowed for the rest of the session.
 */
export class McpElicitations {
  /** Whether a client that answers these questions is attached (off: 0.58.0, nobody is asked). */
  enabled = false;
  /** `server/tool` keys of the tools the user allowed for the session (or for good). */
  readonly allowedTools = new Set<string>();
  private readonly pending = new Map<string, (answer: McpElicitationResponse | null) => void>();
  private issued = 0;

  /** Announces `request` through `announce` and waits for its answer (null at once when `signal` is aborted). */
  ask(
    announce: (event: McpElicitationRequestEvent) => void,
    server: string,
    request: McpElicitationRequest,
    signal: AbortSignal,
  ): Promise<McpElicitationResponse | null> {
    if (signal.aborted) return Promise.resolve(null);
    const id = `mcp_elicitation_${++this.issued}`;
    return new Promise((resolveAnswer) => {
      const withdraw = () => this.answer(id, null);
      signal.addEventListener("abort", withdraw, { once: true });
      this.pending.set(id, (answer) => {
        signal.removeEventListener("abort", withdraw);
        resolveAnswer(answer);
      });
      announce({ type: "mcp_elicitation_request", id, server_name: server, request });
    });
  }

  /** The user's answer to question `id` (ignored when it is no longer waiting). */
  answer(id: string, answer: McpElicitationResponse | null): void {
    const resolveAnswer = this.pending.get(id);
    this.pending.delete(id);
    resolveAnswer?.(answer);
  }

  /** The turn was interrupted: every waiting question is answered with none. */
  cancelAll(): void {
    for (const id of [...this.pending.keys()]) this.answer(id, null);
  }
}
