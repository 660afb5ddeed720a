import { fileURLToPath } from "node:url";
import { REFERENCE_CODEX_BIN } from "@codex-ts/test-support";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { Protocol } from "@modelcontextprotocol/sdk/shared/protocol.js";
import { z } from "zod";

/** The built `codex` CLI (turbo builds it before these tests run). */
export const CLI_MAIN = fileURLToPath(new URL("../../../apps/cli/dist/main.js", import.meta.url));

/** The real Codex 0.58.0, to compare with when this machine has it. */
export const REFERENCE_BIN = REFERENCE_CODEX_BIN;

/** A `codex/event` notification's params. */
export interface CodexEvent {
  _meta: { requestId: string | number };
  id: string;
  msg: { type: string } & Record<string, unknown>;
}

/** How the test answers an approval: given the elicitation params, return the JSON-RPC result. */
export type ElicitationAnswer = (params: Record<string, unknown>) => unknown;

// The SDK's own elicitation schema drops unknown params (the codex_* fields) and demands MCP's `{action}` answer;
// a Codex client reads every field and answers `{decision}`, so the test registers a loose schema of its own.
const CodexElicitRequest = z.object({ method: z.literal("elicitation/create"), params: z.looseObject({}) });

/** An MCP SDK client connected to a spawned server, recording every `codex/event` and elicitation. */
export class TestClient {
  readonly events: CodexEvent[] = [];
  readonly elicitations: Record<string, unknown>[] = [];
  answer: ElicitationAnswer = () => ({ decision: "approved" });
  stderr = "";
  private waiters: { match: (e: CodexEvent) => boolean; resolve: (e: CodexEvent) => void }[] = [];

  private constructor(
    readonly client: Client,
    readonly transport: StdioClientTransport,
  ) {}

  static async start(command: string, args: string[], env: Record<string, string>, cwd: string) {
    const client = new Client(
      { name: "codex-ts-test", version: "1.0.0" },
      { capabilities: { elicitation: {} } },
    );
    const transport = new StdioClientTransport({ command, args, env, cwd, stderr: "pipe" });
    const t = new TestClient(client, transport);
    transport.stderr?.on("data", (d: Buffer) => {
      t.stderr += d.toString();
    });
    client.fallbackNotificationHandler = async (n) => {
      if (n.method === "codex/event") t.onEvent(n.params as unknown as CodexEvent);
    };
    Protocol.prototype.setRequestHandler.call(client, CodexElicitRequest, async (request) => {
      const params = request.params as Record<string, unknown>;
      t.elicitations.push(params);
      return t.answer(params) as never;
    });
    await client.connect(transport);
    return t;
  }

  private onEvent(e: CodexEvent): void {
    this.events.push(e);
    const waiter = this.waiters.find((w) => w.match(e));
    if (waiter) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(e);
    }
  }

  /** Resolves with the first event (already received or future) that matches. */
  waitForEvent(match: (e: CodexEvent) => boolean): Promise<CodexEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** Events of one tools/call, in arrival order. */
  eventsOf(requestId: string | number): CodexEvent[] {
    return this.events.filter((e) => e._meta.requestId === requestId);
  }

  /** A raw tools/call: the result exactly as the server sent it (no CallToolResult reshaping). */
  rawCall(
    name: string,
    args?: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    return this.client.request(
      { method: "tools/call", params: { name, ...(args ? { arguments: args } : {}) } },
      z.looseObject({}),
      { timeout: 120_000, ...(signal ? { signal } : {}) },
    );
  }

  /** The raw result of a request whose response carries any result. */
  rawRequest(method: string): Promise<Record<string, unknown>> {
    return this.client.request({ method, params: {} } as never, z.looseObject({}));
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
