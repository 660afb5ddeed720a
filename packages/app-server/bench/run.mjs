#!/usr/bin/env node
// `pnpm bench`: this app-server vs the native codex 0.58.0 and 0.166.0 binaries on the same CODEX_HOME, side by side.
//   1. spawn → `initialize` response (median of RUNS fresh processes)
//   2. `thread/list` at BENCH_SIZES sessions (default 10 000 and 100 000) on disk in the real format (realistic heads:
//      a session_meta with a few KB of instructions, AGENTS.md and environment-context messages):
//      - first page (limit 25), the first request after spawn (median over RUNS fresh processes, after one untimed
//        process that warms the OS file cache and lets each server build whatever on-disk cache it keeps; the runs
//        alternate between the servers, so load changes on a shared machine hit them alike)
//      - a page filtered to a provider holding 1% of the sessions, first request after spawn and later requests
//      - later requests of the first page in one process (warm)
//   3. `fuzzyFileSearch` over a 100 000-file tree (median of RUNS requests; BENCH_FILES=0 skips it)
// Binaries: $CODEX_REAL_BIN (0.58.0) and $CODEX_0166_BIN (0.166.0), by default the native executables inside the npm
// packages under the repository's .cache (not the npm launcher, which adds its own Node start-up). A missing
// binary is reported as n/a. Every server runs with HTTP(S)_PROXY pointing at a closed local port and a
// config.toml that turns off update checks, analytics and plugin sync, so nothing can reach the internet.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
// Sessions in the real on-disk format, from the core package's store generator (see packages/core/bench).
import { generateStore, RARE_PROVIDER } from "../../core/bench/generate.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");
const OURS = [process.execPath, path.join(repo, "apps/cli/dist/main.js"), "app-server"];
const bin058 =
  process.env.CODEX_REAL_BIN ??
  path.join(
    repo,
    ".cache/codex-0.58.0/node_modules/@openai/codex/vendor/x86_64-unknown-linux-musl/codex/codex",
  );
const bin0166 =
  process.env.CODEX_0166_BIN ??
  path.join(
    repo,
    ".cache/codex-0.166.0/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex",
  );
const SERVERS = [
  ["codex-ts", OURS],
  ["codex 0.58.0", existsSync(bin058) ? [bin058, "app-server"] : null],
  ["codex 0.166.0", existsSync(bin0166) ? [bin0166, "app-server"] : null],
];
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? "10000,100000").split(",").map(Number);
const FILES = Number(process.env.BENCH_FILES ?? 100_000);
const INIT = {
  clientInfo: { name: "bench", title: null, version: "1" },
  capabilities: { experimentalApi: true },
};
const FILTERED = { limit: 25, modelProviders: [RARE_PROVIDER] };
const FIRST = { limit: 25 };
/** Nothing may leave the machine: proxies at a closed port, and 0.166.0's start-up fetches switched off. */
const NO_NETWORK = {
  HTTP_PROXY: "http://127.0.0.1:9",
  HTTPS_PROXY: "http://127.0.0.1:9",
  ALL_PROXY: "http://127.0.0.1:9",
  NO_PROXY: "127.0.0.1,localhost",
};
const CONFIG = [
  "check_for_update_on_startup = false",
  "[analytics]",
  "enabled = false",
  "[feedback]",
  "enabled = false",
  "[features]",
  "plugins = false",
  "",
].join("\n");

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** Starts a server and returns helpers to send a request and await its response by id. */
function start(cmd, codexHome) {
  const t0 = performance.now();
  const child = spawn(cmd[0], cmd.slice(1), {
    env: { PATH: process.env.PATH, HOME: codexHome, ...NO_NETWORK, CODEX_HOME: codexHome },
    cwd: codexHome,
    stdio: ["pipe", "pipe", "ignore"],
  });
  const waiting = new Map();
  let buf = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk) => {
    buf += chunk;
    let nl = buf.indexOf("\n");
    while (nl !== -1) {
      const msg = JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      nl = buf.indexOf("\n");
      if (msg.id !== undefined && !msg.method) waiting.get(msg.id)?.(msg);
    }
  });
  const call = (id, method, params) =>
    new Promise((resolve) => {
      waiting.set(id, (msg) => resolve({ msg, at: performance.now() }));
      child.stdin.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  const stop = () =>
    new Promise((resolve) => {
      child.once("exit", resolve);
      child.stdin.end();
    });
  return { t0, call, stop };
}

async function timeInitialize(cmd, codexHome) {
  const s = start(cmd, codexHome);
  const { at } = await s.call(0, "initialize", INIT);
  await s.stop();
  return at - s.t0;
}

/** Runs `requests` thread/list calls with `params` in one fresh process; their times (null: not served). */
async function timeThreadList(cmd, codexHome, params, requests) {
  const s = start(cmd, codexHome);
  await s.call(0, "initialize", INIT);
  const times = [];
  for (let i = 1; i <= requests; i++) {
    const t = performance.now();
    const { msg, at } = await s.call(i, "thread/list", params);
    if (msg.error) {
      await s.stop();
      return null;
    }
    if (msg.result.data.length !== 25)
      throw new Error(`thread/list ${JSON.stringify(params)} returned ${msg.result.data.length} items`);
    times.push(at - t);
  }
  await s.stop();
  return times;
}

/**
 * The first request after spawn (median over fresh processes) and later requests (median within one process), for
 * every server. Runs alternate between the servers, so a change in the machine's load hits all of them alike.
 */
async function benchThreadList(codexHome, params) {
  const firsts = SERVERS.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    for (const [s, [, cmd]] of SERVERS.entries()) {
      if (!cmd || firsts[s] === null) continue;
      const t = await timeThreadList(cmd, codexHome, params, 1);
      if (t === null) firsts[s] = null;
      else firsts[s].push(t[0]);
    }
  }
  const out = [];
  for (const [s, [, cmd]] of SERVERS.entries()) {
    if (!cmd || firsts[s] === null) {
      out.push(null);
      continue;
    }
    const later = (await timeThreadList(cmd, codexHome, params, RUNS + 1)).slice(1);
    out.push({ first: median(firsts[s]), later: median(later) });
  }
  return out;
}

async function timeFuzzySearch(cmd, codexHome, root) {
  const s = start(cmd, codexHome);
  await s.call(0, "initialize", INIT);
  const times = [];
  for (let i = 1; i <= RUNS; i++) {
    const t = performance.now();
    const { msg, at } = await s.call(i, "fuzzyFileSearch", {
      query: "file_42_99",
      roots: [root],
      cancellationToken: null,
    });
    if (!msg.result?.files?.length) return null;
    times.push(at - t);
  }
  await s.stop();
  return median(times);
}

/** A tree of `count` empty files, 1000 per directory. */
async function makeTree(root, count) {
  for (let d = 0; d * 1000 < count; d++) {
    const dir = path.join(root, `d${d}`, "sub");
    await fs.mkdir(dir, { recursive: true });
    const n = Math.min(1000, count - d * 1000);
    await Promise.all(
      Array.from({ length: n }, (_, f) => fs.writeFile(path.join(dir, `file_${d}_${f}.txt`), "")),
    );
  }
}

const fmt = (ms) => (ms == null ? "n/a" : `${ms.toFixed(1)} ms`);
const ratio = (a, b) => (a == null || b == null ? "n/a" : `${(a / b).toFixed(2)}x`);
const log = (msg) => process.stderr.write(`${msg}\n`);

/** Runs `measure` for every server (null for a missing binary). */
async function forEachServer(measure) {
  const out = [];
  for (const [, cmd] of SERVERS) out.push(cmd ? await measure(cmd) : null);
  return out;
}

const root = await fs.mkdtemp(path.join(os.tmpdir(), "codex-bench-"));
try {
  const rows = [];
  const home0 = path.join(root, "empty");
  await fs.mkdir(home0);
  await fs.writeFile(path.join(home0, "config.toml"), CONFIG);
  const inits = SERVERS.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    for (const [s, [, cmd]] of SERVERS.entries()) if (cmd) inits[s].push(await timeInitialize(cmd, home0));
  }
  rows.push(["spawn → initialize response", ...inits.map((t) => (t.length ? median(t) : null))]);
  for (const size of SIZES) {
    const home = path.join(root, `store-${size}`);
    await fs.mkdir(home, { recursive: true });
    await fs.writeFile(path.join(home, "config.toml"), CONFIG);
    log(`writing ${size} sessions…`);
    await generateStore(home, { count: size });
    // One untimed process per server: the OS file cache is warm and every server has built its own cache.
    await forEachServer(async (cmd) => {
      await timeThreadList(cmd, home, FIRST, 2);
      await timeThreadList(cmd, home, FILTERED, 2);
    });
    log(`measuring thread/list @ ${size}…`);
    const first = await benchThreadList(home, FIRST);
    const filtered = await benchThreadList(home, FILTERED);
    const k = `${size / 1000}k`;
    rows.push([`thread/list first page, first request after spawn @ ${k}`, ...first.map((r) => r?.first)]);
    rows.push([
      `thread/list 1%-provider page, first request after spawn @ ${k}`,
      ...filtered.map((r) => r?.first),
    ]);
    rows.push([`thread/list first page, warm (later requests) @ ${k}`, ...first.map((r) => r?.later)]);
    rows.push([`thread/list 1%-provider page, warm @ ${k}`, ...filtered.map((r) => r?.later)]);
    await fs.rm(home, { recursive: true, force: true });
  }
  if (FILES > 0) {
    const tree = path.join(root, "tree");
    log(`writing ${FILES} files…`);
    await makeTree(tree, FILES);
    rows.push([
      `fuzzyFileSearch @ ${FILES} files`,
      ...(await forEachServer((cmd) => timeFuzzySearch(cmd, home0, tree))),
    ]);
  }
  console.log(
    `| measurement (median of ${RUNS}) | codex-ts | codex 0.58.0 | codex 0.166.0 | ts / 0.58 | ts / 0.166 |`,
  );
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const [name, ours, v058, v0166] of rows)
    console.log(
      `| ${name} | ${fmt(ours)} | ${fmt(v058)} | ${fmt(v0166)} | ${ratio(ours, v058)} | ${ratio(ours, v0166)} |`,
    );
} finally {
  await fs.rm(root, { recursive: true, force: true });
}
