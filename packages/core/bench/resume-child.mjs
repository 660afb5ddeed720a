// Loads one rollout in a fresh process and reports memory: run with --expose-gc by bench/run.mjs.
import { SessionsStore } from "../dist/index.js";
import { peakRssBytes } from "./peak-rss.mjs";

const path = process.argv[2];
// The store reads rollouts only inside its own sessions directories: the home is the folder above `sessions/`.
const home = path.slice(0, path.lastIndexOf("/sessions/"));
const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
};
globalThis.gc();
const rssBefore = process.memoryUsage().rss;
const usedBefore = used();
const t0 = performance.now();
const history = await new SessionsStore(home, { index: false }).loadHistory(path);
const ms = performance.now() - t0;
const peakRss = peakRssBytes();
globalThis.gc();
const historyBytes = used() - usedBefore;
process.stdout.write(
  `${JSON.stringify({ ms, items: history.items.length, rssBefore, peakRss, peakGrowth: peakRss - rssBefore, historyBytes })}\n`,
);
