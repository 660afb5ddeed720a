import { spawn } from "node:child_process";
import { protocol0166 } from "@codex-ts/app-server-protocol";
import { JsonRpcChild, type RpcMessage, type TeeEntry } from "@codex-ts/test-support";
import type { z } from "zod";

/**
 * A 0.166 client of an app server process (this server, or codex 0.166.0 for comparison): it initializes with
 * capabilities, answers the server's approval requests from a queue of decisions (accept when the queue is empty),
 * and checks every message of the 0.166 registry against its schema.
 */
export class ModernClient {
  readonly peer: JsonRpcChild;
  /** Answers for the next server requests, in order (`{decision: "accept"}` when none is queued). */
  readonly answers: unknown[] = [];
  /** Server requests held unanswered until `answerHeld` (queue `HOLD` to hold one). */
  readonly held: RpcMessage[] = [];

  private constructor(command: string[], env: NodeJS.ProcessEnv, cwd: string) {
    const [cmd, ...args] = command;
    const child = spawn(cmd as string, [...args, "app-server"], {
      env,
      cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.peer = new JsonRpcChild(child, { jsonrpc: false, onRequest: (m) => this.answer(m) });
  }

  static async start(
    command: string[],
    o: { codexHome: string; cwd: string; env?: NodeJS.ProcessEnv; capabilities?: unknown },
  ): Promise<ModernClient> {
    const env = {
      PATH: process.env.PATH,
      HOME: o.codexHome,
      TERM: "dumb",
      LANG: "C.UTF-8",
      CODEX_HOME: o.codexHome,
      RUST_LOG: "warn",
      ...o.env,
    };
    const c = new ModernClient(command, env, o.cwd);
    await c.call("initialize", {
      clientInfo: { name: "codex-ts-test", version: "1.0.0" },
      capabilities: o.capabilities === undefined ? { experimentalApi: true } : o.capabilities,
    });
    return c;
  }

  /** The result of a request; an error answer throws an `Error` whose message is the server's. */
  async call<T = Record<string, unknown>>(method: string, params?: unknown): Promise<T> {
    const m = await this.peer.request(method, params);
    if (m.error) throw new Error((m.error as { message: string }).message);
    return m.result as T;
  }

  /** The error answer (`{code, message}`) of a request that must fail. */
  async error(method: string, params?: unknown): Promise<{ code: number; message: string }> {
    const m = await this.peer.request(method, params);
    if (!m.error) throw new Error(`${method} succeeded: ${JSON.stringify(m.result)}`);
    return m.error as { code: number; message: string };
  }

  /** Starts a turn and waits for its `turn/completed`; resolves with the turn id. */
  async turn(threadId: string, text: string, extra: Record<string, unknown> = {}): Promise<string> {
    const from = this.peer.mark();
    const { turn } = await this.call<{ turn: { id: string } }>("turn/start", {
      threadId,
      input: [{ type: "text", text }],
      ...extra,
    });
    await this.turnCompleted(turn.id, from);
    return turn.id;
  }

  turnCompleted(turnId: string, from = 0): Promise<RpcMessage> {
    return this.peer.waitFor(
      (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turnId,
      { from },
    );
  }

  /** Answers the oldest held server request. */
  answerHeld(result: unknown): void {
    const m = this.held.shift();
    if (m?.id === undefined) throw new Error("no held request");
    this.peer.respond(m.id, result);
  }

  /** The log as a wrapper's would be (for the transcript helpers). */
  tee(): TeeEntry[] {
    return this.peer.log.map((e) => ({ at: e.at, dir: e.dir === "out" ? "c2s" : "s2c", msg: e.msg }));
  }

  /**
   * Every message of the 0.166 registry that does not parse with its schema (notifications, server requests, the
   * answers to requests), described; `emittedAtMs` must be on every notification.
   */
  schemaProblems(): string[] {
    const problems: string[] = [];
    const sent = new Map<unknown, string>();
    const check = (what: string, schema: z.ZodType | undefined, value: unknown) => {
      const r = schema?.safeParse(value);
      if (r && !r.success) problems.push(`${what}: ${r.error.message.slice(0, 500)}`);
    };
    for (const e of this.peer.log) {
      const m = e.msg;
      if (e.dir === "out") {
        if (m.method !== undefined && m.id !== undefined) sent.set(m.id, m.method);
        continue;
      }
      if (m.method !== undefined && m.id !== undefined) {
        const r = (protocol0166.serverRequests as Record<string, { params: z.ZodType } | undefined>)[
          m.method
        ];
        check(`server request ${m.method}`, r?.params, m.params);
      } else if (m.method !== undefined) {
        check(
          `notification ${m.method}`,
          (protocol0166.notifications as Record<string, z.ZodType>)[m.method],
          m.params,
        );
        if (typeof m.emittedAtMs !== "number") problems.push(`notification ${m.method} has no emittedAtMs`);
      } else if (m.result !== undefined) {
        const method = sent.get(m.id);
        const r = method
          ? (protocol0166.requests as Record<string, { response: z.ZodType } | undefined>)[method]
          : undefined;
        check(`answer to ${method}`, r?.response, m.result);
      }
    }
    return problems;
  }

  close(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.peer.close();
  }

  private answer(m: RpcMessage): unknown {
    const next = this.answers.shift();
    if (next === HOLD) {
      this.held.push(m);
      return new Promise(() => {});
    }
    return next ?? { decision: "accept" };
  }
}

/** Queue this in `answers` to leave a server request unanswered (see `answerHeld`). */
export const HOLD = Symbol("hold");
