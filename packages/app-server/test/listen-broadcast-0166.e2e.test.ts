import fs from "node:fs/promises";
import path from "node:path";
import { AppServerClient, protocol0166 } from "@codex-ts/app-server-client";
import {
  CODEX_0166_BIN,
  type MockModelServer,
  mockCodexHome,
  responses,
  startMockModelServer,
  tempDir,
} from "@codex-ts/test-support";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type ListeningServer,
  type ModernConnection,
  startListening,
  startListeningNative,
} from "./helpers/listening-server.js";

/**
 * Which 0.166 notifications a listening server sends every initialized connection and which only the connections
 * following the thread, and that subscriptions are per connection: the same script on our `--listen` server and on
 * the native codex 0.166.0 `app-server --listen`, each connection's notifications compared.
 */
type Impl = "ours" | "real";
const IMPLS: Impl[] = CODEX_0166_BIN ? ["ours", "real"] : ["ours"];
if (!CODEX_0166_BIN) console.warn("listen broadcast: codex 0.166.0 not found (CODEX_0166_BIN), ours alone");

let mock: MockModelServer;
let tmp: string;
const servers: ListeningServer[] = [];
const clients: ModernConnection[] = [];

beforeAll(async () => {
  tmp = await tempDir("codex-listen-bcast-");
});
beforeEach(async () => {
  mock = await startMockModelServer();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ graceMs: 1000 }).catch(() => undefined)));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  await mock.close();
});

/** The notifications whose routing is compared (a thread's item events follow its turn's). */
const ROUTED = new Set([
  "thread/started",
  "thread/status/changed",
  "thread/closed",
  "thread/name/updated",
  "thread/goal/updated",
  "thread/goal/cleared",
  "thread/archived",
  "thread/unarchived",
  "thread/deleted",
  "turn/started",
  "turn/completed",
]);

interface Conn {
  c: ModernConnection;
  /** What it was sent, as `method` (with the status type for a status change). */
  seen: string[];
}

async function serve(impl: Impl, name: string): Promise<{ url: string; cwd: string }> {
  const root = path.join(tmp, `${impl}-${name}`);
  const codexHome = await mockCodexHome(mock.baseUrl, { dir: path.join(root, "codex-home"), modern: true });
  // A thread nobody follows is unloaded after 1 s (top-level key: it goes before the config's tables).
  const config = path.join(codexHome, "config.toml");
  await fs.writeFile(config, `thread_unload_delay_secs = 1\n${await fs.readFile(config, "utf8")}`);
  const args = ["--listen", "ws://127.0.0.1:0"];
  const s =
    impl === "ours"
      ? await startListening(args, { CODEX_HOME: codexHome, HOME: root }, 1, root)
      : await startListeningNative(args, codexHome, 1, root);
  servers.push(s);
  return { url: s.urls[0] as string, cwd: root };
}

async function connect(url: string, name: string): Promise<Conn> {
  const c = await AppServerClient.connect(url, { protocol: protocol0166 });
  clients.push(c);
  await c.initialize({ name, version: "1.0.0" }, { experimentalApi: true });
  const seen: string[] = [];
  c.onNotification((n) => {
    if (!ROUTED.has(n.method)) return;
    const status = (n.params as { status?: { type?: string } }).status?.type;
    seen.push(status ? `${n.method} ${status}` : n.method);
  });
  return { c, seen };
}

async function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const count = (conn: Conn, entry: string) => conn.seen.filter((s) => s === entry).length;

/** Waits until each connection has seen `entry` `n` times. */
async function everyoneSaw(conns: Record<string, Conn>, entry: string, n = 1): Promise<void> {
  for (const [name, conn] of Object.entries(conns))
    await until(() => count(conn, entry) >= n, `${entry} (x${n}) on ${name}`);
}

/**
 * The script: A starts a thread and runs a turn; B joins it; A renames it and sets and clears its goal; A stops
 * following it and B runs a turn; B stops following it and it unloads; A archives, unarchives and deletes it.
 * W follows nothing throughout. Resolves with each connection's notifications and the unsubscribe answers.
 */
async function script(
  impl: Impl,
): Promise<{ seen: Record<"A" | "B" | "W", string[]>; unsubscribes: string[] }> {
  const { url, cwd } = await serve(impl, "script");
  const A = await connect(url, "a");
  const B = await connect(url, "b");
  const W = await connect(url, "w");
  const all = { A, B, W };

  const { thread } = await A.c.request("thread/start", { cwd });
  const threadId = thread.id;
  await everyoneSaw(all, "thread/started");

  mock.enqueue(responses.turn(responses.message("first")));
  await A.c.request("turn/start", { threadId, input: [{ type: "text", text: "one" }] });
  await until(() => count(A, "turn/completed") === 1, "the first turn on A");
  await everyoneSaw(all, "thread/status/changed idle");

  await B.c.request("thread/resume", { threadId, excludeTurns: true });
  await A.c.request("thread/name/set", { threadId, name: "renamed" });
  await everyoneSaw(all, "thread/name/updated");
  await A.c.request("thread/goal/set", { threadId, objective: "the goal", status: "paused" });
  await everyoneSaw(all, "thread/goal/updated");
  await A.c.request("thread/goal/clear", { threadId });
  // One from B's resume (the thread had no goal then), one from the clear.
  await everyoneSaw(all, "thread/goal/cleared", 2);

  const unsubscribes: string[] = [];
  unsubscribes.push((await A.c.request("thread/unsubscribe", { threadId })).status);
  unsubscribes.push((await A.c.request("thread/unsubscribe", { threadId })).status);
  // B still follows the thread: its turn's events reach B, and only its status reaches A and W.
  mock.enqueue(responses.turn(responses.message("second")));
  await B.c.request("turn/start", { threadId, input: [{ type: "text", text: "two" }] });
  await until(() => count(B, "turn/completed") === 1, "B's turn on B");
  await everyoneSaw(all, "thread/status/changed idle", 2);

  unsubscribes.push((await B.c.request("thread/unsubscribe", { threadId })).status);
  // Nobody follows it now: it is unloaded after the delay, and every connection is told.
  await everyoneSaw(all, "thread/closed");

  await A.c.request("thread/archive", { threadId });
  await everyoneSaw(all, "thread/archived");
  await A.c.request("thread/unarchive", { threadId });
  await everyoneSaw(all, "thread/unarchived");
  await A.c.request("thread/delete", { threadId });
  await everyoneSaw(all, "thread/deleted");
  return { seen: { A: A.seen, B: B.seen, W: W.seen }, unsubscribes };
}

describe("--listen: what every connection is told, and per-connection subscriptions", () => {
  it("sends thread lifecycle notifications to every connection and a thread's turns to its followers only, as codex 0.166.0", {
    timeout: 240_000,
  }, async () => {
    const runs: Partial<Record<Impl, Awaited<ReturnType<typeof script>>>> = {};
    for (const impl of IMPLS) runs[impl] = await script(impl);
    const ours = runs.ours as Awaited<ReturnType<typeof script>>;
    // The second unsubscribe from A is refused; B's (after A's) is not: A's did not end B's subscription.
    expect(ours.unsubscribes).toEqual(["unsubscribed", "notSubscribed", "unsubscribed"]);
    const lifecycle = [
      "thread/name/updated",
      "thread/goal/updated",
      "thread/goal/cleared",
      "thread/closed",
      "thread/archived",
      "thread/unarchived",
      "thread/deleted",
    ];
    for (const [name, seen] of Object.entries(ours.seen)) {
      for (const method of lifecycle) expect(seen, `${name} ${method}`).toContain(method);
      // The thread unloads once: its notLoaded status and thread/closed, to everyone.
      expect(
        seen.filter((s) => s === "thread/closed"),
        name,
      ).toHaveLength(1);
    }
    // A's turn reached A alone, B's turn B alone; W, following nothing, saw no turn.
    expect(ours.seen.A.filter((s) => s === "turn/started")).toHaveLength(1);
    expect(ours.seen.B.filter((s) => s === "turn/started")).toHaveLength(1);
    expect(ours.seen.W.filter((s) => s.startsWith("turn/"))).toEqual([]);
    const real = runs.real;
    if (real) {
      expect(ours.unsubscribes).toEqual(real.unsubscribes);
      expect(ours.seen).toEqual(real.seen);
    }
  });
});
