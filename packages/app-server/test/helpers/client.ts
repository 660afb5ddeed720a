import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const CLI = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../../apps/cli/dist/main.js",
);

export type Message = Record<string, unknown> & { id?: number | string; method?: string };

/** Drives a spawned `codex app-server` over its stdio: send lines, wait for matching messages. */
export class AppServerClient {
  readonly messages: Message[] = [];
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: Array<() => void> = [];
  private partial = "";

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      this.partial += chunk;
      let nl = this.partial.indexOf("\n");
      while (nl !== -1) {
        this.messages.push(JSON.parse(this.partial.slice(0, nl)) as Message);
        this.partial = this.partial.slice(nl + 1);
        nl = this.partial.indexOf("\n");
      }
      this.wake();
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      this.stderr += chunk;
      this.wake();
    });
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  static async start(
    opts: { codexHome?: string; args?: string[]; env?: NodeJS.ProcessEnv; cwd?: string } = {},
  ) {
    const codexHome = opts.codexHome ?? (await fs.mkdtemp(path.join(os.tmpdir(), "codex-home-")));
    const child = spawn(process.execPath, [CLI, "app-server", ...(opts.args ?? [])], {
      env: { ...process.env, CODEX_HOME: codexHome, TERM: "xterm", TERM_PROGRAM: "", ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    return new AppServerClient(child);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  sendRaw(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  send(msg: Record<string, unknown>): void {
    this.sendRaw(JSON.stringify(msg));
  }

  async waitFor(pred: (m: Message) => boolean, what = "message"): Promise<Message> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const found = this.messages.find(pred);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 1000);
      });
    }
  }

  async waitStderr(text: string): Promise<void> {
    while (!this.stderr.includes(text)) {
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 1000);
      });
    }
  }

  /** Sends a request and resolves with its response (result or error message). */
  async call(id: number | string, method: string, params?: unknown): Promise<Message> {
    this.send(params === undefined ? { id, method } : { id, method, params });
    return this.waitFor((m) => m.id === id && m.method === undefined, `response ${id}`);
  }

  async initialize(name = "test-client", version = "1.2.3"): Promise<Message> {
    return this.call("init", "initialize", { clientInfo: { name, title: null, version } });
  }

  async close(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.stdin.end();
    return this.exited;
  }
}
