#!/usr/bin/env node
// `pnpm bench` in packages/core: the sessions store on synthetic stores in Codex 0.58.0's format.
//   1. first page (25) of the listing at 1k, 10k and 100k sessions: without the index, cold (no index file yet,
//      new store) and warm (index filled, same store)
//   2. listing every page of 500 sessions of which 20 are 100 MB, against the same store with small files
//   3. resume (loadHistory) of a 200 MB rollout: time and peak RSS growth beyond the resulting history
//   4. find-by-id at 100k sessions (UUID v7 and v4 ids, unknown id), without index, cold index and warm index
//   5. listThreads (the 0.166 filters) on a warm index: a provider holding 1% of sessions, one cwd (2%), a search
//      term in 1% of previews, the updated_at order; and the 1%-provider page with a cold index
//   6. the turn index of a BENCH_TURNS_MB (default 100) rollout: build (fresh process, no index yet) and one page
//      (the newest 10 turns, lines streamed) in another fresh process: time and peak RSS
// Bytes read are the process's read() bytes from /proc/self/io (Linux; "n/a" elsewhere).
// Env: BENCH_SIZES (default "1000,10000,100000"), BENCH_RUNS (default 7), BENCH_BIG_MB (100), BENCH_RESUME_MB (200).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { INDEX_FILE_NAME, SessionsStore } from "../dist/index.js";
import { generateStore, growSession, RARE_PROVIDER, RARE_TERM, writeLargeSession } from "./generate.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const SIZES = (process.env.BENCH_SIZES ?? "1000,10000,100000").split(",").map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const BIG_MB = Number(process.env.BENCH_BIG_MB ?? 100);
const RESUME_MB = Number(process.env.BENCH_RESUME_MB ?? 200);
const TURNS_MB = Number(process.env.BENCH_TURNS_MB ?? 100);
const MB = 1024 * 1024;
const DEFAULT_PROVIDER = "openai";

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const log = (msg) => process.stderr.write(`${msg}\n`);
const ms = (x) => (x == null ? "n/a" : x < 10 ? `${x.toFixed(2)} ms` : `${x.toFixed(0)} ms`);
const size = (bytes) =>
  bytes == null ? "n/a" : bytes < MB ? `${(bytes / 1024).toFixed(0)} KiB` : `${(bytes / MB).toFixed(1)} MiB`;

/** Bytes this process has read through read() so far (page-cache hits included), or null off Linux. */
function bytesReadSoFar() {
  if (!existsSync("/proc/self/io")) return null;
  const match = /^rchar: (\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"));
  return match ? Number(match[1]) : null;
}

/** Median time of `fn` over RUNS runs (after `prepare` each time), with the bytes read by one run. */
async function measure(fn, prepare = async () => {}) {
  const times = [];
  let bytes = null;
  for (let i = 0; i < RUNS; i++) {
    await prepare();
    const before = bytesReadSoFar();
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    const after = bytesReadSoFar();
    if (before !== null && after !== null) bytes = after - before;
  }
  return { ms: median(times), bytes };
}

async function listAll(store) {
  let cursor = null;
  let count = 0;
  do {
    const page = await store.list({ cursor, defaultProvider: DEFAULT_PROVIDER });
    count += page.items.length;
    cursor = page.nextCursor;
  } while (cursor);
  return count;
}

const rows = [];
const row = (what, result, note = "") => {
  rows.push([what, ms(result.ms), size(result.bytes), note]);
  log(`  ${what}: ${ms(result.ms)}, ${size(result.bytes)} ${note}`);
};

const root = await mkdtemp(join(tmpdir(), "codex-core-bench-"));
try {
  // 1 and 4: listing and lookup at growing store sizes.
  for (const count of SIZES) {
    const home = join(root, `store-${count}`);
    const t0 = performance.now();
    const ids = await generateStore(home, { count });
    log(`generated ${count} sessions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const firstPage = async (store) => {
      const page = await store.list({ pageSize: 25, defaultProvider: DEFAULT_PROVIDER });
      if (page.items.length !== 25 || !page.nextCursor) throw new Error("first page is not full");
    };
    const dropIndex = () => rm(join(home, INDEX_FILE_NAME), { force: true });
    row(
      `list first page @ ${count}, no index`,
      await measure(() => firstPage(new SessionsStore(home, { index: false }))),
    );
    let cold;
    row(
      `list first page @ ${count}, cold index (none on disk)`,
      await measure(
        () => firstPage(cold),
        async () => {
          cold?.close();
          await dropIndex();
          cold = new SessionsStore(home);
        },
      ),
    );
    cold.close();
    const warm = new SessionsStore(home);
    await firstPage(warm);
    row(`list first page @ ${count}, warm index`, await measure(() => firstPage(warm)));
    if (count === Math.max(...SIZES)) {
      const find = async (store, id, expectFound) => {
        const found = await store.findPathById(id);
        if ((found !== null) !== expectFound) throw new Error(`findPathById(${id}) = ${found}`);
      };
      const v4 = (from) => ids.slice(from).find((id) => id.charAt(14) !== "7");
      const probes = [
        ["newest (v7)", ids[0], true],
        ["oldest (v7)", ids[count - 1], true],
        ["middle (v4)", v4(Math.floor(count / 2)), true],
        ["oldest (v4)", v4(count - 10), true],
        ["unknown id", "00000000-0000-4000-8000-000000000000", false],
      ];
      for (const [label, id, expectFound] of probes) {
        const plain = new SessionsStore(home, { index: false });
        row(
          `find-by-id @ ${count}, ${label}, index in memory only (index: false)`,
          await measure(() => find(plain, id, expectFound)),
        );
        let fresh;
        row(
          `find-by-id @ ${count}, ${label}, cold index (none on disk)`,
          await measure(
            () => find(fresh, id, expectFound),
            async () => {
              fresh?.close();
              await dropIndex();
              fresh = new SessionsStore(home);
            },
          ),
        );
        fresh.close();
        const indexed = new SessionsStore(home);
        await find(indexed, id, expectFound);
        row(
          `find-by-id @ ${count}, ${label}, warm index`,
          await measure(() => find(indexed, id, expectFound)),
        );
        indexed.close();
      }
    }
    // 5. The 0.166 filters, each an indexed query (pages must be full: the store holds enough of each).
    const threads = async (store, query) => {
      const page = await store.listThreads({ limit: 25, defaultProvider: DEFAULT_PROVIDER, ...query });
      if (page.items.length !== 25)
        throw new Error(`listThreads ${JSON.stringify(query)}: ${page.items.length} items`);
    };
    const filters = [
      ["1%-provider", { modelProviders: [RARE_PROVIDER] }],
      ["cwd (2%)", { cwd: "/home/dev/projects/p7" }],
      ["searchTerm (1%)", { searchTerm: RARE_TERM }],
      ["updated_at order", { sortKey: "updated_at" }],
    ];
    // Under 10k sessions a 1% filter holds less than a page.
    if (count >= 10_000) {
      for (const [label, query] of filters) {
        await threads(warm, query);
        row(`listThreads ${label} page @ ${count}, warm index`, await measure(() => threads(warm, query)));
      }
      let coldFiltered;
      row(
        `listThreads 1%-provider page @ ${count}, cold index (none on disk)`,
        await measure(
          () => threads(coldFiltered, filters[0][1]),
          async () => {
            coldFiltered?.close();
            await dropIndex();
            coldFiltered = new SessionsStore(home);
          },
        ),
      );
      coldFiltered.close();
    }
    warm.close();
    await rm(home, { recursive: true, force: true });
  }

  // 2. Big files do not make listing slower: the same 500 sessions with 20 of them grown to BIG_MB.
  const small = join(root, "small-500");
  const big = join(root, "big-500");
  const newest = new Date(2026, 10, 20, 18, 0, 0);
  await generateStore(small, { count: 500, newest });
  const bigIds = await generateStore(big, { count: 500, newest });
  const bigStore = new SessionsStore(big, { index: false });
  for (let i = 0; i < 20; i++) {
    const path = await bigStore.findPathById(bigIds[i * 25]);
    await growSession(path, BIG_MB * MB);
  }
  log(`generated 500 sessions, 20 of them ${BIG_MB} MB`);
  // Without the index, so every page reads its files' heads; then with a warm index.
  const plain = (home) => new SessionsStore(home, { index: false });
  row("list all pages @ 500 small sessions, no index", await measure(() => listAll(plain(small))));
  row(
    `list all pages @ 500 sessions, 20 of ${BIG_MB} MB, no index`,
    await measure(() => listAll(plain(big))),
  );
  const indexedBig = new SessionsStore(big);
  await listAll(indexedBig);
  row(
    `list all pages @ 500 sessions, 20 of ${BIG_MB} MB, warm index`,
    await measure(() => listAll(indexedBig)),
  );
  indexedBig.close();
  await rm(small, { recursive: true, force: true });
  await rm(big, { recursive: true, force: true });

  // 3. Resume of a big rollout, in a fresh process so its peak RSS is the load's alone.
  const resumeHome = join(root, "resume");
  const large = await writeLargeSession(resumeHome, { at: newest, bytes: RESUME_MB * MB });
  const child = JSON.parse(
    execFileSync(process.execPath, ["--expose-gc", join(here, "resume-child.mjs"), large.path], {
      encoding: "utf8",
    }),
  );
  rows.push([
    `resume (loadHistory) of a ${size(large.bytes)} rollout`,
    ms(child.ms),
    size(large.bytes),
    `${child.items} items; peak RSS growth ${size(child.peakGrowth)}, history ${size(child.historyBytes)}, ` +
      `growth beyond history ${size(child.peakGrowth - child.historyBytes)}`,
  ]);
  log(`  resume: ${JSON.stringify(child)}`);

  // 6. The turn index of a big rollout: built by one streaming pass, then a page read from its offsets alone.
  const turnsHome = join(root, "turns");
  const long = await writeLargeSession(turnsHome, { at: newest, bytes: TURNS_MB * MB });
  const turnsChild = (mode) =>
    JSON.parse(
      execFileSync(process.execPath, [join(here, "turns-child.mjs"), long.path, mode], { encoding: "utf8" }),
    );
  const build = turnsChild("build");
  log(`  turn index build: ${JSON.stringify(build)}`);
  rows.push([
    `turn index build of a ${size(long.bytes)} rollout (fresh process, no index)`,
    ms(build.ms),
    size(long.bytes),
    `${build.turns} turns; peak RSS ${size(build.peakRss)} (process at start ${size(build.rssBefore)})`,
  ]);
  const pages = [];
  for (let i = 0; i < Math.min(RUNS, 5); i++) pages.push(turnsChild("page"));
  const page = pages.sort((a, b) => a.ms - b.ms)[Math.floor(pages.length / 2)];
  log(`  turn page: ${JSON.stringify(page)}`);
  rows.push([
    `newest 10 turns of the ${size(long.bytes)} rollout, lines streamed (fresh process, index built)`,
    ms(page.ms),
    size(page.bytes),
    `${page.lines} lines; peak RSS ${size(page.peakRss)} (process at start ${size(page.rssBefore)})`,
  ]);
} finally {
  await rm(root, { recursive: true, force: true });
}

console.log(`| measurement (median of ${RUNS}) | time | bytes read | notes |`);
console.log("| --- | --- | --- | --- |");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
