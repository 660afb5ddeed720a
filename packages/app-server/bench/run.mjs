#!/usr/bin/env node
// `pnpm bench`: this app-server vs the real Codex 0.58.0 on the same CODEX_HOME, side by side.
//   1. spawn → `initialize` response (median of RUNS fresh processes, interleaved): ours as the `codex` bin runs
//      (with its code cache, and without it as on a first run), the native 0.58.0 binary, and the floor a Node
//      process sets: a script that answers `initialize` with one line
//   2. `thread/list` first page (limit 25) with 10 000 sessions on disk in the real format: the first request after
//      spawn (median over RUNS fresh processes, after one untimed process that warms the OS file cache and lets
//      each server build whatever on-disk cache it keeps), and the median of RUNS later requests in one process
//   3. `fuzzyFileSearch` over a 100 000-file tree (median of RUNS requests; BENCH_FILES=0 skips it)
// The real Codex is the native binary inside its npm package (what editors spawn; its `codex` launcher is a Node
// script that adds a Node start): $CODEX_REAL_BIN, else found from the npm launcher $CODEX_REFERENCE_BIN (default
// /tmp/codex058/node_modules/.bin/codex). Without it only this implementation is measured.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
// Sessions in the real on-disk format, from the core package's store generator (see packages/core/bench).
import { generateStore } from "../../core/bench/generate.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const cliDir = path.resolve(here, "../../../apps/cli");
/** The `codex` bin as package.json declares it: what an installed `codex app-server` runs. */
const cliBin = path.join(
  cliDir,
  JSON.parse(readFileSync(path.join(cliDir, "package.json"), "utf8")).bin.codex,
);
const OURS = [process.execPath, cliBin, "app-server"];
const OURS_UNCACHED = { cmd: OURS, env: { CODEX_TS_CODE_CACHE: "0" } };
const NODE_FLOOR = [process.execPath, path.join(here, "node-floor.mjs")];

/** The native binary inside the npm package whose launcher is `launcher` (`@openai/codex/vendor/<triple>/codex/codex`). */
function nativeCodex(launcher) {
  if (!existsSync(launcher)) return null;
  const pkg = path.resolve(path.dirname(realpathSync(launcher)), "..");
  const triples = {
    "linux-x64": "x86_64-unknown-linux-musl",
    "linux-arm64": "aarch64-unknown-linux-musl",
    "darwin-x64": "x86_64-apple-darwin",
    "darwin-arm64": "aarch64-apple-darwin",
    "win32-x64": "x86_64-pc-windows-msvc",
    "win32-arm64": "aarch64-pc-windows-msvc",
  };
  const triple = triples[`${process.platform}-${process.arch}`];
  const exe =
    triple && path.join(pkg, "vendor", triple, "codex", process.platform === "win32" ? "codex.exe" : "codex");
  return exe && existsSync(exe) ? exe : null;
}
const realBin =
  process.env.CODEX_REAL_BIN ??
  nativeCodex(process.env.CODEX_REFERENCE_BIN ?? "/tmp/codex058/node_modules/.bin/codex");
const REAL = realBin && existsSync(realBin) ? [realBin, "app-server"] : null;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 10_000);
const FILES = Number(process.env.BENCH_FILES ?? 100_000);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** Starts a server and returns helpers to send a request and await its response by id. */
function start(cmd, codexHome, env = {}) {
  const t0 = performance.now();
  const child = spawn(cmd[0], cmd.slice(1), {
    env: { ...process.env, ...env, CODEX_HOME: codexHome },
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
      waiting.get(msg.id)?.(msg);
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

async function timeInitialize(cmd, codexHome, env) {
  const s = start(cmd, codexHome, env);
  const { at } = await s.call(0, "initialize", { clientInfo: { name: "bench", title: null, version: "1" } });
  await s.stop();
  return at - s.t0;
}

/** Runs `requests` thread/list calls in one fresh process; their times, or null when the method is not served. */
async function timeThreadList(cmd, codexHome, requests) {
  const s = start(cmd, codexHome);
  await s.call(0, "initialize", { clientInfo: { name: "bench", title: null, version: "1" } });
  const times = [];
  for (let i = 1; i <= requests; i++) {
    const t = performance.now();
    const { msg, at } = await s.call(i, "thread/list", { limit: 25 });
    if (msg.error) {
      await s.stop();
      return null;
    }
    if (msg.result.data.length !== 25)
      throw new Error(`thread/list returned ${msg.result.data.length} items`);
    times.push(at - t);
  }
  await s.stop();
  return times;
}

/** The first request after spawn (median over fresh processes) and later requests (median within one process). */
async function benchThreadList(cmd, codexHome) {
  if ((await timeThreadList(cmd, codexHome, 1)) === null) return { first: null, median: null };
  const firsts = [];
  for (let i = 0; i < RUNS; i++) firsts.push((await timeThreadList(cmd, codexHome, 1))[0]);
  const later = (await timeThreadList(cmd, codexHome, RUNS + 1)).slice(1);
  return { first: median(firsts), median: median(later) };
}

async function timeFuzzySearch(cmd, codexHome, root) {
  const s = start(cmd, codexHome);
  await s.call(0, "initialize", { clientInfo: { name: "bench", title: null, version: "1" } });
  const times = [];
  for (let i = 1; i <= RUNS; i++) {
    const t = performance.now();
    const { msg, at } = await s.call(i, "fuzzyFileSearch", {
      query: "file_42_99",
      roots: [root],
      cancellationToken: null,
    });
    if (!msg.result?.files?.length) throw new Error(`fuzzyFileSearch found nothing: ${JSON.stringify(msg)}`);
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

const codexHome = await fs.mkdtemp(path.join(os.tmpdir(), "codex-bench-"));
try {
  const rows = [];
  // One untimed run writes the code cache the timed runs read (as any earlier run of the installed bin would).
  await timeInitialize(OURS, codexHome);
  const init = { ours: [], uncached: [], real: [], floor: [] };
  for (let i = 0; i < RUNS; i++) {
    init.ours.push(await timeInitialize(OURS, codexHome));
    init.uncached.push(await timeInitialize(OURS_UNCACHED.cmd, codexHome, OURS_UNCACHED.env));
    if (REAL) init.real.push(await timeInitialize(REAL, codexHome));
    init.floor.push(await timeInitialize(NODE_FLOOR, codexHome));
  }
  const realInit = REAL ? median(init.real) : null;
  rows.push(["spawn → initialize response", median(init.ours), realInit]);
  rows.push(["spawn → initialize response, no code cache (a first run)", median(init.uncached), realInit]);
  rows.push([
    "spawn → initialize response, Node floor: a script answering one line",
    median(init.floor),
    realInit,
  ]);
  process.stderr.write(`writing ${SESSIONS} sessions…\n`);
  await generateStore(codexHome, { count: SESSIONS });
  const listOurs = await benchThreadList(OURS, codexHome);
  const listReal = REAL ? await benchThreadList(REAL, codexHome) : { first: null, median: null };
  rows.push([`thread/list first page @ ${SESSIONS} sessions, first request`, listOurs.first, listReal.first]);
  rows.push([
    `thread/list first page @ ${SESSIONS} sessions, later requests`,
    listOurs.median,
    listReal.median,
  ]);
  if (FILES > 0) {
    const tree = path.join(codexHome, "tree");
    process.stderr.write(`writing ${FILES} files…\n`);
    await makeTree(tree, FILES);
    rows.push([
      `fuzzyFileSearch @ ${FILES} files`,
      await timeFuzzySearch(OURS, codexHome, tree),
      REAL ? await timeFuzzySearch(REAL, codexHome, tree) : null,
    ]);
  }
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");
  console.log(
    `${new Date().toISOString()} · Node ${process.version} · ${os.cpus().length} cores · load average ${load}` +
      ` · 0.58.0: ${REAL ? REAL[0] : "not found"}`,
  );
  console.log(`| measurement (median of ${RUNS}) | codex-ts | codex 0.58.0 native | ratio (ts / 0.58) |`);
  console.log("| --- | --- | --- | --- |");
  for (const [name, ours, real] of rows)
    console.log(`| ${name} | ${fmt(ours)} | ${fmt(real)} | ${ratio(ours, real)} |`);
} finally {
  await fs.rm(codexHome, { recursive: true, force: true });
}
