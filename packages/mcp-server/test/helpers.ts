import { spawn } from "node:child_process";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { REFERENCE_CODEX_BIN } from "@codex-ts/test-support";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { Result } from "@modelcontextprotocol/sdk/types.js";
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

const CodexEventSchema = z.looseObject({
  _meta: z.looseObject({ requestId: z.union([z.string(), z.number()]) }),
  id: z.string(),
  msg: z.looseObject({ type: z.string() }),
});

/** Checks a notification's params (without zod's reordering of the keys, which the comparisons look at). */
export function isCodexEvent(params: unknown): params is CodexEvent {
  return CodexEventSchema.safeParse(params).success;
}

/** How the test answers an approval: given the elicitation params, return the JSON-RPC result. */
export type ElicitationAnswer = (params: Record<string, unknown>) => Result;

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
      if (n.method !== "codex/event") return;
      if (!isCodexEvent(n.params)) throw new Error(`malformed codex/event: ${JSON.stringify(n.params)}`);
      t.onEvent(n.params);
    };
    // Codex's elicitation is not MCP's form elicitation: the codex_* params must all reach the test, and the answer
    // is `{decision}`. `Client.setRequestHandler` would hold both to MCP's shapes, so the request is served by the
    // fallback handler, which sees it as sent.
    client.fallbackRequestHandler = async (request) => {
      if (request.method !== "elicitation/create")
        throw new Error(`the test client does not serve ${request.method}`);
      const params = { ...request.params };
      t.elicitations.push(params);
      return t.answer(params);
    };
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

  /** The raw `tools/list` result (no reshaping by the SDK's Tool schema). */
  rawListTools(): Promise<Record<string, unknown>> {
    return this.client.request({ method: "tools/list", params: {} }, z.looseObject({}));
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** A JSON-RPC message as a line-level client sees it. */
export type WireMessage = Record<string, unknown>;

/**
 * A raw stdio session with a fresh `mcp-server`: writes each of `lines` (objects are JSON-encoded, strings sent
 * as they are), waits for the responses to the `answered` request ids, ends stdin and resolves with every message
 * the server wrote and its exit code. For what an SDK client cannot send: no `jsonrpc` member, `"1.0"`, bad JSON.
 */
export function rawSession(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  lines: (WireMessage | string)[],
  answered: (string | number)[],
): Promise<{ messages: WireMessage[]; code: number | null }> {
  const child = spawn(command, args, { env, cwd, stdio: ["pipe", "pipe", "ignore"] });
  const messages: WireMessage[] = [];
  const waiting = new Set(answered);
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const timer = setTimeout(() => child.stdin.end(), 60_000);
  readline.createInterface({ input: child.stdout }).on("line", (line) => {
    const message = JSON.parse(line) as WireMessage;
    messages.push(message);
    const id = message.id;
    if (!("method" in message) && (typeof id === "string" || typeof id === "number")) {
      waiting.delete(id);
      if (waiting.size === 0) child.stdin.end();
    }
  });
  for (const line of lines) child.stdin.write(`${typeof line === "string" ? line : JSON.stringify(line)}\n`);
  return exited.then((code) => {
    clearTimeout(timer);
    return { messages, code };
  });
}

/** The response with `id` among `messages`. */
export function responseTo(messages: WireMessage[], id: string | number): WireMessage | undefined {
  return messages.find((m) => m.id === id && !("method" in m));
}
