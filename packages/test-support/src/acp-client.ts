import { spawn } from "node:child_process";
import { JsonRpcChild, type RpcMessage } from "./rpc-child.js";

/** One `session/update` the agent sent (`update.sessionUpdate` names its kind). */
export interface SessionUpdate {
  sessionUpdate: string;
  [key: string]: unknown;
}

/** A `session/request_permission` the agent asked, and the option the client picked. */
export interface PermissionAsked {
  params: { sessionId: string; toolCall: Record<string, unknown>; options: PermissionOption[] };
  picked: string | null;
}

export interface PermissionOption {
  optionId: string;
  name: string;
  kind: "allow_once" | "allow_always" | "reject_once" | "reject_always";
}

/** What a prompt produced: the `session/prompt` answer and the session's updates while it ran. */
export interface PromptOutcome {
  result: { stopReason?: string; [key: string]: unknown } | undefined;
  error: { code: number; message: string } | undefined;
  updates: SessionUpdate[];
}

export interface AcpClientOptions {
  /** The agent's entry script (codex-acp's `dist/index.js`), run with this Node. */
  entry: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Which permission option to pick; by default the first `allow_once` (else the first option). */
  choosePermission?: (options: PermissionOption[]) => string | null;
  clientInfo?: { name: string; title?: string; version: string };
  /**
   * Answers the agent's `elicitation/create` (e.g. a URL to open for an MCP server's sign-in); with it the editor
   * declares URL elicitation support. Each request's params are kept in `elicitations`.
   */
  elicit?: (params: Record<string, unknown>) => Promise<Record<string, unknown>>;
}

const firstAllowOnce = (options: PermissionOption[]) =>
  (options.find((o) => o.kind === "allow_once") ?? options[0])?.optionId ?? null;

/**
 * An editor speaking the Agent Client Protocol (JSON-RPC 2.0 over stdio) to an agent process such as
 * `@agentclientprotocol/codex-acp`: it answers the agent's permission requests and collects its session updates.
 */
export class AcpClient {
  readonly peer: JsonRpcChild;
  readonly permissions: PermissionAsked[] = [];
  readonly elicitations: Record<string, unknown>[] = [];

  private constructor(private readonly o: AcpClientOptions) {
    const child = spawn(process.execPath, [o.entry], {
      env: o.env,
      cwd: o.cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.peer = new JsonRpcChild(child, { jsonrpc: true, onRequest: (m) => this.onRequest(m) });
  }

  static start(o: AcpClientOptions): AcpClient {
    return new AcpClient(o);
  }

  /** ACP `initialize` as a plain editor (no file system or terminal capabilities); resolves with the result. */
  async initialize(): Promise<Record<string, unknown>> {
    return this.ok(
      await this.peer.request("initialize", {
        protocolVersion: 1,
        clientCapabilities: {
          fs: { readTextFile: false, writeTextFile: false },
          terminal: false,
          ...(this.o.elicit ? { elicitation: { url: {} } } : {}),
        },
        clientInfo: this.o.clientInfo ?? {
          name: "codex-ts-test-editor",
          title: "Test Editor",
          version: "1.0.0",
        },
      }),
    );
  }

  /** `session/new`, with the editor's own MCP servers (ACP's `McpServer`s, e.g. `{type: "http", name, url}`). */
  async newSession(
    cwd: string,
    mcpServers: Record<string, unknown>[] = [],
  ): Promise<Record<string, unknown> & { sessionId: string }> {
    const result = this.ok(await this.peer.request("session/new", { cwd, mcpServers }));
    return result as Record<string, unknown> & { sessionId: string };
  }

  /** Sends a text prompt; resolves when the agent answers it, with the updates it sent meanwhile. */
  async prompt(sessionId: string, text: string, timeoutMs = 60_000): Promise<PromptOutcome> {
    const from = this.peer.mark();
    const answer = await this.peer.request(
      "session/prompt",
      { sessionId, prompt: [{ type: "text", text }] },
      timeoutMs,
    );
    return {
      result: answer.result as PromptOutcome["result"],
      error: answer.error as PromptOutcome["error"],
      updates: this.updates(sessionId, from),
    };
  }

  /** The session's updates from log position `from` on. */
  updates(sessionId: string, from = 0): SessionUpdate[] {
    return this.peer.since(from).flatMap((e) => {
      const p = e.msg.params as { sessionId?: string; update?: SessionUpdate } | undefined;
      return e.dir === "in" && e.msg.method === "session/update" && p?.sessionId === sessionId && p.update
        ? [p.update]
        : [];
    });
  }

  /** Resolves at the session's first update of kind `kind` from log position `from` on. */
  waitForUpdate(sessionId: string, kind: string, from = 0): Promise<RpcMessage> {
    return this.peer.waitFor(
      (m) => {
        const p = m.params as { sessionId?: string; update?: SessionUpdate } | undefined;
        return (
          m.method === "session/update" && p?.sessionId === sessionId && p.update?.sessionUpdate === kind
        );
      },
      { from },
    );
  }

  cancel(sessionId: string): void {
    this.peer.notify("session/cancel", { sessionId });
  }

  async setMode(sessionId: string, modeId: string): Promise<unknown> {
    return this.ok(await this.peer.request("session/set_mode", { sessionId, modeId }));
  }

  async setModel(sessionId: string, modelId: string): Promise<unknown> {
    return this.ok(await this.peer.request("session/set_model", { sessionId, modelId }));
  }

  /** Closes the agent's stdin (it then stops its app server) and waits for it to exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.peer.close(15_000);
  }

  private ok(m: RpcMessage): Record<string, unknown> {
    if (m.error)
      throw new Error(
        `ACP error: ${JSON.stringify(m.error)}; agent stderr: ${this.peer.stderr.slice(-2000)}`,
      );
    return (m.result ?? {}) as Record<string, unknown>;
  }

  private onRequest(m: RpcMessage): unknown {
    if (m.method === "elicitation/create" && this.o.elicit) {
      const params = (m.params ?? {}) as Record<string, unknown>;
      this.elicitations.push(params);
      return this.o.elicit(params);
    }
    if (m.method !== "session/request_permission")
      throw new Error(`the test editor does not support ${m.method}`);
    const params = m.params as PermissionAsked["params"];
    const picked = (this.o.choosePermission ?? firstAllowOnce)(params.options);
    this.permissions.push({ params, picked });
    return picked === null
      ? { outcome: { outcome: "cancelled" } }
      : { outcome: { outcome: "selected", optionId: picked } };
  }
}
