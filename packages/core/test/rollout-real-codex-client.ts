import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REFERENCE_CODEX_BIN } from "@codex-ts/test-support";

/** The real Codex 0.58.0 binary, when this machine has it (test-all installs it and sets CODEX_REFERENCE_BIN). */
export const referenceBin = REFERENCE_CODEX_BIN;

/** A config.toml that makes Codex talk to a local mock model server instead of the network. */
export async function writeMockProviderConfig(codexHome: string, baseUrl: string): Promise<void> {
  await writeFile(
    join(codexHome, "config.toml"),
    [
      'model = "gpt-5-codex"',
      'model_provider = "mock"',
      "[model_providers.mock]",
      'name = "Mock"',
      `base_url = "${baseUrl}"`,
      'wire_api = "responses"',
      "request_max_retries = 0",
      "stream_max_retries = 0",
      "",
    ].join("\n"),
  );
}

interface RpcMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: { code: number; message: string };
}

/** A JSON-RPC client for `codex app-server` over stdio, enough to create, drive and list conversations. */
export class AppServerClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, (m: RpcMessage) => void>();
  private readonly notifications: RpcMessage[] = [];
  private readonly watchers: { test: (m: RpcMessage) => boolean; resolve: (m: RpcMessage) => void }[] = [];
  private nextId = 0;
  private stderr = "";

  constructor(bin: string, args: string[], codexHome: string, cwd: string) {
    this.child = spawn(bin, args, { cwd, env: { ...process.env, CODEX_HOME: codexHome, RUST_LOG: "error" } });
    let buffer = "";
    this.child.stdout.setEncoding("utf8");
    this.child.stdout.on("data", (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim() !== "") this.dispatch(JSON.parse(line) as RpcMessage);
      }
    });
    this.child.stderr.setEncoding("utf8");
    this.child.stderr.on("data", (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
  }

  private dispatch(message: RpcMessage): void {
    if (message.id !== undefined && this.pending.has(message.id)) {
      this.pending.get(message.id)?.(message);
      this.pending.delete(message.id);
      return;
    }
    const watcher = this.watchers.findIndex((w) => w.test(message));
    if (watcher >= 0) this.watchers.splice(watcher, 1)[0]?.resolve(message);
    else this.notifications.push(message);
  }

  /** Sends a request; resolves with its result, rejects with the server's error. */
  call<T = Record<string, unknown>>(method: string, params?: unknown): Promise<T> {
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, (m) =>
        m.error ? reject(new Error(`${method}: ${m.error.code} ${m.error.message}`)) : resolve(m.result as T),
      );
      this.child.stdin.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  notify(method: string): void {
    this.child.stdin.write(`${JSON.stringify({ method })}\n`);
  }

  /** Resolves with the first notification (already received or future) that passes `test`. */
  waitFor(test: (m: RpcMessage) => boolean): Promise<RpcMessage> {
    const seen = this.notifications.findIndex(test);
    if (seen >= 0) return Promise.resolve(this.notifications.splice(seen, 1)[0] as RpcMessage);
    return new Promise((resolve) => this.watchers.push({ test, resolve }));
  }

  async initialize(): Promise<void> {
    await this.call("initialize", { clientInfo: { name: "codex-ts-tests", title: null, version: "1" } });
    this.notify("initialized");
  }

  /** Starts a v1 conversation, sends one message per entry of `messages` and waits for each turn to complete. */
  async converse(cwd: string, messages: string[]): Promise<{ conversationId: string; rolloutPath: string }> {
    const conversation = await this.call<{ conversationId: string; rolloutPath: string }>("newConversation", {
      cwd,
    });
    await this.call("addConversationListener", { conversationId: conversation.conversationId });
    for (const text of messages) {
      const done = this.waitFor(
        (m) =>
          m.method === "codex/event/task_complete" &&
          m.params?.conversationId === conversation.conversationId,
      );
      await this.call("sendUserMessage", {
        conversationId: conversation.conversationId,
        items: [{ type: "text", data: { text } }],
      });
      await done;
    }
    return conversation;
  }

  /** Closes stdin and waits for the process to exit. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.stdin.end();
    await exited;
  }

  get recentStderr(): string {
    return this.stderr;
  }
}
