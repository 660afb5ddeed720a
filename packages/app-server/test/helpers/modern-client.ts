import {
  AppServerError,
  type Protocol0166,
  protocol0166,
  type RequestArgs,
  type RequestId,
  type RequestMethod,
  type RequestResult,
  type ServerRequestMethod,
  type ServerRequestResult,
} from "@codex-ts/app-server-client";
import {
  CLI_MAIN,
  type Message,
  startAppServer,
  type TeeEntry,
  type TestAppServer,
} from "@codex-ts/test-support";

/** Our built CLI, as a command line (the other servers are a binary's path). */
export const OURS = [process.execPath, CLI_MAIN];

/** What this client answers a server request with (its decision). */
type Answer = ServerRequestResult<Protocol0166, ServerRequestMethod<Protocol0166>>;

/** One message on the wire, with when it passed and which way (`out`: to the server). */
interface Logged {
  at: number;
  dir: "out" | "in";
  msg: Message;
}

/**
 * A 0.166 client of an app server process (this server, or codex 0.166.0 for comparison), on the test-support
 * harness (the typed `@codex-ts/app-server-client` with the 0.166 registry, which checks every message it receives
 * against its schema): it initializes with capabilities, answers the server's approval requests from a queue of
 * decisions (accept when the queue is empty), and logs the wire both ways for the transcript helpers.
 */
export class ModernClient {
  /** Answers for the next server requests, in order (`{decision: "accept"}` when none is queued). */
  readonly answers: unknown[] = [];
  /** Server requests held unanswered until `answerHeld` (queue `HOLD` to hold one), by id, oldest first. */
  private readonly held: { id: RequestId; answer(result: unknown): void }[] = [];
  private readonly log: Logged[] = [];
  private rawIds = 0;

  private constructor(readonly server: TestAppServer<Protocol0166>) {
    server.onMessage((dir, msg) => this.log.push({ at: Date.now(), dir, msg }));
    for (const method of Object.keys(protocol0166.serverRequests) as ServerRequestMethod<Protocol0166>[])
      server.onServerRequest(method, (_params, { id }) => this.answerNext(id));
  }

  static async start(
    command: string[],
    o: { codexHome: string; cwd: string; env?: NodeJS.ProcessEnv; capabilities?: unknown },
  ): Promise<ModernClient> {
    const ours = command[0] === OURS[0] && command[1] === OURS[1];
    const server = await startAppServer({
      ...(ours ? {} : { bin: { path: command[0] as string } }),
      home: o.codexHome,
      cwd: o.cwd,
      protocol: protocol0166,
      env: { HOME: o.codexHome, TERM: "dumb", LANG: "C.UTF-8", RUST_LOG: "warn", ...o.env },
    });
    const c = new ModernClient(server);
    const capabilities = (
      o.capabilities === undefined ? { experimentalApi: true } : o.capabilities
    ) as Parameters<typeof server.initialize>[1];
    await server.initialize({ name: "codex-ts-test", version: "1.0.0" }, capabilities);
    return c;
  }

  /** The result of a typed request; an error answer throws the client's `AppServerError`. */
  call<M extends RequestMethod<Protocol0166>>(
    method: M,
    ...args: RequestArgs<Protocol0166, M>
  ): Promise<RequestResult<Protocol0166, M>> {
    return this.server.request(method, ...args);
  }

  /** The error answer (`{code, message}`) of a request that must fail. */
  async error<M extends RequestMethod<Protocol0166>>(
    method: M,
    ...args: RequestArgs<Protocol0166, M>
  ): Promise<{ code: number; message: string }> {
    try {
      const result = await this.server.request(method, ...args);
      throw new Error(`${method} succeeded: ${JSON.stringify(result)}`);
    } catch (err) {
      if (!(err instanceof AppServerError)) throw err;
      return { code: err.code, message: err.message };
    }
  }

  /** The result, or the error answer (`{code, message}`), of a typed request. */
  async settle<M extends RequestMethod<Protocol0166>>(
    method: M,
    ...args: RequestArgs<Protocol0166, M>
  ): Promise<RequestResult<Protocol0166, M> | { code: number; message: string }> {
    try {
      return await this.server.request(method, ...args);
    } catch (err) {
      if (!(err instanceof AppServerError)) throw err;
      return { code: err.code, message: err.message };
    }
  }

  /**
   * Sends a request as is — any method, any params, for the error cases a typed call cannot express — and resolves
   * with the whole response message. Its id is a string, so it never meets the typed client's integer ids.
   */
  raw(method: string, params: unknown): Promise<Message> {
    return this.server.raw.call(`raw-${++this.rawIds}`, method, params);
  }

  /** The messages received from log position `from` on (see `mark`). */
  received(from = 0): Message[] {
    return this.log.slice(from).flatMap((e) => (e.dir === "in" ? [e.msg] : []));
  }

  /** The log position now, for `waitFor` and slicing `tee()`. */
  mark(): number {
    return this.log.length;
  }

  /** The first received message from log position `from` on that matches (already received or future). */
  async waitFor(pred: (m: Message) => boolean, o: { from?: number } = {}): Promise<Message> {
    let found: Message | undefined;
    await this.server.waitUntil(() => {
      found = this.log.slice(o.from ?? 0).find((e) => e.dir === "in" && pred(e.msg))?.msg;
      return found !== undefined;
    }, "a message");
    return found as Message;
  }

  /** Starts a turn and waits for its `turn/completed`; resolves with the turn id. */
  async turn(
    threadId: string,
    text: string,
    extra: Omit<RequestArgs<Protocol0166, "turn/start">[0], "threadId" | "input"> = {},
  ): Promise<string> {
    const from = this.mark();
    const { turn } = await this.call("turn/start", {
      threadId,
      input: [{ type: "text", text }],
      ...extra,
    });
    await this.turnCompleted(turn.id, from);
    return turn.id;
  }

  turnCompleted(turnId: string, from = 0): Promise<Message> {
    return this.waitFor(
      (m) => m.method === "turn/completed" && (m.params as { turn: { id: string } }).turn.id === turnId,
      { from },
    );
  }

  /** Answers the oldest held server request. */
  answerHeld(result: unknown): void {
    const held = this.held.shift();
    if (held === undefined) throw new Error("no held request");
    held.answer(result);
  }

  /** The log as a wrapper's would be (for the transcript helpers). */
  tee(): TeeEntry[] {
    return this.log.map((e) => ({ at: e.at, dir: e.dir === "out" ? "c2s" : "s2c", msg: e.msg }));
  }

  /**
   * What broke the 0.166 registry's schemas (the harness checks notifications, server requests and answers), and
   * any notification without its `emittedAtMs` stamp.
   */
  schemaProblems(): string[] {
    const unstamped = this.log
      .filter((e) => e.dir === "in" && e.msg.method !== undefined && e.msg.id === undefined)
      .filter((e) => typeof e.msg.emittedAtMs !== "number")
      .map((e) => `notification ${e.msg.method} has no emittedAtMs`);
    return [...this.server.wireViolations, ...unstamped];
  }

  get running(): boolean {
    return this.server.running;
  }

  close() {
    return this.server.close({ graceMs: 10_000 });
  }

  /** The queued answer (a test's decision, checked by the server as any client's), or a promise `answerHeld` keeps. */
  private answerNext(id: RequestId): Promise<Answer> | Answer {
    const next = this.answers.shift();
    if (next === HOLD)
      return new Promise((resolve) => this.held.push({ id, answer: (r) => resolve(r as Answer) }));
    return (next ?? { decision: "accept" }) as Answer;
  }
}

/** Queue this in `answers` to leave a server request unanswered (see `answerHeld`). */
export const HOLD = Symbol("hold");
