#!/usr/bin/env node
// `pnpm bench`: this app-server vs the native codex 0.58.0 and 0.166.0 binaries on the same CODEX_HOME, side by side.
//   1. spawn → `initialize` response (median of RUNS fresh processes, interleaved): ours as the `codex` bin runs
//      (with its code cache, and without it as on a first run), the native binaries, and the floor a Node process
//      sets: a script that answers `initialize` with one line
//   2. `thread/list` at BENCH_SIZES sessions (default 10 000 and 100 000) on disk in the real format (realistic heads:
//      a session_meta with a few KB of instructions, AGENTS.md and environment-context messages):
//      - first page (limit 25), the first request after spawn (median over RUNS fresh processes, after one untimed
//        process that warms the OS file cache and lets each server build whatever on-disk cache it keeps; the runs
//        alternate between the servers, so load changes on a shared machine hit them alike)
//      - a page filtered to a provider holding 1% of the sessions, first request after spawn and later requests
//      - later requests of the first page in one process (warm)
//      - the same first page with every server's caches deleted first (no sessions index for us, no state
//        databases for 0.166.0): one run each
//      - peak RSS of each server (VmHWM) after its first page
//      - ours speaking 0.166 (its thread/list handler) against 0.166.0: the first page, a `cwd` page (2% of
//        sessions) and a `searchTerm` page (1%), first request after spawn and later requests
//   3. a BENCH_RESUME_MB (default 100) rollout with a compaction near its end: `thread/resume` (0.166.0:
//      `excludeTurns: true`) as the first request after spawn, time and the server's peak RSS; ours speaking 0.166
//      too (`thread/resume {excludeTurns}`; `thread/read` + `thread/turns/list {limit: 10}`), each server in fresh
//      processes
//      and `thread/search` for a term no message holds (every session checked), first request after spawn and later
//   4. `fuzzyFileSearch` over a 100 000-file tree (median of RUNS requests; BENCH_FILES=0 skips it)
// Ours starts without the app-server code cache earlier runs left (the test suite's grow it with every feature's
// code): the bench's own first run writes it, as an install's first runs do.
// Binaries: $CODEX_REAL_BIN (0.58.0) and $CODEX_0166_BIN (0.166.0), by default the native executables inside the npm
// packages under the repository's .cache (not the npm launcher, which adds its own Node start-up). A missing
// binary is reported as n/a. Every server runs with HTTP(S)_PROXY pointing at a closed local port and a
// config.toml that turns off update checks, analytics and plugin sync, so nothing can reach the internet.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
// Sessions in the real on-disk format, from the core package's store generator (see packages/core/bench).
import { generateStore, RARE_PROVIDER, RARE_TERM, writeLargeSession } from "../../core/bench/generate.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");
const cliDir = path.join(repo, "apps/cli");
/** The `codex` bin as package.json declares it: what an installed `codex app-server` runs. */
const cliBin = path.join(
  cliDir,
  JSON.parse(readFileSync(path.join(cliDir, "package.json"), "utf8")).bin.codex,
);
const OURS = [process.execPath, cliBin, "app-server"];
const OURS_UNCACHED_ENV = { CODEX_TS_CODE_CACHE: "0" };
/** Ours spoken to as a 0.166 client (codex-acp) speaks: the 0.166 thread/* handlers answer. */
const OURS_0166 = [...OURS];
const NODE_FLOOR = [process.execPath, path.join(here, "node-floor.mjs")];
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
/** Our first listing page's heads snapshot (core head-snapshot.ts): a cache, deleted with the others. */
const HEADS_SNAPSHOT = "sessions-index.heads.json";
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const RESUME_MB = Number(process.env.BENCH_RESUME_MB ?? 100);
const SIZES = (process.env.BENCH_SIZES ?? "10000,100000").split(",").filter(Boolean).map(Number);
const FILES = Number(process.env.BENCH_FILES ?? 100_000);
/**
 * 0.166.0 clients send `capabilities` (codex-acp: `{experimentalApi: true}`), and a connection that does speaks the
 * 0.166 protocol here. Ours is measured both ways: as 0.58.0 clients speak (the 0.58 rows) and as 0.166 clients do
 * (`OURS_0166`, the rows that say "0.166").
 */
const INIT_058 = { clientInfo: { name: "bench", title: null, version: "1" } };
const INIT_0166 = { ...INIT_058, capabilities: { experimentalApi: true } };
const initOf = (cmd) => (cmd === SERVERS[2][1] || cmd === OURS_0166 ? INIT_0166 : INIT_058);
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
function start(cmd, codexHome, env = {}) {
  const t0 = performance.now();
  const child = spawn(cmd[0], cmd.slice(1), {
    env: { PATH: process.env.PATH, HOME: codexHome, ...NO_NETWORK, ...env, CODEX_HOME: codexHome },
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
  /** The server's peak resident set size so far (Linux VmHWM), in bytes. */
  const peakRss = () => {
    try {
      const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
      return m ? Number(m[1]) * 1024 : null;
    } catch {
      return null;
    }
  };
  return { t0, call, stop, peakRss };
}

async function timeInitialize(cmd, codexHome, env) {
  const s = start(cmd, codexHome, env);
  const { at } = await s.call(0, "initialize", initOf(cmd));
  await s.stop();
  return at - s.t0;
}

/** Runs `requests` thread/list calls with `params` in one fresh process; their times (null: not served). */
async function timeThreadList(cmd, codexHome, params, requests) {
  const s = start(cmd, codexHome);
  await s.call(0, "initialize", initOf(cmd));
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
  times.rss = s.peakRss();
  await s.stop();
  return times;
}

/** Sends `requests` ([method, params]) one after the other in a fresh process: their times and the peak RSS. */
async function timeRequests(cmd, codexHome, requests) {
  const s = start(cmd, codexHome);
  await s.call(0, "initialize", initOf(cmd));
  const times = [];
  for (const [i, [method, params]] of requests.entries()) {
    const t = performance.now();
    const { msg, at } = await s.call(i + 1, method, params);
    if (msg.error) {
      log(`  ${cmd[0]} ${method}: ${msg.error.message}`);
      await s.stop();
      return null;
    }
    times.push(at - t);
  }
  const rss = s.peakRss();
  await s.stop();
  return { times, rss };
}

/**
 * Deletes every cache a server keeps in CODEX_HOME: SQLite files (our sessions index, 0.166.0's state databases)
 * and our first page's heads snapshot.
 */
async function dropCaches(codexHome) {
  for (const name of await fs.readdir(codexHome)) {
    if (
      /\.sqlite(-wal|-shm|-journal)?$/.test(name) ||
      /\.db(-wal|-shm)?$/.test(name) ||
      name === HEADS_SNAPSHOT
    ) {
      await fs.rm(path.join(codexHome, name), { force: true });
    }
  }
}

/**
 * The first request after spawn (median over fresh processes) and later requests (median within one process), for
 * every server. Runs alternate between the servers, so a change in the machine's load hits all of them alike.
 */
async function benchThreadList(codexHome, params) {
  const firsts = SERVERS.map(() => []);
  const rss = SERVERS.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    for (const [s, [, cmd]] of SERVERS.entries()) {
      if (!cmd || firsts[s] === null) continue;
      const t = await timeThreadList(cmd, codexHome, params, 1);
      if (t === null) firsts[s] = null;
      else {
        firsts[s].push(t[0]);
        if (t.rss != null) rss[s].push(t.rss);
      }
    }
  }
  const out = [];
  for (const [s, [, cmd]] of SERVERS.entries()) {
    if (!cmd || firsts[s] === null) {
      out.push(null);
      continue;
    }
    const later = (await timeThreadList(cmd, codexHome, params, RUNS + 1)).slice(1);
    out.push({ first: median(firsts[s]), later: median(later), rss: rss[s].length ? median(rss[s]) : null });
  }
  return out;
}

/** First request after spawn (median of RUNS processes) and later requests, for one server. */
async function benchOne(cmd, codexHome, params) {
  const firsts = [];
  for (let i = 0; i < RUNS; i++) {
    const t = await timeThreadList(cmd, codexHome, params, 1);
    if (t === null) return null;
    firsts.push(t[0]);
  }
  const later = (await timeThreadList(cmd, codexHome, params, RUNS + 1)).slice(1);
  return { first: median(firsts), later: median(later) };
}

/** One request's time, first after spawn (median of RUNS processes) and later (median within one); null: refused. */
async function benchRequest(cmd, codexHome, method, params) {
  const firsts = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await timeRequests(cmd, codexHome, [[method, params]]);
    if (!r) return null;
    firsts.push(r.times[0]);
  }
  const warm = await timeRequests(
    cmd,
    codexHome,
    Array.from({ length: RUNS + 1 }, () => [method, params]),
  );
  return { first: median(firsts), later: warm ? median(warm.times.slice(1)) : null };
}

/**
 * Resume and first read of a big rollout: a generated session of RESUME_MB with a compaction and a turn after it,
 * as long sessions end. Every server in fresh processes, alternating.
 */
async function benchLargeThread(root, rows) {
  const home = path.join(root, "resume");
  await fs.mkdir(home, { recursive: true });
  await fs.writeFile(path.join(home, "config.toml"), CONFIG);
  log(`writing a ${RESUME_MB} MB rollout…`);
  const { id, path: file } = await writeLargeSession(home, {
    at: new Date(2026, 10, 20, 12, 0, 0),
    bytes: RESUME_MB * MIB,
  });
  const line = (type, payload) =>
    `${JSON.stringify({ timestamp: new Date().toISOString(), type, payload })}\n`;
  const user = (text) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });
  await fs.appendFile(
    file,
    line("compacted", { message: "Summary: the work so far, in short." }) +
      line("response_item", user("one more thing")) +
      line("event_msg", { type: "user_message", message: "one more thing", images: [] }) +
      line("response_item", {
        type: "message",
        role: "assistant",
        content: [{ type: "output_text", text: "ok" }],
      }),
  );
  const resumeParams = (s) => ({ threadId: id, ...(s === 2 ? { excludeTurns: true } : {}) });
  const resume = SERVERS.map(() => []);
  const rss = SERVERS.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    for (const [s, [, cmd]] of SERVERS.entries()) {
      if (!cmd || resume[s] === null) continue;
      const r = await timeRequests(cmd, home, [["thread/resume", resumeParams(s)]]);
      if (!r) resume[s] = null;
      else {
        resume[s].push(r.times[0]);
        if (r.rss != null) rss[s].push(r.rss);
      }
    }
  }
  const med = (xs) => (xs?.length ? median(xs) : null);
  rows.push([`thread/resume of a ${RESUME_MB} MB rollout (0.166.0: excludeTurns)`, ...resume.map(med)]);
  rows.push([`peak RSS after that resume`, ...rss.map(med), "MiB"]);
  // 0.166.0's first read of a stored thread: summary, then the newest 10 turns.
  const reads = [];
  const readRss = [];
  if (SERVERS[2][1]) {
    for (let i = 0; i < RUNS; i++) {
      const r = await timeRequests(SERVERS[2][1], home, [
        ["thread/read", { threadId: id }],
        ["thread/turns/list", { threadId: id, limit: 10 }],
      ]);
      if (!r) break;
      reads.push(r.times[0] + r.times[1]);
      if (r.rss != null) readRss.push(r.rss);
    }
  }
  // Ours speaking 0.166: the same requests as 0.166.0's, in fresh processes (the first builds the turn index).
  const readRequests = [
    ["thread/read", { threadId: id }],
    ["thread/turns/list", { threadId: id, limit: 10 }],
  ];
  await timeRequests(OURS_0166, home, readRequests);
  const oursReads = [];
  const oursReadRss = [];
  const oursResumes = [];
  const oursResumeRss = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await timeRequests(OURS_0166, home, readRequests);
    if (r) {
      oursReads.push(r.times[0] + r.times[1]);
      if (r.rss != null) oursReadRss.push(r.rss);
    }
    const q = await timeRequests(OURS_0166, home, [["thread/resume", { threadId: id, excludeTurns: true }]]);
    if (q) {
      oursResumes.push(q.times[0]);
      if (q.rss != null) oursResumeRss.push(q.rss);
    }
  }
  rows.push([
    `thread/read + thread/turns/list (10) of the ${RESUME_MB} MB rollout, first requests after spawn (0.166)`,
    med(oursReads),
    null,
    med(reads),
  ]);
  rows.push(["peak RSS of that read (0.166)", med(oursReadRss), null, med(readRss), "MiB"]);
  rows.push([
    `thread/resume {excludeTurns} of the ${RESUME_MB} MB rollout, first request after spawn (0.166)`,
    med(oursResumes),
    null,
    med(resume[2]),
  ]);
  rows.push(["peak RSS after that resume (0.166)", med(oursResumeRss), null, med(rss[2]), "MiB"]);
  await fs.rm(home, { recursive: true, force: true });
}

async function timeFuzzySearch(cmd, codexHome, root) {
  const s = start(cmd, codexHome);
  await s.call(0, "initialize", initOf(cmd));
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

const MIB = 1024 * 1024;
/** Times in ms; sizes (rows whose name says RSS) in MiB. */
const fmt = (x, unit = "ms") =>
  x == null ? "n/a" : unit === "MiB" ? `${(x / MIB).toFixed(0)} MiB` : `${x.toFixed(1)} ms`;
const ratio = (a, b) => (a == null || b == null ? "n/a" : `${(a / b).toFixed(2)}x`);
const log = (msg) => process.stderr.write(`${msg}\n`);

/** Runs `measure` for every server (null for a missing binary). */
async function forEachServer(measure) {
  const out = [];
  for (const [, cmd] of SERVERS) out.push(cmd ? await measure(cmd) : null);
  return out;
}

/** Deletes the code cache files of one command of ours beside the bundle (apps/cli launch/code-cache.ts). */
async function removeCodeCaches(variant) {
  const dir = path.join(cliDir, "dist", ".code-cache");
  const names = await fs.readdir(dir).catch(() => []);
  for (const name of names) {
    if (name.includes(`.${variant}.`)) await fs.rm(path.join(dir, name), { force: true });
  }
}

const root = await fs.mkdtemp(path.join(os.tmpdir(), "codex-bench-"));
try {
  const rows = [];
  const home0 = path.join(root, "empty");
  await fs.mkdir(home0);
  await fs.writeFile(path.join(home0, "config.toml"), CONFIG);
  // One untimed run writes the code cache the timed runs read (as any earlier run of the installed bin would).
  // The app-server's cache left by earlier runs goes first: the test suite's short runs each add what they
  // compiled, and a cache holding every feature's code (2.7 MB instead of ~1.4) costs every start ~2 MiB of heap
  // and its deserialization, so the figures would depend on what ran before the bench.
  await removeCodeCaches("app-server");
  await timeInitialize(OURS, home0);
  const inits = SERVERS.map(() => []);
  const uncached = [];
  const floor = [];
  for (let i = 0; i < RUNS; i++) {
    for (const [s, [, cmd]] of SERVERS.entries()) if (cmd) inits[s].push(await timeInitialize(cmd, home0));
    uncached.push(await timeInitialize(OURS, home0, OURS_UNCACHED_ENV));
    floor.push(await timeInitialize(NODE_FLOOR, home0));
  }
  const natives = inits.slice(1).map((t) => (t.length ? median(t) : null));
  rows.push(["spawn → initialize response", median(inits[0]), ...natives]);
  rows.push(["spawn → initialize response, no code cache (a first run)", median(uncached), ...natives]);
  rows.push([
    "spawn → initialize response, Node floor: a script answering one line",
    median(floor),
    ...natives,
  ]);
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
    rows.push([`peak RSS after the first page @ ${k}`, ...first.map((r) => r?.rss), "MiB"]);
    // Ours speaking 0.166 against 0.166.0: the first page and 0.166.0's filters.
    for (const [label, query] of [
      ["first", {}],
      ["cwd (2%)", { cwd: "/home/dev/projects/p7" }],
      ["searchTerm (1%)", { searchTerm: RARE_TERM }],
    ]) {
      await benchOne(OURS_0166, home, { limit: 25, ...query }); // untimed: the index is built
      const ours = await benchOne(OURS_0166, home, { limit: 25, ...query });
      const theirs = SERVERS[2][1] ? await benchOne(SERVERS[2][1], home, { limit: 25, ...query }) : null;
      rows.push([
        `thread/list (0.166) ${label} page, first request after spawn @ ${k}`,
        ours?.first,
        null,
        theirs?.first,
      ]);
      rows.push([`thread/list (0.166) ${label} page, warm @ ${k}`, ours?.later, null, theirs?.later]);
    }
    // thread/search for the 1% term. The generated sessions keep their messages as response items only, which
    // neither implementation searches (0.166.0 searches message events), so no session matches and every one is
    // checked: the worst case of a page. Ours answers from the index's message texts (the untimed run builds them,
    // a read of every rollout once); 0.166.0 greps the rollouts on every request.
    const search = { searchTerm: RARE_TERM, limit: 25 };
    await timeRequests(OURS_0166, home, [["thread/search", search]]);
    const oursSearch = await benchRequest(OURS_0166, home, "thread/search", search);
    const theirSearch = SERVERS[2][1]
      ? await benchRequest(SERVERS[2][1], home, "thread/search", search)
      : null;
    rows.push([
      `thread/search (0.166) unmatched term, first request after spawn @ ${k}`,
      oursSearch?.first,
      null,
      theirSearch?.first,
    ]);
    rows.push([
      `thread/search (0.166) unmatched term, warm @ ${k}`,
      oursSearch?.later,
      null,
      theirSearch?.later,
    ]);
    // Caches deleted: the first page of a server that must rebuild what it keeps (one run each, after the others).
    const cold = [];
    for (const [, cmd] of SERVERS) {
      if (!cmd) {
        cold.push(null);
        continue;
      }
      await dropCaches(home);
      cold.push((await timeThreadList(cmd, home, FIRST, 1))?.[0] ?? null);
    }
    rows.push([`thread/list first page, caches deleted (first request after spawn) @ ${k}`, ...cold]);
    await fs.rm(home, { recursive: true, force: true });
  }
  if (RESUME_MB > 0) await benchLargeThread(root, rows);
  if (FILES > 0) {
    const tree = path.join(root, "tree");
    log(`writing ${FILES} files…`);
    await makeTree(tree, FILES);
    rows.push([
      `fuzzyFileSearch @ ${FILES} files`,
      ...(await forEachServer((cmd) => timeFuzzySearch(cmd, home0, tree))),
    ]);
  }
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");
  console.log(
    `${new Date().toISOString()} · Node ${process.version} · ${os.cpus().length} cores · load average ${load}`,
  );
  console.log(
    `| measurement (median of ${RUNS}) | codex-ts | codex 0.58.0 | codex 0.166.0 | ts / 0.58 | ts / 0.166 |`,
  );
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const [name, ours, v058, v0166, unit] of rows)
    console.log(
      `| ${name} | ${fmt(ours, unit)} | ${fmt(v058, unit)} | ${fmt(v0166, unit)} | ${ratio(ours, v058)} | ${ratio(ours, v0166)} |`,
    );
} finally {
  await fs.rm(root, { recursive: true, force: true });
}
