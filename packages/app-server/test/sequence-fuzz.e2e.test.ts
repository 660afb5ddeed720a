import { spawn } from "node:child_process";
import {
  CLI_MAIN,
  JsonRpcChild,
  mockCodexHome,
  type RpcMessage,
  responses,
  type ScriptedResponse,
  type SeededRandom,
  seededRandom,
  startMockModelServer,
  tempDir,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";
import { LEAKED_JS_FAILURE } from "./helpers/leaked-failure.js";

/**
 * Random but seeded sequences of thread operations, many in flight at once, against a model that answers at random:
 * messages, shell commands, patches, failures, cut streams, and requests it never answers. Whatever the interleaving,
 * every request must be answered (no interrupt left waiting on a thread an archive unloaded, no archive waiting for
 * turns queued behind the one it interrupted), no answer may leak a JavaScript failure, and the server must exit 0
 * at EOF. Interleavings differ from run to run; the invariants hold in each.
 */

const OPERATIONS = 250;
const MAX_IN_FLIGHT = 20;
const ANSWER_MS = 60_000;

function modelAnswer(r: SeededRandom): ScriptedResponse {
  const x = r.next();
  if (x < 0.35) return responses.turn(responses.message("hello there"));
  if (x < 0.55) {
    const command = r.pick(["echo hi", "sleep 0.3; echo done", "touch f.txt"]);
    return responses.turn(responses.functionCall("shell_command", { command }));
  }
  if (x < 0.65) {
    const input = "*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\n";
    return responses.turn(responses.functionCall("apply_patch", { input }));
  }
  if (x < 0.72) return { kind: "hang" };
  if (x < 0.8) return { kind: "http", status: 500, body: "boom" };
  if (x < 0.87) return { ...responses.turn(responses.message("cut short")), cutAfter: 2 } as ScriptedResponse;
  return responses.turn(responses.reasoning("thinking"), responses.message("ok"));
}

type Send = (method: string, params: unknown) => Promise<RpcMessage | undefined>;
interface Drive {
  r: SeededRandom;
  send: Send;
  work: string;
  /** Ids of the threads (conversations) made so far. */
  threads: string[];
  /** Rollout paths of the v1 conversations made so far. */
  paths: string[];
}

const text0166 = (t: string) => [{ type: "text", text: t }];
const text058 = (t: string) => [{ type: "text", data: { text: t } }];

function operations0166({ r, send, work, threads }: Drive) {
  const onThread = (method: string, extra: Record<string, unknown> = {}) =>
    threads.length > 0 ? send(method, { threadId: r.pick(threads), ...extra }) : undefined;
  const remember = async (answer: Promise<RpcMessage | undefined> | undefined) => {
    const id = ((await answer)?.result as { thread?: { id?: string } } | undefined)?.thread?.id;
    if (id) threads.push(id);
  };
  return [
    () =>
      remember(
        send("thread/start", { cwd: work, approvalPolicy: r.pick(["never", "on-request", "untrusted"]) }),
      ),
    () => onThread("turn/start", { input: text0166(r.pick(["hi", "run a command", "patch"])) }),
    () => onThread("turn/start", { input: text0166("more") }),
    () => onThread("turn/interrupt", { turnId: "" }),
    () => onThread("turn/steer", { input: text0166("steer"), expectedTurnId: "x" }),
    () => onThread("thread/archive"),
    () => onThread("thread/unarchive"),
    () => onThread("thread/resume"),
    () => remember(onThread("thread/fork")),
    () => onThread("thread/read", { includeTurns: true }),
    () => onThread("thread/turns/list", { limit: 5 }),
    () => send("thread/list", { limit: 10 }),
    () => send("thread/loaded/list", {}),
    () => onThread("thread/unsubscribe"),
    () => onThread("thread/name/set", { name: "renamed" }),
    () => onThread("thread/compact/start"),
    () => onThread("thread/delete"),
    () => onThread("review/start", { target: { type: "uncommittedChanges" } }),
  ];
}

function operations058({ r, send, work, threads, paths }: Drive) {
  const conversation = () => r.pick(threads);
  const path = () => r.pick(paths);
  const newConversation = async () => {
    const opened = (
      await send("newConversation", { cwd: work, approvalPolicy: r.pick(["never", "untrusted"]) })
    )?.result as { conversationId?: string; rolloutPath?: string } | undefined;
    if (!opened?.conversationId || !opened.rolloutPath) return;
    threads.push(opened.conversationId);
    paths.push(opened.rolloutPath);
    await send("addConversationListener", { conversationId: opened.conversationId });
  };
  const withThreads = (op: () => unknown) => () => (threads.length > 0 ? op() : undefined);
  const withPaths = (op: () => unknown) => () => (paths.length > 0 ? op() : undefined);
  return [
    newConversation,
    async () => {
      const id = (
        (await send("thread/start", { cwd: work }))?.result as { thread?: { id?: string } } | undefined
      )?.thread?.id;
      if (id) threads.push(id);
    },
    withThreads(() => send("sendUserMessage", { conversationId: conversation(), items: text058("hi") })),
    withThreads(() =>
      send("sendUserTurn", {
        conversationId: conversation(),
        items: text058("turn"),
        cwd: work,
        approvalPolicy: "never",
        sandboxPolicy: { mode: "read-only" },
        model: "gpt-5-codex",
        effort: null,
        summary: "auto",
      }),
    ),
    withThreads(() => send("turn/start", { threadId: conversation(), input: text0166("v2") })),
    withThreads(() => send("interruptConversation", { conversationId: conversation() })),
    withThreads(() => send("turn/interrupt", { threadId: conversation(), turnId: "0" })),
    withThreads(() => send("thread/archive", { threadId: conversation() })),
    withThreads(() => send("thread/resume", { threadId: conversation() })),
    withThreads(() => send("thread/compact", { threadId: conversation() })),
    withPaths(() => send("archiveConversation", { conversationId: conversation(), rolloutPath: path() })),
    withPaths(() => send("resumeConversation", { path: path() })),
    withPaths(() => send("getConversationSummary", { rolloutPath: path() })),
    () => send("listConversations", { pageSize: 5 }),
    () => send("thread/list", { limit: 5 }),
    () => send("execOneOffCommand", { command: ["echo", "x"] }),
  ];
}

async function runSequence(generation: "0.58" | "0.166", makeOperations: (d: Drive) => Array<() => unknown>) {
  const r = seededRandom(7);
  const mock = await startMockModelServer([], {
    routes: [{ name: "random", match: () => true, answer: () => modelAnswer(r) }],
  });
  try {
    const home = await mockCodexHome(mock.baseUrl, {
      modern: generation === "0.166",
      retries: { request: 1, stream: 1 },
    });
    const work = await tempDir("codex-sequence-work-");
    const child = spawn(process.execPath, [CLI_MAIN, "app-server"], {
      cwd: work,
      env: { PATH: process.env.PATH, HOME: home, CODEX_HOME: home },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const rpc = new JsonRpcChild(child, {
      jsonrpc: false,
      onRequest: () => ({ decision: r.pick(["accept", "decline", "cancel", "acceptForSession"]) }),
    });
    const clientInfo = { name: "sequence", title: null, version: "1" };
    await rpc.request(
      "initialize",
      generation === "0.166" ? { clientInfo, capabilities: { experimentalApi: true } } : { clientInfo },
    );
    rpc.notify("initialized");

    const threads: string[] = [];
    const problems: string[] = [];
    const inFlight = new Set<Promise<RpcMessage | undefined>>();
    const send = (method: string, params: unknown) => {
      const sent: Promise<RpcMessage | undefined> = rpc.request(method, params, ANSWER_MS).then(
        (answer) => {
          const error = answer.error as { code?: number; message?: string } | undefined;
          if (error && ![-32600, -32602, -32603].includes(error.code ?? 0))
            problems.push(`${method}: code ${error.code}`);
          if (error && LEAKED_JS_FAILURE.test(error.message ?? ""))
            problems.push(`${method}: ${error.message}`);
          return answer;
        },
        (err: Error) => {
          problems.push(`${method} ${JSON.stringify(params)}: ${err.message.slice(0, 200)}`);
          return undefined;
        },
      );
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
      return sent;
    };
    const operations = makeOperations({ r, send, work, threads, paths: [] });
    // Operations may chain requests (a conversation, then its listener): wait for the operations, not only for the
    // requests in flight at the end.
    const running = new Set<Promise<unknown>>();
    for (let i = 0; i < OPERATIONS; i++) {
      const op = Promise.resolve(r.pick(operations)());
      running.add(op);
      void op.finally(() => running.delete(op));
      // Now and then let the server catch up, so some operations meet running turns and some idle threads.
      if (r.next() < 0.5) await new Promise((done) => setTimeout(done, Math.floor(r.next() * 40)));
      if (inFlight.size > MAX_IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(running);
    await Promise.all(inFlight);
    expect(problems).toEqual([]);
    expect(threads.length).toBeGreaterThan(3);
    expect(await rpc.close()).toEqual({ code: 0, signal: null });
    expect(rpc.stderr).not.toMatch(/Uncaught|unhandled|TypeError/i);
  } finally {
    await mock.close();
  }
}

describe("concurrent thread operations in random order", () => {
  it("0.166: every request is answered, nothing leaks, and the server exits 0", async () => {
    await runSequence("0.166", operations0166);
  }, 600_000);

  it("0.58: every request is answered, nothing leaks, and the server exits 0", async () => {
    await runSequence("0.58", operations058);
  }, 600_000);
});
