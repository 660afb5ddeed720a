import { createHash, createHmac } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { HandshakeRefusedError } from "@codex-ts/app-server-client";
import {
  gate,
  type MockModelServer,
  mockCodexHome,
  responses,
  startMockModelServer,
  tempDir,
} from "@codex-ts/test-support";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  connect0166,
  httpGet,
  type ListeningServer,
  type ModernConnection,
  startListening,
  upgradeStatus,
} from "./helpers/listening-server.js";

/**
 * `codex app-server --listen`: several clients on one server (WebSocket and unix socket), approvals answered by
 * one of them, a client leaving mid-turn, handshake auth and Origin refusal, and one writer per thread across
 * server processes. Everything runs the built CLI against the mock model on 127.0.0.1.
 */
let mock: MockModelServer;
let tmp: string;
const servers: ListeningServer[] = [];
const clients: ModernConnection[] = [];

beforeAll(async () => {
  tmp = await tempDir("codex-listen-");
});
// A mock per test: replies one test queued but did not use (it failed early) never answer the next test's turns.
beforeEach(async () => {
  mock = await startMockModelServer();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ graceMs: 1000 }).catch(() => undefined)));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  await mock.close();
});

/** An HS256 JWT signed with `secret` (what a client of `--ws-auth signed-bearer-token` sends). */
function makeJwt(claims: Record<string, unknown>, secret: string): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const head = `${enc({ alg: "HS256", typ: "JWT" })}.${enc(claims)}`;
  return `${head}.${createHmac("sha256", secret).update(head).digest("base64url")}`;
}

async function home(name: string): Promise<string> {
  return mockCodexHome(mock.baseUrl, { dir: path.join(tmp, name), modern: true });
}

async function serve(args: string[], codexHome: string, urls = 1): Promise<ListeningServer> {
  const s = await startListening(args, { CODEX_HOME: codexHome }, urls, tmp);
  servers.push(s);
  return s;
}

async function client(url: string, name: string, token?: string): Promise<ModernConnection> {
  const c = await connect0166(url, name, token);
  clients.push(c);
  return c;
}

interface Seen {
  method: string;
  params: Record<string, unknown>;
}
function record(c: ModernConnection): Seen[] {
  const seen: Seen[] = [];
  c.onNotification((n) => seen.push({ method: n.method, params: n.params as Record<string, unknown> }));
  return seen;
}

async function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const completed = (seen: Seen[], turnId: string) =>
  seen.some((n) => n.method === "turn/completed" && (n.params.turn as { id: string }).id === turnId);

/** A command that needs the user's approval, in gpt-5.5's exec_command (0.166.0's threads have no `shell`). */
function shellCall(cmd: string, callId: string) {
  return responses.turn(
    responses.functionCall(
      "exec_command",
      { cmd, sandbox_permissions: "require_escalated", justification: "needed", yield_time_ms: 10_000 },
      callId,
    ),
  );
}

async function rolloutOf(codexHome: string, threadId: string): Promise<string> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.includes(threadId)) found.push(p);
    }
  };
  await walk(path.join(codexHome, "sessions"));
  expect(found).toHaveLength(1);
  return fs.readFile(found[0] as string, "utf8");
}

describe("codex app-server --listen", () => {
  it("serves two WebSocket clients and a unix-socket client on one server: all see the turn, one answers the approval, the others get serverRequest/resolved", {
    timeout: 150_000,
  }, async () => {
    const codexHome = await home("multi");
    const socket = path.join(tmp, "multi.sock");
    const s = await serve(["--listen", "ws://127.0.0.1:0", "--listen", `unix://${socket}`], codexHome, 2);
    const [wsUrl, unixUrl] = s.urls as [string, string];
    expect(wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(unixUrl).toBe(`unix://${socket}`);
    expect((await fs.stat(socket)).mode & 0o777).toBe(0o600);

    const a = await client(wsUrl, "client-a");
    const b = await client(wsUrl, "client-b");
    const c = await client(unixUrl, "client-c");
    const seenA = record(a);
    const seenB = record(b);
    const seenC = record(c);
    const asked: Record<string, number | string> = {};
    const hold = (name: string) => (req: { id: number | string }) => {
      asked[name] = req.id;
      return new Promise<never>(() => {});
    };
    a.onApproval(hold("a"));
    c.onApproval(hold("c"));
    b.onApproval((req) => {
      asked.b = req.id;
      return "approve";
    });

    const cwd = path.join(tmp, "multi-project");
    await fs.mkdir(cwd);
    const { thread } = await a.request("thread/start", {
      cwd,
      approvalPolicy: "on-request",
      sandbox: "read-only",
    });
    // A first turn writes the rollout the others resume from.
    mock.enqueue(responses.turn(responses.message("hello")));
    const first = await a.request("turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "hi" }],
    });
    await until(() => completed(seenA, first.turn.id), "the first turn");
    const rb = await b.request("thread/resume", { threadId: thread.id });
    const rc = await c.request("thread/resume", { threadId: thread.id });
    expect(rb.thread.id).toBe(thread.id);
    expect(rc.thread.id).toBe(thread.id);

    mock.enqueue(
      shellCall("echo approved > approved.txt", "call_multi"),
      responses.turn(responses.message("all done")),
    );
    const { turn } = await a.request("turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "write the file" }],
    });
    for (const [name, seen] of [
      ["a", seenA],
      ["b", seenB],
      ["c", seenC],
    ] as const)
      await until(() => completed(seen, turn.id), `turn/completed on ${name}`);
    // Each connection was asked, with its own request id; b's answer ran the command.
    expect(Object.keys(asked).sort()).toEqual(["a", "b", "c"]);
    expect(await fs.readFile(path.join(cwd, "approved.txt"), "utf8")).toBe("approved\n");
    for (const [name, seen] of [
      ["a", seenA],
      ["c", seenC],
      ["b", seenB],
    ] as const) {
      const resolved = seen.filter((n) => n.method === "serverRequest/resolved");
      expect(resolved, name).toHaveLength(1);
      expect(resolved[0]?.params).toEqual({ threadId: thread.id, requestId: asked[name] });
      const text = seen
        .filter((n) => n.method === "item/agentMessage/delta" && n.params.turnId === turn.id)
        .map((n) => n.params.delta)
        .join("");
      expect(text, name).toBe("all done");
      // Nothing of another thread or turn leaks in: every thread notification names this thread.
      for (const n of seen) if ("threadId" in n.params) expect(n.params.threadId).toBe(thread.id);
    }
    // A response goes only to the connection that asked: b and c never saw a's turn/start answer as a notification,
    // and the turn's started notification reached each exactly once.
    for (const seen of [seenA, seenB, seenC])
      expect(
        seen.filter((n) => n.method === "turn/started" && (n.params.turn as { id: string }).id === turn.id),
      ).toHaveLength(1);
  });

  it("sends an open approval to a client that joins the thread later (it answers; the first client is told), and announces thread/started and status to every 0.166 client", {
    timeout: 150_000,
  }, async () => {
    const codexHome = await home("late-join");
    const s = await serve(["--listen", "ws://127.0.0.1:0"], codexHome);
    const url = s.urls[0] as string;
    const a = await client(url, "starter");
    const b = await client(url, "late");
    const watcher = await client(url, "watcher");
    const [seenA, seenB, seenW] = [record(a), record(b), record(watcher)];
    const asked: Record<string, number | string> = {};
    a.onApproval((req) => {
      asked.a = req.id;
      return new Promise<never>(() => {});
    });
    b.onApproval((req) => {
      asked.b = req.id;
      return "approve";
    });
    watcher.onApproval(() => {
      throw new Error("the watcher follows no thread: it must not be asked");
    });

    const cwd = path.join(tmp, "late-join-project");
    await fs.mkdir(cwd);
    const { thread } = await a.request("thread/start", {
      cwd,
      approvalPolicy: "on-request",
      sandbox: "read-only",
    });
    // 0.166.0 announces a new thread to every initialized 0.166 connection, not only to the one that started it.
    for (const [name, seen] of [
      ["starter", seenA],
      ["late", seenB],
      ["watcher", seenW],
    ] as const) {
      await until(() => seen.some((n) => n.method === "thread/started"), `thread/started on ${name}`);
      const started = seen.filter((n) => n.method === "thread/started");
      expect(started, name).toHaveLength(1);
      expect(started[0]?.params.thread).toMatchObject({ id: thread.id });
    }

    mock.enqueue(shellCall("echo late > late.txt", "call_late"), responses.turn(responses.message("joined")));
    const { turn } = await a.request("turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "write it" }],
    });
    await until(() => asked.a !== undefined, "the approval on the starter");
    expect(asked.b).toBeUndefined();
    // The approval is open and the starter does not answer; the late client joins the live thread and is asked.
    const rb = await b.request("thread/resume", { threadId: thread.id });
    expect(rb.thread.id).toBe(thread.id);
    await until(() => completed(seenA, turn.id) && completed(seenB, turn.id), "the turn on both subscribers");
    expect(asked.b).toBeDefined();
    expect(await fs.readFile(path.join(cwd, "late.txt"), "utf8")).toBe("late\n");
    for (const [name, seen] of [
      ["starter", seenA],
      ["late", seenB],
    ] as const) {
      const resolved = seen.filter((n) => n.method === "serverRequest/resolved");
      expect(resolved, name).toHaveLength(1);
      expect(resolved[0]?.params).toEqual({
        threadId: thread.id,
        requestId: name === "starter" ? asked.a : asked.b,
      });
    }
    // The watcher follows no thread: it saw the thread's status change (0.166.0 sends that to every client) but
    // none of the turn's events.
    await until(
      () =>
        seenW.some(
          (n) =>
            n.method === "thread/status/changed" && (n.params.status as { type: string }).type === "idle",
        ),
      "the idle status on the watcher",
    );
    const statuses = seenW
      .filter((n) => n.method === "thread/status/changed")
      .map((n) => {
        const st = n.params.status as { type: string; activeFlags?: string[] };
        return st.type === "active" ? `active[${(st.activeFlags ?? []).join(",")}]` : st.type;
      });
    expect(statuses).toContain("active[waitingOnApproval]");
    expect(statuses.at(-1)).toBe("idle");
    expect(seenW.some((n) => n.method.startsWith("turn/") || n.method.startsWith("item/"))).toBe(false);
    expect(seenW.some((n) => n.method === "serverRequest/resolved")).toBe(false);
  });

  it("shares the skill roots one client sets with every connection, and tells the others skills/changed", {
    timeout: 150_000,
  }, async () => {
    const codexHome = await home("skill-roots");
    const s = await serve(["--listen", "ws://127.0.0.1:0"], codexHome);
    const url = s.urls[0] as string;
    const [a, b] = [await client(url, "setter"), await client(url, "other")];
    const [seenA, seenB] = [record(a), record(b)];
    const root = path.join(tmp, "skill-roots-extra");
    await fs.mkdir(path.join(root, "shared"), { recursive: true });
    await fs.writeFile(
      path.join(root, "shared", "SKILL.md"),
      "---\nname: shared-skill\ndescription: d\n---\n",
    );
    expect(await a.request("skills/extraRoots/set", { extraRoots: [root] })).toEqual({});
    await until(
      () => seenB.some((n) => n.method === "skills/changed"),
      "skills/changed on the other connection",
    );
    expect(seenA.filter((n) => n.method === "skills/changed")).toHaveLength(1);
    const listed = await b.request("skills/list", { cwds: [tmp] });
    expect(listed.data[0]?.skills.map((sk) => [sk.scope, sk.name])).toContainEqual(["user", "shared-skill"]);
  });

  it("keeps a turn running when its only client disconnects mid-turn; the events reach the rollout", {
    timeout: 150_000,
  }, async () => {
    const codexHome = await home("leave");
    const s = await serve(["--listen", "ws://127.0.0.1:0"], codexHome);
    const url = s.urls[0] as string;
    const a = await client(url, "leaver");
    const seen = record(a);
    const { thread } = await a.request("thread/start", { approvalPolicy: "never", sandbox: "read-only" });
    // The stream holds after its first word until the client is gone: the model finishes with nobody watching,
    // however slow the machine.
    const left = gate();
    mock.enqueue({
      kind: "sse",
      events: [
        responses.created(),
        ...responses.message("finished without anyone watching", "msg_slow", 20),
        responses.completed(),
      ],
      holdAfter: 3,
      until: left.until,
    });
    await a.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "go" }] });
    await until(() => seen.some((n) => n.method === "turn/started"), "turn/started");
    a.transport.terminate();
    await a.closed;
    left.open();
    // The turn finishes on the server: its final message and completion are written to the rollout.
    const end = Date.now() + 60_000;
    let rollout = "";
    while (Date.now() < end) {
      rollout = await rolloutOf(codexHome, thread.id).catch(() => "");
      if (rollout.includes('"role":"assistant","content":[{"type":"output_text","text":"finished without'))
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(rollout).toContain('"type":"agent_message","message":"finished without anyone watching"');
    expect(rollout).toContain('"role":"assistant","content":[{"type":"output_text","text":"finished without');
    // A new client resumes the thread and finds the turn completed.
    const b = await client(url, "returner");
    const resumed = await b.request("thread/resume", { threadId: thread.id });
    expect(resumed.thread.turns.at(-1)?.status).toBe("completed");
    expect(s.child.exitCode).toBeNull();
  });

  it("answers /readyz and /healthz, refuses an Origin header with 403, and refuses a wrong or missing token before initialize", {
    timeout: 150_000,
  }, async () => {
    const codexHome = await home("auth");
    const tokenFile = path.join(tmp, "token");
    await fs.writeFile(tokenFile, "s3cret-capability-token\n", { mode: 0o600 });
    const s = await serve(
      ["--listen", "ws://127.0.0.1:0", "--ws-auth", "capability-token", "--ws-token-file", tokenFile],
      codexHome,
    );
    const url = s.urls[0] as string;
    expect(await httpGet(url, "/readyz")).toEqual({ status: 200, body: "ok\n" });
    expect((await httpGet(url, "/healthz")).status).toBe(200);
    expect((await httpGet(url, "/readyz", { origin: "http://example.test" })).status).toBe(403);
    expect(
      await upgradeStatus(url, {
        origin: "http://example.test",
        authorization: "Bearer s3cret-capability-token",
      }),
    ).toBe(403);
    await expect(connect0166(url, "no-token")).rejects.toMatchObject({ status: 401 });
    const wrong = await connect0166(url, "wrong", "not-the-token").catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(HandshakeRefusedError);
    expect((wrong as HandshakeRefusedError).reason).toBe("invalid websocket bearer token");
    const ok = await client(url, "right", "s3cret-capability-token");
    expect((await ok.request("thread/start", {})).thread.id).toMatch(/-/);
    // The token never reaches the log.
    expect(s.stderr()).not.toContain("s3cret-capability-token");
    expect(s.stderr()).not.toContain("not-the-token");
  });

  it("rate-limits failed handshakes and accepts a signed bearer token (HS256 JWT) with issuer and audience", {
    timeout: 150_000,
  }, async () => {
    const codexHome = await home("jwt");
    const secretFile = path.join(tmp, "secret");
    const secret = "0123456789abcdef0123456789abcdef-shared";
    await fs.writeFile(secretFile, secret, { mode: 0o600 });
    const s = await serve(
      [
        "--listen",
        "ws://127.0.0.1:0",
        "--ws-auth",
        "signed-bearer-token",
        "--ws-shared-secret-file",
        secretFile,
        "--ws-issuer",
        "issuer-x",
        "--ws-audience",
        "codex-app-server",
      ],
      codexHome,
    );
    const url = s.urls[0] as string;
    const now = Math.floor(Date.now() / 1000);
    const good = makeJwt({ iss: "issuer-x", aud: "codex-app-server", exp: now + 60 }, secret);
    const ok = await client(url, "jwt", good);
    expect((await ok.request("thread/start", {})).thread.id).toMatch(/-/);
    const refused = async (token: string) =>
      ((await connect0166(url, "bad", token).catch((e: unknown) => e)) as HandshakeRefusedError).reason;
    expect(await refused(makeJwt({ iss: "issuer-x", aud: "codex-app-server", exp: now - 120 }, secret))).toBe(
      "expired websocket jwt",
    );
    expect(await refused(makeJwt({ iss: "other", aud: "codex-app-server", exp: now + 60 }, secret))).toBe(
      "websocket jwt issuer mismatch",
    );
    expect(
      await refused(makeJwt({ iss: "issuer-x", aud: "codex-app-server", exp: now + 60 }, "x".repeat(40))),
    ).toBe("invalid websocket jwt");
    // Ten failures a minute from one address, then even a good token is turned away until the window passes.
    for (let i = 0; i < 8; i++) await refused("garbage");
    const blocked = (await connect0166(url, "blocked", good).catch(
      (e: unknown) => e,
    )) as HandshakeRefusedError;
    expect(blocked.status).toBe(429);
  });

  it("refuses to listen on a non-loopback address without auth, and names a live socket it will not take over", {
    timeout: 150_000,
  }, async () => {
    const codexHome = await home("refuse");
    const { startListening: start } = await import("./helpers/listening-server.js");
    await expect(start(["--listen", "ws://0.0.0.0:0"], { CODEX_HOME: codexHome }, 1, tmp)).rejects.toThrow(
      /refusing to listen on non-loopback address 0\.0\.0\.0 without websocket auth/,
    );
    const socket = path.join(tmp, "taken.sock");
    await serve(["--listen", `unix://${socket}`], codexHome);
    await expect(start(["--listen", `unix://${socket}`], { CODEX_HOME: codexHome }, 1, tmp)).rejects.toThrow(
      /app-server control socket is already in use/,
    );
  });

  it("two connections resuming the same stored thread at once share one live thread", {
    timeout: 150_000,
  }, async () => {
    const codexHome = await home("rejoin");
    const first = await serve(["--listen", "ws://127.0.0.1:0"], codexHome);
    const a = await client(first.urls[0] as string, "writer");
    const seenA = record(a);
    const { thread } = await a.request("thread/start", { approvalPolicy: "never", sandbox: "read-only" });
    mock.enqueue(responses.turn(responses.message("stored")));
    const t = await a.request("turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "store" }],
    });
    await until(() => completed(seenA, t.turn.id), "the stored turn");
    await first.stop();

    const second = await serve(["--listen", "ws://127.0.0.1:0"], codexHome);
    const [b, c] = await Promise.all([
      client(second.urls[0] as string, "b"),
      client(second.urls[0] as string, "c"),
    ]);
    const seenB = record(b);
    const seenC = record(c);
    const [rb, rc] = await Promise.all([
      b.request("thread/resume", { threadId: thread.id }),
      c.request("thread/resume", { threadId: thread.id }),
    ]);
    expect([rb.thread.id, rc.thread.id]).toEqual([thread.id, thread.id]);
    mock.enqueue(responses.turn(responses.message("once for both")));
    const next = await b.request("turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "again" }],
    });
    await until(() => completed(seenB, next.turn.id) && completed(seenC, next.turn.id), "the shared turn");
    for (const seen of [seenB, seenC]) {
      const text = seen
        .filter((n) => n.method === "item/agentMessage/delta" && n.params.turnId === next.turn.id)
        .map((n) => n.params.delta)
        .join("");
      expect(text).toBe("once for both");
    }
    // One conversation wrote the rollout: the answer is recorded once.
    const rollout = await rolloutOf(codexHome, thread.id);
    expect(rollout.split('"type":"agent_message","message":"once for both"').length - 1).toBe(1);
  });

  it("lets one server write a thread: a second server resuming it gets an error until the first is killed -9", {
    timeout: 150_000,
  }, async () => {
    const codexHome = await home("writer");
    const first = await serve(["--listen", "ws://127.0.0.1:0"], codexHome);
    const a = await client(first.urls[0] as string, "first");
    const seen = record(a);
    const { thread } = await a.request("thread/start", { approvalPolicy: "never", sandbox: "read-only" });
    mock.enqueue(responses.turn(responses.message("written by the first")));
    const t = await a.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "hi" }] });
    await until(() => completed(seen, t.turn.id), "the first server's turn");
    const lock = path.join(codexHome, "app-server-control", "threads", `${thread.id}.lock`);
    expect(JSON.parse(await fs.readFile(lock, "utf8")).pid).toBe(first.child.pid);

    const second = await serve(["--listen", "ws://127.0.0.1:0"], codexHome);
    const b = await client(second.urls[0] as string, "second");
    await expect(b.request("thread/resume", { threadId: thread.id })).rejects.toMatchObject({
      code: -32600,
      message: `thread ${thread.id} is already loaded by another app-server process (pid ${first.child.pid}); only one server may write a thread at a time`,
    });

    first.child.kill("SIGKILL");
    await first.exited;
    // The lock file is still there, but its holder is gone: the next server takes it over.
    expect(JSON.parse(await fs.readFile(lock, "utf8")).pid).toBe(first.child.pid);
    const resumed = await b.request("thread/resume", { threadId: thread.id });
    expect(resumed.thread.id).toBe(thread.id);
    expect(JSON.parse(await fs.readFile(lock, "utf8")).pid).toBe(second.child.pid);
    // An orderly exit releases it.
    await b.close();
    clients.splice(clients.indexOf(b), 1);
    await second.stop();
    await expect(fs.stat(lock)).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("--ws-token-sha256", () => {
  it("accepts the token whose SHA-256 it was given", { timeout: 150_000 }, async () => {
    const codexHome = await home("sha");
    const digest = createHash("sha256").update("hashed-token").digest("hex");
    const s = await serve(
      ["--listen", "ws://127.0.0.1:0", "--ws-auth", "capability-token", "--ws-token-sha256", digest],
      codexHome,
    );
    const ok = await client(s.urls[0] as string, "sha", "hashed-token");
    expect((await ok.request("thread/start", {})).thread.id).toMatch(/-/);
    await expect(connect0166(s.urls[0] as string, "sha-bad", "hashed-tokem")).rejects.toMatchObject({
      status: 401,
    });
  });
});
