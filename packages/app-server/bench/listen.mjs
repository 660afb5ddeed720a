#!/usr/bin/env node
// `pnpm bench` (after run.mjs): one `codex app-server --listen ws://127.0.0.1:0` with BENCH_LISTEN_CLIENTS (default
// 50) WebSocket clients, each with its own 0.166 thread running BENCH_LISTEN_TURNS (default 5) turns against a mock
// model on 127.0.0.1 that echoes each turn's prompt. Bounded: every client and turn is counted, the whole run must
// finish within BENCH_LISTEN_TIMEOUT_MS (default 180 s). It fails (exit 1) on any lost or misrouted notification:
// a notification naming another client's thread, a turn whose streamed text is not its own prompt's echo, a turn
// completed other than exactly once. Reports turns/s, p50/p99 notification latency (receipt time minus the
// notification's own `emittedAtMs`, same clock) and the server's RSS (VmRSS at the end, VmHWM peak).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AppServerClient, protocol0166 } from "@codex-ts/app-server-client";
import { mockCodexHome, responses, startMockModelServer } from "@codex-ts/test-support";

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.resolve(here, "../../../apps/cli/dist/main.js");
const CLIENTS = Number(process.env.BENCH_LISTEN_CLIENTS ?? 50);
const TURNS = Number(process.env.BENCH_LISTEN_TURNS ?? 5);
const TIMEOUT_MS = Number(process.env.BENCH_LISTEN_TIMEOUT_MS ?? 180_000);

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "codex-bench-listen-"));
const mock = await startMockModelServer();
let server;
const problems = [];
try {
  const home = await mockCodexHome(mock.baseUrl, { dir: path.join(tmp, "home"), modern: true });
  const cwd = path.join(tmp, "work");
  await fs.mkdir(cwd);
  // One echo per model request, whichever client's it is: the reply names the prompt it answers.
  const echo = (body) => {
    const asked = [...JSON.stringify(body).matchAll(/client-\d+-turn-\d+/g)].at(-1)?.[0] ?? "?";
    return responses.turn(responses.message(`echo ${asked} done`, undefined, 4));
  };
  for (let i = 0; i < CLIENTS * TURNS; i++) mock.enqueue(echo);

  server = spawn(process.execPath, [cli, "app-server", "--listen", "ws://127.0.0.1:0"], {
    cwd,
    env: {
      ...process.env,
      CODEX_HOME: home,
      HTTP_PROXY: "http://127.0.0.1:9",
      HTTPS_PROXY: "http://127.0.0.1:9",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const url = await new Promise((resolve, reject) => {
    server.stderr.setEncoding("utf8");
    server.stderr.on("data", (c) => {
      if (stderr.length < 1 << 20) stderr += c;
      const m = /listening on (ws:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]);
    });
    server.once("exit", (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });

  const latencies = [];
  const runClient = async (i) => {
    const c = await AppServerClient.connect(url, { protocol: protocol0166 });
    await c.initialize({ name: `bench-${i}`, version: "1" }, {});
    const { thread } = await c.request("thread/start", {
      cwd,
      approvalPolicy: "never",
      sandbox: "read-only",
    });
    const text = new Map();
    const done = new Map();
    const waiters = new Map();
    c.onMessage((dir, m) => {
      if (dir !== "in" || !("method" in m) || "id" in m) return;
      if (typeof m.emittedAtMs === "number") latencies.push(Date.now() - m.emittedAtMs);
      const p = m.params ?? {};
      if (typeof p.threadId === "string" && p.threadId !== thread.id)
        problems.push(`client ${i}: ${m.method} of thread ${p.threadId}, not its own ${thread.id}`);
      if (m.method === "item/agentMessage/delta") text.set(p.turnId, (text.get(p.turnId) ?? "") + p.delta);
      if (m.method === "turn/completed") {
        done.set(p.turn.id, (done.get(p.turn.id) ?? 0) + 1);
        waiters.get(p.turn.id)?.();
      }
    });
    for (let t = 0; t < TURNS; t++) {
      const prompt = `client-${i}-turn-${t}`;
      const { turn } = await c.request("turn/start", {
        threadId: thread.id,
        input: [{ type: "text", text: prompt }],
      });
      if (!done.has(turn.id)) await new Promise((resolve) => waiters.set(turn.id, resolve));
      if (text.get(turn.id) !== `echo ${prompt} done`)
        problems.push(`client ${i} turn ${t}: streamed ${JSON.stringify(text.get(turn.id))}`);
    }
    await new Promise((r) => setTimeout(r, 200));
    for (const [turnId, n] of done)
      if (n !== 1) problems.push(`client ${i}: turn ${turnId} completed ${n} times`);
    if (done.size !== TURNS) problems.push(`client ${i}: ${done.size} of ${TURNS} turns completed`);
    return c;
  };

  const started = performance.now();
  let timer;
  const clients = await Promise.race([
    Promise.all(Array.from({ length: CLIENTS }, (_, i) => runClient(i))),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not finished within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  const status = readFileSync(`/proc/${server.pid}/status`, "utf8");
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  await Promise.all(clients.map((c) => c.close({ graceMs: 2000 })));
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))];
  console.log(
    `listen: ${CLIENTS} WebSocket clients × ${TURNS} turns, one thread each (mock model on 127.0.0.1)`,
  );
  console.log(
    `| turns | seconds | turns/s | notifications | p50 latency | p99 latency | server RSS | server peak RSS |`,
  );
  console.log(`| --- | --- | --- | --- | --- | --- | --- | --- |`);
  console.log(
    `| ${CLIENTS * TURNS} | ${seconds.toFixed(1)} | ${((CLIENTS * TURNS) / seconds).toFixed(1)} | ${latencies.length} | ${pct(50)} ms | ${pct(99)} ms | ${(kb("VmRSS") / 1024).toFixed(0)} MiB | ${(kb("VmHWM") / 1024).toFixed(0)} MiB |`,
  );
  if (problems.length > 0) {
    console.error(`lost or misrouted notifications:\n${problems.slice(0, 20).join("\n")}`);
    process.exitCode = 1;
  } else {
    console.log("no lost or misrouted notification");
  }
} finally {
  server?.kill("SIGTERM");
  if (server && server.exitCode === null) await new Promise((r) => server.once("exit", r));
  await mock.close();
  await fs.rm(tmp, { recursive: true, force: true });
}
