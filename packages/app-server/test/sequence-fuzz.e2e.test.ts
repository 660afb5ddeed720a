import { spawn } from "node:child_process";
import {
  CLI_MAIN,
  JsonRpcChild,
  mockCodexHome,
  type RpcMessage,
  responses,
  type ScriptedResponse,
  startMockModelServer,
  tempDir,
} from "@codex-ts/test-support";
import { describe, expect, it } from "vitest";

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
const LEAKED = /TypeError|ReferenceError|Cannot read propert|is not a function|is not iterable/;

/** A linear congruential generator: the same seed, the same choices. */
function seeded(seed: number) {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  return { next, pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T };
}

function modelAnswer(r: ReturnType<typeof seeded>): ScriptedResponse {
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

describe("concurrent thread operations in random order", () => {
  it("every request is answered, nothing leaks, and the server exits 0", async () => {
    const r = seeded(7);
    const mock = await startMockModelServer([], {
      routes: [{ name: "random", match: () => true, answer: () => modelAnswer(r) }],
    });
    try {
      const home = await mockCodexHome(mock.baseUrl, { modern: true, retries: { request: 1, stream: 1 } });
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
      await rpc.request("initialize", {
        clientInfo: { name: "sequence", title: null, version: "1" },
        capabilities: { experimentalApi: true },
      });
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
            if (error && LEAKED.test(error.message ?? "")) problems.push(`${method}: ${error.message}`);
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
      const onThread = (method: string, extra: Record<string, unknown> = {}) =>
        threads.length > 0 ? send(method, { threadId: r.pick(threads), ...extra }) : undefined;
      const remember = async (answer: Promise<RpcMessage | undefined> | undefined) => {
        const id = ((await answer)?.result as { thread?: { id?: string } } | undefined)?.thread?.id;
        if (id) threads.push(id);
      };
      const text = (t: string) => [{ type: "text", text: t }];
      const operations = [
        () =>
          remember(
            send("thread/start", { cwd: work, approvalPolicy: r.pick(["never", "on-request", "untrusted"]) }),
          ),
        () => onThread("turn/start", { input: text(r.pick(["hi", "run a command", "patch"])) }),
        () => onThread("turn/start", { input: text("more") }),
        () => onThread("turn/interrupt", { turnId: "" }),
        () => onThread("turn/steer", { input: text("steer"), expectedTurnId: "x" }),
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
      for (let i = 0; i < OPERATIONS; i++) {
        void r.pick(operations)();
        // Now and then let the server catch up, so some operations meet running turns and some idle threads.
        if (r.next() < 0.5) await new Promise((done) => setTimeout(done, Math.floor(r.next() * 40)));
        if (inFlight.size > MAX_IN_FLIGHT) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      expect(problems).toEqual([]);
      expect(threads.length).toBeGreaterThan(3);
      expect(await rpc.close()).toEqual({ code: 0, signal: null });
      expect(rpc.stderr).not.toMatch(/Uncaught|unhandled|TypeError/i);
    } finally {
      await mock.close();
    }
  }, 600_000);
});
